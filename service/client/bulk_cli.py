"""`breakgate send` for bulk files: the progress bars (stderr) and the summary lines."""

from __future__ import annotations

import asyncio
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from service.client.bulk import BulkJournal, BulkOutcome, send_bulk_file
from service.client.bulk_parts import NotSplittable


class _Bars:
    """Parts confirmed by the broker, parts with a receipt, then items processed of total
    (the total known from the receipts; moved by the service's BulkProgress messages, every
    few seconds while the items are processed; complete when the BulkResult arrives)."""

    def __init__(self, progress: Progress, name: str) -> None:
        self._progress = progress
        self._sent = progress.add_task(f"{name}: parts sent", total=None)
        self._receipts = progress.add_task(f"{name}: receipts", total=None)
        self._items: TaskID | None = None
        self._name = name

    def parts(self, confirmed: int, receipts: int, total: int) -> None:
        self._progress.update(self._sent, completed=confirmed, total=total)
        self._progress.update(self._receipts, completed=receipts, total=total)

    def items(self, done: int, total: int) -> None:
        if self._items is None:
            self._items = self._progress.add_task(f"{self._name}: items processed", total=total)
        self._progress.update(self._items, completed=done, total=total)


def send_bulk_files(url: str, user: str, files: list[Path], journal: Path, *, max_bytes: int,
                    timeout: float, out: Console, err: Console) -> bool:
    """Sends each file in turn; prints one summary line per file. True if any item (or file)
    was refused or not answered."""
    failed = False
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    for path in files:
        with Progress(*columns, console=err, transient=True) as progress:
            bars = _Bars(progress, path.name)
            try:
                outcome = asyncio.run(send_bulk_file(url, user, path, BulkJournal(journal),
                                                     max_bytes=max_bytes, timeout=timeout,
                                                     progress=bars))
            except NotSplittable as error:
                outcome = BulkOutcome(str(path), error=f"cannot split: {error}")
        out.print(_summary(outcome), highlight=False, soft_wrap=True)
        failed = failed or outcome.rejected
    return failed


def _summary(outcome: BulkOutcome) -> str:
    parts = len(outcome.receipts)
    if outcome.error is not None:
        return f"{outcome.file}: BulkFile: {outcome.error}"
    rejected = len(outcome.lines) - outcome.accepted
    written = " and ".join(str(p) for p in outcome.outputs) if outcome.outputs else "-"
    return (f"{outcome.file}: BulkFile in {parts} part(s): {outcome.accepted} accepted, "
            f"{rejected} rejected; results in {written}")
