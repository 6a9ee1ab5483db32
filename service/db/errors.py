"""Driver errors -> the project's storage errors, so the consumers' ack policy never sees
SQLAlchemy, asyncpg or sqlite3.

`StorageUnavailable` (transient: pause and retry) and `StorageConflict` (a concurrent writer got
there first: retry the message once). Anything else (a programming error, bad data) passes
through untouched and is treated as a failure of the message itself.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import exc as sa_exc

from service.app.errors import BreakgateError, StorageConflict, StorageUnavailable

# PostgreSQL SQLSTATE codes (or their two-character classes), checked before the types below.
_BY_SQLSTATE: dict[str, type[BreakgateError]] = {
    "40001": StorageConflict,  # serialization_failure
    "40P01": StorageConflict,  # deadlock_detected
    "23": StorageConflict,  # integrity_constraint_violation (class)
    "08": StorageUnavailable,  # connection_exception (class)
    "53": StorageUnavailable,  # insufficient_resources (class): too many connections, disk full
    "57": StorageUnavailable,  # operator_intervention: statement timeout, admin shutdown
    "58": StorageUnavailable,  # system_error (class): I/O error
    "55P03": StorageUnavailable,  # lock_not_available
    "25P03": StorageUnavailable,  # idle_in_transaction_session_timeout
    # Refused at connect time: no message is at fault, so they must pause consumption rather
    # than count as failed attempts (a 60 s outage dead-lettered every queued filing before,
    # RELIABILITY.md T6): the database taken out of service (ALLOW_CONNECTIONS false), a
    # rotated password, a database not there (yet) during a failover or restore.
    "55000": StorageUnavailable,  # object_not_in_prerequisite_state: not accepting connections
    "28": StorageUnavailable,  # invalid_authorization_specification (class)
    "3D000": StorageUnavailable,  # invalid_catalog_name: database does not exist
}

# First match wins: IntegrityError is a DatabaseError, so it comes before the broad ones.
_BY_TYPE: tuple[tuple[type[BaseException], type[BreakgateError]], ...] = (
    (sa_exc.IntegrityError, StorageConflict),
    (sa_exc.OperationalError, StorageUnavailable),  # sqlite "database is locked", disk I/O
    (sa_exc.InterfaceError, StorageUnavailable),  # connection closed under us
    (sa_exc.DisconnectionError, StorageUnavailable),
    (sa_exc.TimeoutError, StorageUnavailable),  # no pooled connection in time
    (TimeoutError, StorageUnavailable),  # connect timeout (asyncio.TimeoutError is this)
    (OSError, StorageUnavailable),  # connection refused or reset, raised raw at connect
)


def _sqlstate(error: BaseException) -> str | None:
    for candidate in (error, getattr(error, "orig", None)):
        code = getattr(candidate, "sqlstate", None)
        if isinstance(code, str):
            return code
    return None


def storage_error_for(error: BaseException) -> type[BreakgateError] | None:
    """The project error a driver error stands for, or None when it is not a storage fault."""
    if isinstance(error, BreakgateError):
        return None
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return StorageUnavailable
    code = _sqlstate(error)
    if code is not None:
        mapped = _BY_SQLSTATE.get(code) or _BY_SQLSTATE.get(code[:2])
        if mapped is not None:
            return mapped
    for error_type, project_error in _BY_TYPE:
        if isinstance(error, error_type):
            return project_error
    return None


class _TranslateErrors:
    """`with translate_errors:` re-raises driver errors as project errors (`from` the original).

    Stateless, so one shared instance serves every call (no generator per statement)."""

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        error_type: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if error is None or not isinstance(error, Exception):
            return
        project_error = storage_error_for(error)
        if project_error is None:
            return
        raise project_error(_describe(error)) from error


def _describe(error: BaseException) -> str:
    # The driver's own message, without SQLAlchemy's statement dump (parameters are hidden by
    # the engine anyway: they may hold an INSS, which never goes to logs).
    cause = error.orig if isinstance(error, sa_exc.DBAPIError) and error.orig is not None else error
    return f"{type(cause).__name__}: {cause}".splitlines()[0]


translate_errors = _TranslateErrors()
