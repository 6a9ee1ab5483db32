"""Errors a database raises when it refuses the connection are transient (RELIABILITY.md T6):
no message is at fault, so the consumer pauses instead of burning delivery attempts."""

from __future__ import annotations

import pytest
from sqlalchemy import exc as sa_exc

from service.app.errors import StorageUnavailable
from service.db.errors import storage_error_for


class _Refused(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__("refused")
        self.sqlstate = sqlstate


@pytest.mark.parametrize("sqlstate", [
    "55000",  # database "x" is not currently accepting connections
    "28P01",  # password authentication failed (rotated secret)
    "28000",  # no pg_hba.conf entry
    "3D000",  # database "x" does not exist (failover, restore)
])
def test_connect_time_refusals_are_transient(sqlstate: str) -> None:
    error = sa_exc.DBAPIError("connect", {}, _Refused(sqlstate))
    assert storage_error_for(error) is StorageUnavailable
