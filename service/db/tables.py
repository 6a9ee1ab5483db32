"""The relational schema, as SQLAlchemy Core tables. The Alembic revisions create exactly this
(a contract test compares them), so change both together.

Timestamps are stored in UTC (`UtcDateTime`); text identifiers are unbounded strings because
their formats are judged by the rules, and a length error here would turn a business refusal
into a poison message.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """An aware datetime, stored in UTC. A naive value is taken as UTC; reads are always aware.

    SQLite has no time zone type: its values are stored as naive UTC text, which compares in
    time order because the format is fixed."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        utc = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# SQLite allows AUTOINCREMENT only on an INTEGER PRIMARY KEY.
Id = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# ---- parties -----------------------------------------------------------------------------------

senders = Table(
    "senders",
    metadata,
    Column("user", String, primary_key=True),
    Column("number", String(6), nullable=False, unique=True),
    Column("is_authority", Boolean, nullable=False, server_default=false()),
    Column("created_at", UtcDateTime, nullable=False),
)

mandates = Table(
    "mandates",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("sender", String, nullable=False),
    Column("company_id", String, nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=True),
    Index("ix_mandates_sender_company_id", "sender", "company_id"),
    Index("ix_mandates_company_id", "company_id"),
)

personnel = Table(
    "personnel",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("company_id", String, nullable=False),
    Column("inss", String, nullable=False),
    Column("entry_date", Date, nullable=False),
    Column("exit_date", Date, nullable=True),
    Column("last_name", String, nullable=True),
    Column("first_name", String, nullable=True),
    UniqueConstraint("company_id", "inss", "entry_date"),
)

employers = Table(
    "employers",
    metadata,
    Column("company_id", String, primary_key=True),
    Column("noss", String, nullable=True),
    Column("sector", String(32), nullable=True),  # NULL: no UpdateParameters received yet
    Column("contact_name", String, nullable=True),
    Column("contact_email", String, nullable=True),
    Column("contact_phone", String, nullable=True),
    Column("joint_commission_nbr", String, nullable=True),
    Column("accepts_notifications", Boolean, nullable=False, server_default=false()),
    Column("updated_at", UtcDateTime, nullable=False),
)

