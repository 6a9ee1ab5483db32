"""AttachmentRepository: a request's attachments, stored with their SHA-256 (RULES 3.11)."""

from __future__ import annotations

import hashlib

import pytest

from contract.builders import stored_request
from service.app.errors import StorageConflict
from service.app.ports import StoredAttachment, UnitOfWork

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40


def info(name: str = "a.pdf", data: bytes = PDF) -> StoredAttachment:
    return StoredAttachment(file_name=name, content_type="application/pdf", size=len(data),
                            sha256=hashlib.sha256(data).hexdigest())


async def test_attachments_come_back_in_the_order_added(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        await tx.requests.add(stored_request("A"))  # held back: written before the attachment
        await tx.attachments.add("A", info("b.pdf"), PDF)
        await tx.attachments.add("A", info("a.pdf", b"%PDF-x"), b"%PDF-x")
    async with uow.begin() as tx:
        assert await tx.attachments.for_request("A") == [info("b.pdf"), info("a.pdf", b"%PDF-x")]
        assert await tx.attachments.for_request("B") == []


async def test_a_file_name_is_unique_per_request(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        await tx.requests.add(stored_request("A"))
        await tx.requests.add(stored_request("B"))
        await tx.attachments.add("A", info(), PDF)
        await tx.attachments.add("B", info(), PDF)  # another request: fine
        with pytest.raises(StorageConflict):
            async with tx.savepoint():
                await tx.attachments.add("A", info(), PDF)
        assert await tx.attachments.for_request("A") == [info()]


async def test_a_failed_savepoint_drops_its_attachments(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        await tx.requests.add(stored_request("A"))
        with pytest.raises(RuntimeError):
            async with tx.savepoint():
                await tx.attachments.add("A", info(), PDF)
                raise RuntimeError("message failed")
        assert await tx.attachments.for_request("A") == []
    async with uow.begin() as tx:
        assert await tx.attachments.for_request("A") == []
