"""`breakgate check`: XSD and the stateless rules on files, offline, nothing sent or stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from service.domain.anomalies import Anomaly, Severity
from service.domain.parameters import LegalParameters
from service.domain.rules import evaluate
from service.domain.rules.context import RuleContext
from service.xml.gateway import XmlGateway

# How much of a file we read to learn whether it is a bulk file (with its larger size cap).
_SNIFF_BYTES = 4096


@dataclass(frozen=True)
class FileVerdict:
    file: str
    status: str  # accepted | warnings | rejected | unusable
    message_type: str | None
    anomalies: tuple[Anomaly, ...] = ()
    error: str | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "file": self.file,
            "status": self.status,
            "message_type": self.message_type,
            "anomalies": [
                {"code": a.code, "severity": a.severity.value, "path": a.path,
                 "message": a.messages.en}
                for a in self.anomalies
            ],
            **({"error": self.error} if self.error else {}),
        }


class FileChecker:
    def __init__(self, max_bytes: int, max_bulk_bytes: int, as_of: date,
                 parameters: LegalParameters | None = None) -> None:
        self._interactive = XmlGateway(max_bytes=max_bytes)
        self._bulk = XmlGateway(max_bytes=max_bulk_bytes)
        self._max_bulk_bytes = max_bulk_bytes
        self._context = RuleContext(processing_date=as_of,
                                    parameters=parameters or LegalParameters.default(),
                                    offline=True)

    def check(self, path: Path) -> FileVerdict:
        body = self._read(path)
        if isinstance(body, FileVerdict):
            return body
        gateway = self._bulk if b"BulkFile" in body[:_SNIFF_BYTES] else self._interactive
        decoded = gateway.decode_any(body)
        if decoded.command is None:
            return _verdict(path, decoded.message_type, list(decoded.anomalies))
        return _verdict(path, decoded.message_type, evaluate(decoded.command, self._context))

    def _read(self, path: Path) -> bytes | FileVerdict:
        """Reads at most one byte past the largest cap, so a huge file costs no memory."""
        try:
            with path.open("rb") as handle:
                return handle.read(self._max_bulk_bytes + 1)
        except OSError as error:
            reason = error.strerror or type(error).__name__
            return FileVerdict(str(path), "unusable", None, error=f"cannot read: {reason}")


def _verdict(path: Path, message_type: str | None, anomalies: list[Anomaly]) -> FileVerdict:
    if any(a.severity is Severity.BLOCKING for a in anomalies):
        status = "rejected"
    elif anomalies:
        status = "warnings"
    else:
        status = "accepted"
    return FileVerdict(str(path), status, message_type, tuple(anomalies))


def exit_code(verdicts: list[FileVerdict]) -> int:
    """0 all accepted (warnings allowed), 1 any rejected, 2 any file unusable."""
    if any(v.status == "unusable" for v in verdicts):
        return 2
    if any(v.status == "rejected" for v in verdicts):
        return 1
    return 0
