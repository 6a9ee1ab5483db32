"""The bulk worker's whole-file phases: the cross-item rules once every part is in, and the
BulkResult once every item is done. Each reads the file page by page (a transaction per page,
so the database is never held for long) and then changes the file in one short transaction,
guarded by its status: run twice (a crash, another instance), the second run does nothing.
Meanwhile, `progress_message` tells the sender how far the items are (a BulkProgress, never
stored)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import date

from service.app.bulk_ports import BulkFileRecord, BulkItemKeyRow, BulkResultRenderer, BulkStatus
from service.app.bulk_results import ACCEPTED, REJECTED
from service.app.envelope import Outbound
from service.app.ports import UnitOfWork
from service.app.routing import REPLIES_EXCHANGE, stable_message_id
from service.domain.anomalies import Anomaly
from service.domain.codes import Environment
from service.domain.replies import ItemResult
from service.domain.rules.bulk import ItemKey, SubmissionKey, cross_item_refusals

log = logging.getLogger(__name__)


async def apply_cross_item_rules(uow: UnitOfWork, file: BulkFileRecord, page: int) -> None:
    """V-BLK-3 and V-BLK-4 on the items' keys, in @seq order; then, in one transaction, the
    items they refuse are done (REJECTED) and the file is PROCESSING."""
    keys = [key async for key in _keys(uow, file.id, page)]
    # CPU over the whole file: in a thread, so the event loop stays with the consumers.
    results = await asyncio.to_thread(_refusals, keys)
    async with uow.begin() as tx:
        current = await tx.bulk.lock_file(file.id)
        if current is None or current.status is not BulkStatus.READY:
            return
        await tx.bulk.complete_items(file.id, results)
        await tx.bulk.set_status(file.id, BulkStatus.PROCESSING)
    log.info("bulk file %d (%s, %d items): %d refused by V-BLK-3/4, processing",
             file.id, file.file_reference, file.item_count, len(results))


def _refusals(keys: list[BulkItemKeyRow]) -> list[tuple[int, str]]:
    """(seq, ItemResult JSON) of the items V-BLK-3/V-BLK-4 refuse."""
    refused: dict[int, list[Anomaly]] = {}
    for seq, found in cross_item_refusals(_item_key(k) for k in keys):
        refused.setdefault(seq, []).append(found)
    references = {k.seq: k.request_reference for k in keys}
    return [
        (seq, ItemResult(seq=seq, request_reference=references[seq], status=REJECTED,
                         anomalies=tuple(found)).model_dump_json())
        for seq, found in sorted(refused.items())
    ]


async def _keys(uow: UnitOfWork, file_id: int, page: int) -> AsyncIterator[BulkItemKeyRow]:
    after = 0
    while True:
        async with uow.begin() as tx:
            rows = await tx.bulk.item_keys(file_id, after, page)
        for key in rows:
            yield key
        if len(rows) < page:
            return
        after = rows[-1].seq


async def finish(uow: UnitOfWork, renderer: BulkResultRenderer, file: BulkFileRecord,
                 page: int) -> Outbound | None:
    """Every item done: the BulkResult, rendered page by page outside any transaction (in a
    thread; only the rendered bytes are kept), then written to the outbox with the file's last
    change (DONE; a test file is deleted). Returns it, to publish after the commit; None if
    another run got there first."""
    pages: list[bytes] = []
    accepted = total = after = 0
    while True:
        async with uow.begin() as tx:
            rows = await tx.bulk.results(file.id, after, page)
        if rows:
            rendered, ok = await asyncio.to_thread(_render_page, renderer, rows)
            pages.append(rendered)
            accepted, total, after = accepted + ok, total + len(rows), rows[-1][0]
        if len(rows) < page:
            break
    body = await asyncio.to_thread(renderer.render_document, file.file_reference, accepted,
                                   total - accepted, pages)
    pages.clear()
    result = Outbound(
        exchange=REPLIES_EXCHANGE, routing_key=file.sender,
        message_id=stable_message_id(file.sender, f"bulk-file:{file.id}", "bulk-result"),
        correlation_id=file.correlation_id, message_type="BulkResult", body=body,
        environment=file.environment,
    )
    async with uow.begin() as tx:
        current = await tx.bulk.lock_file(file.id)
        if current is None or current.status is not BulkStatus.PROCESSING:
            return None
        if await tx.bulk.pending_items(file.id, 1):
            return None  # cannot happen: every part is in before PROCESSING
        await tx.outbox.add(result)
        if file.environment is Environment.TEST:
            await tx.bulk.delete_file(file.id)  # a test file stores nothing
        else:
            await tx.bulk.set_status(file.id, BulkStatus.DONE)
    log.info("bulk file %d (%s): BulkResult for %d items (%d accepted) written", file.id,
             file.file_reference, total, accepted)
    return result


async def progress_message(uow: UnitOfWork, renderer: BulkResultRenderer,
                           file: BulkFileRecord) -> Outbound | None:
    """The file's BulkProgress, counted in a short read-only transaction, addressed like its
    BulkResult (the sender's reply queue, part 1's correlation_id); None when every item is
    done (the BulkResult follows). Not for the outbox: it is published once, best effort."""
    async with uow.begin() as tx:
        counted = await tx.bulk.progress(file.id)
    if counted.done >= counted.total:
        return None
    return Outbound(
        exchange=REPLIES_EXCHANGE, routing_key=file.sender,
        message_id=stable_message_id(file.sender, f"bulk-file:{file.id}",
                                     f"bulk-progress:{counted.done}"),
        correlation_id=file.correlation_id, message_type="BulkProgress",
        body=renderer.render_progress(file.file_reference, counted.done, counted.total),
        environment=file.environment, ephemeral=True,
    )


def _render_page(renderer: BulkResultRenderer, rows: Sequence[tuple[int, str]]
                 ) -> tuple[bytes, int]:
    """(the page's ItemResult elements, how many of them are accepted)."""
    accepted = 0

    def items() -> Iterator[ItemResult]:
        nonlocal accepted
        for _, raw in rows:
            item = ItemResult.model_validate_json(raw)
            accepted += item.status == ACCEPTED
            yield item

    rendered = renderer.render_items(items())
    return rendered, accepted


def _item_key(row: BulkItemKeyRow) -> ItemKey:
    submission = None
    if row.check_key is not None:
        company, inss, scheme, start, end = json.loads(row.check_key)
        submission = SubmissionKey(company, inss, scheme, date.fromisoformat(start),
                                   date.fromisoformat(end) if end else None)
    return ItemKey(row.seq, row.kind, row.request_reference, submission)
