"""bulk files: logical files, their parts and items with progress and results

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite allows AUTOINCREMENT only on an INTEGER PRIMARY KEY.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "bulk_files",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("sender", sa.String(), nullable=False),
        sa.Column("file_reference", sa.String(), nullable=False),
        sa.Column("environment", sa.String(length=1), nullable=False),
        sa.Column("parts_expected", sa.Integer(), nullable=False),
        sa.Column("parts_received", sa.Integer(), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("correlation_id", sa.String(), nullable=False),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulk_files")),
        sa.UniqueConstraint(
            "sender", "file_reference", name=op.f("uq_bulk_files_sender_file_reference")
        ),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_bulk_files_status", "bulk_files", ["status"])
    op.create_table(
        "bulk_parts",
        sa.Column("file_id", ID, nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(), nullable=False),
        sa.Column("correlation_id", sa.String(), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("filled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["bulk_files.id"], name=op.f("fk_bulk_parts_file_id_bulk_files"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("file_id", "part", name=op.f("pk_bulk_parts")),
    )
    op.create_index("ix_bulk_parts_message_id", "bulk_parts", ["message_id"])
    op.create_table(
        "bulk_items",
        sa.Column("file_id", ID, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("request_reference", sa.String(), nullable=False),
        sa.Column("check_key", sa.Text(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("result", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["file_id"], ["bulk_files.id"], name=op.f("fk_bulk_items_file_id_bulk_files"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("file_id", "seq", name=op.f("pk_bulk_items")),
    )
    op.create_index(
        "ix_bulk_items_file_id_status_seq", "bulk_items", ["file_id", "status", "seq"]
    )


def downgrade() -> None:
    for table in ("bulk_items", "bulk_parts", "bulk_files"):
        op.drop_table(table)