employer_headcounts = Table(
    "employer_headcounts",
    metadata,
    Column(
        "company_id",
        String,
        ForeignKey("employers.company_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("reference_year", Integer, nullable=False),
    Column("headcount", Integer, nullable=False),
    PrimaryKeyConstraint("company_id", "reference_year"),
)

# ---- requests ----------------------------------------------------------------------------------

requests = Table(
    "requests",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("ticket_number", String(32), nullable=False, unique=True),
    Column("sender", String, nullable=False),
    Column("company_id", String, nullable=False),
    Column("request_reference", String, nullable=False),
    Column("inss", String, nullable=False),
    Column("scheme", String(32), nullable=False),
    Column("fraction", String(16), nullable=True),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=True),
    Column("status", String(32), nullable=False),
    Column("version", Integer, nullable=False),
    Column("submitted_at", UtcDateTime, nullable=False),
    Column("payload_json", Text, nullable=False),
    Index("ix_requests_company_id_inss_scheme", "company_id", "inss", "scheme"),
    Index("ix_requests_company_id_submitted_at", "company_id", "submitted_at"),
)

request_history = Table(
    "request_history",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("request_id", Id, ForeignKey("requests.id", ondelete="CASCADE"), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("detail", Text, nullable=True),
    Index("ix_request_history_request_id", "request_id"),
)

attachments = Table(
    "attachments",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("request_id", Id, ForeignKey("requests.id", ondelete="CASCADE"), nullable=False),
    Column("file_name", String, nullable=False),
    Column("content_type", String, nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content", LargeBinary, nullable=False),
    UniqueConstraint("request_id", "file_name"),
)

notifications = Table(
    "notifications",
    metadata,
    Column("notification_id", String, primary_key=True),
    Column("company_id", String, nullable=False),
    Column("inss", String, nullable=False),
    Column("payload_json", Text, nullable=False),
    Column("state", String(16), nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("decided_at", UtcDateTime, nullable=True),
    # 0002: what the decision set (POSTPONED: new start date; ACCEPTED: ticket; REFUSED:
    # the reason code; AUTO_REFUSED: the anomaly code)
    Column("new_start_date", Date, nullable=True),
    Column("ticket_number", String(32), nullable=True),
    Column("reason", String(32), nullable=True),
    Index("ix_notifications_company_id_state", "company_id", "state"),
)

# ---- exactly-once machinery --------------------------------------------------------------------

inbox = Table(
    "inbox",
    metadata,
    Column("sender", String, nullable=False),
    Column("message_id", String, nullable=False),
    # NULL for messages without a reference (rejected before one was read): NULLs are distinct
    # in a unique constraint on both SQLite and PostgreSQL, so they never collide.
    Column("request_reference", String, nullable=True),
    Column("content_sha256", String(64), nullable=False),
    Column("reply_message_ids", Text, nullable=False),  # JSON list of outbox message ids
    Column("created_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("sender", "message_id"),
    UniqueConstraint("sender", "request_reference"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("message_id", String, nullable=False, unique=True),
    Column("exchange", String, nullable=False),
    Column("routing_key", String, nullable=False),
    Column("correlation_id", String, nullable=False),
    Column("message_type", String, nullable=False),
    Column("environment", String(1), nullable=False),
    Column("headers", Text, nullable=False),  # JSON object of str -> str
    Column("body", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime, nullable=True),
    Index("ix_outbox_sent_at_created_at", "sent_at", "created_at"),
    # ids only grow, even after old rows are purged: the relay publishes in id order.
    sqlite_autoincrement=True,
)

ticket_counters = Table(
    "ticket_counters",
    metadata,
    Column("environment", String(1), nullable=False),
    Column("year", Integer, nullable=False),
    Column("value", BigInteger, nullable=False),
    PrimaryKeyConstraint("environment", "year"),
)

# ---- bulk files (0003) -------------------------------------------------------------------------

bulk_files = Table(
    "bulk_files",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("sender", String, nullable=False),
    Column("file_reference", String, nullable=False),  # the logical file: no parts suffix
    Column("environment", String(1), nullable=False),
    Column("parts_expected", Integer, nullable=False),
    Column("parts_received", Integer, nullable=False),
    Column("item_count", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("correlation_id", String, nullable=False),  # part 1's: the BulkResult carries it
    Column("created_at", UtcDateTime, nullable=False),
    # Refused files are never stored and test files are deleted once answered, so this is
    # "unique among accepted files" (V-MSG-3).
    UniqueConstraint("sender", "file_reference"),
    Index("ix_bulk_files_status", "status"),
    # ids are never reused (items' inbox message ids are built from them), even after a
    # test file is deleted.
    sqlite_autoincrement=True,
)

bulk_parts = Table(
    "bulk_parts",
    metadata,
    Column("file_id", Id, ForeignKey("bulk_files.id", ondelete="CASCADE"), nullable=False),
    Column("part", Integer, nullable=False),
    Column("message_id", String, nullable=False),
    Column("correlation_id", String, nullable=False),
    Column("item_count", Integer, nullable=False),
    # False from the part's acceptance until all its items are stored (in several
    # transactions, so a 50,000-item part never holds the database for long).
    Column("filled", Boolean, nullable=False, server_default=false()),
    Column("created_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("file_id", "part"),
    Index("ix_bulk_parts_message_id", "message_id"),
)

bulk_items = Table(
    "bulk_items",
    metadata,
    Column("file_id", Id, ForeignKey("bulk_files.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("part", Integer, nullable=False),
    Column("kind", String(32), nullable=False),  # the item's root: SubmitRequest, ...
    Column("request_reference", String, nullable=False),
    Column("check_key", Text, nullable=True),  # JSON of what V-BLK-4 compares
    Column("payload", Text, nullable=False),  # the command as JSON
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("result", Text, nullable=True),  # the ItemResult as JSON, once DONE
    PrimaryKeyConstraint("file_id", "seq"),
    Index("ix_bulk_items_file_id_status_seq", "file_id", "status", "seq"),
)
