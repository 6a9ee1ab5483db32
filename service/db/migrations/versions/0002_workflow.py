"""workflow: what a notification's decision set

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # batch mode: SQLite cannot drop columns in place (downgrade); harmless on PostgreSQL.
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("new_start_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("ticket_number", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("reason", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("reason")
        batch.drop_column("ticket_number")
        batch.drop_column("new_start_date")
