"""The project's own errors. Adapters translate driver errors into these, so the consumers'
ack-policy table never needs to know SQLAlchemy, asyncpg or sqlite3."""


class BreakgateError(Exception):
    """Base of every error the project raises on purpose."""


class StorageUnavailable(BreakgateError):
    """Transient: the database is down, locked or timed out. Pause and retry; never dead-letter."""


class StorageConflict(BreakgateError):
    """A unique constraint fired: another worker got there first. Retry the message once."""


class PublishFailed(BreakgateError):
    """The broker did not confirm a publish (nack, return, timeout): the message is not sent."""
