"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite allows AUTOINCREMENT only on an INTEGER PRIMARY KEY.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    _parties()
    _requests()
    _exactly_once()


def _parties() -> None:
    op.create_table(
        "senders",
        sa.Column("user", sa.String(), nullable=False),
        sa.Column("number", sa.String(length=6), nullable=False),
        sa.Column("is_authority", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("user", name=op.f("pk_senders")),
        sa.UniqueConstraint("number", name=op.f("uq_senders_number")),
    )
    op.create_table(
        "mandates",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("sender", sa.String(), nullable=False),
        sa.Column("company_id", sa.String(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mandates")),
    )
    op.create_index("ix_mandates_sender_company_id", "mandates", ["sender", "company_id"])
    op.create_index("ix_mandates_company_id", "mandates", ["company_id"])
    op.create_table(
        "personnel",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("company_id", sa.String(), nullable=False),
        sa.Column("inss", sa.String(), nullable=False),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("exit_date", sa.Date(), nullable=True),
        sa.Column("last_name", sa.String(), nullable=True),
        sa.Column("first_name", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personnel")),
        sa.UniqueConstraint(
            "company_id",
            "inss",
            "entry_date",
            name=op.f("uq_personnel_company_id_inss_entry_date"),
        ),
    )
    op.create_table(
        "employers",
        sa.Column("company_id", sa.String(), nullable=False),
        sa.Column("noss", sa.String(), nullable=True),
        sa.Column("sector", sa.String(length=32), nullable=True),
        sa.Column("contact_name", sa.String(), nullable=True),
        sa.Column("contact_email", sa.String(), nullable=True),
        sa.Column("contact_phone", sa.String(), nullable=True),
        sa.Column("joint_commission_nbr", sa.String(), nullable=True),
        sa.Column(
            "accepts_notifications", sa.Boolean(), server_default=sa.false(), nullable=False
        ),
        sa.Column("updated_at", UTC_TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("company_id", name=op.f("pk_employers")),
    )
    op.create_table(
        "employer_headcounts",
        sa.Column("company_id", sa.String(), nullable=False),
        sa.Column("reference_year", sa.Integer(), nullable=False),
        sa.Column("headcount", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["employers.company_id"],
            name=op.f("fk_employer_headcounts_company_id_employers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("company_id", "reference_year", name=op.f("pk_employer_headcounts")),
    )


def _requests() -> None:
    op.create_table(
        "requests",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("ticket_number", sa.String(length=32), nullable=False),
        sa.Column("sender", sa.String(), nullable=False),
        sa.Column("company_id", sa.String(), nullable=False),
        sa.Column("request_reference", sa.String(), nullable=False),
        sa.Column("inss", sa.String(), nullable=False),
        sa.Column("scheme", sa.String(length=32), nullable=False),
        sa.Column("fraction", sa.String(length=16), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("submitted_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("payload_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_requests")),
        sa.UniqueConstraint("ticket_number", name=op.f("uq_requests_ticket_number")),
    )
    op.create_index(
        "ix_requests_company_id_inss_scheme", "requests", ["company_id", "inss", "scheme"]
    )
    op.create_index(
        "ix_requests_company_id_submitted_at", "requests", ["company_id", "submitted_at"]
    )
    op.create_table(
        "request_history",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("request_id", ID, nullable=False),
        sa.Column("at", UTC_TIMESTAMP, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.id"],
            name=op.f("fk_request_history_request_id_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_history")),
    )
    op.create_index("ix_request_history_request_id", "request_history", ["request_id"])
    op.create_table(
        "attachments",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("request_id", ID, nullable=False),
        sa.Column("file_name", sa.String(), nullable=False),
        sa.Column("content_type", sa.String(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.id"],
            name=op.f("fk_attachments_request_id_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
        sa.UniqueConstraint(
            "request_id", "file_name", name=op.f("uq_attachments_request_id_file_name")
        ),
    )
    op.create_table(
        "notifications",
        sa.Column("notification_id", sa.String(), nullable=False),
        sa.Column("company_id", sa.String(), nullable=False),
        sa.Column("inss", sa.String(), nullable=False),
        sa.Column("payload_json", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("received_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("decided_at", UTC_TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("notification_id", name=op.f("pk_notifications")),
    )
    op.create_index(
        "ix_notifications_company_id_state", "notifications", ["company_id", "state"]
    )


def _exactly_once() -> None:
    op.create_table(
        "inbox",
        sa.Column("sender", sa.String(), nullable=False),
        sa.Column("message_id", sa.String(), nullable=False),
        sa.Column("request_reference", sa.String(), nullable=True),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("reply_message_ids", sa.Text(), nullable=False),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("sender", "message_id", name=op.f("pk_inbox")),
        sa.UniqueConstraint(
            "sender", "request_reference", name=op.f("uq_inbox_sender_request_reference")
        ),
    )
    op.create_table(
        "outbox",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("message_id", sa.String(), nullable=False),
        sa.Column("exchange", sa.String(), nullable=False),
        sa.Column("routing_key", sa.String(), nullable=False),
        sa.Column("correlation_id", sa.String(), nullable=False),
        sa.Column("message_type", sa.String(), nullable=False),
        sa.Column("environment", sa.String(length=1), nullable=False),
        sa.Column("headers", sa.Text(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("sent_at", UTC_TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outbox_message_id")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_outbox_sent_at_created_at", "outbox", ["sent_at", "created_at"])
    op.create_table(
        "ticket_counters",
        sa.Column("environment", sa.String(length=1), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("environment", "year", name=op.f("pk_ticket_counters")),
    )


def downgrade() -> None:
    for table in (
        "ticket_counters",
        "outbox",
        "inbox",
        "notifications",
        "attachments",
        "request_history",
        "requests",
        "employer_headcounts",
        "employers",
        "personnel",
        "mandates",
        "senders",
    ):
        op.drop_table(table)
