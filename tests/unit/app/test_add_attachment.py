"""AddAttachment through the processor (R4, V-LCY-1, V-ATT-1..5) and attachments filed with a
SubmitRequest."""

from __future__ import annotations

import base64
import hashlib

from app_support import SENDER
from builders import COMPANY_ID, INSS, pdf_attachment
from builders_messages import JPEG, PDF, add_attachment, attachment, cancel_request, decision
from builders_messages import worker_part_completed as completed
from workflow_support import body, codes, reply, routes, workflow

from service.domain.codes import DecisionOutcome
from service.domain.commands import AddAttachment, Attachment, EmployerRef

MINE = EmployerRef(company_id=COMPANY_ID)
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def attach(ticket: str, *files: Attachment, reference: str = "ATT-1") -> AddAttachment:
    return add_attachment(ticket_number=ticket, attachments=files or (attachment(),),
                          employer=MINE, request_reference=reference)


async def test_an_attachment_is_stored_with_its_sha256_and_told_to_the_authority():
    flow = await workflow()
    ticket = await flow.file()
    photo = attachment(JPEG, file_name="scan.jpg", content_type="image/jpeg")
    result = await flow.answer(attach(ticket, attachment(), photo))

    assert routes(result) == [
        ("breakgate.replies", SENDER, "Acknowledgement"),
        ("breakgate.authority.out", "RequestModified", "RequestModified"),
    ]
    assert (reply(result)["action"], reply(result)["ticket_number"]) == (
        "ATTACHMENT_ADDED", ticket)
    assert body(result.outbound[1])["new_end_date"] is None  # attachments changed
    async with flow.uow.begin() as tx:
        stored = await tx.attachments.for_request(ticket)
        [change] = await tx.requests.history(ticket)
    assert [(a.file_name, a.content_type, a.size, a.sha256) for a in stored] == [
        ("attestation.pdf", "application/pdf", len(PDF), hashlib.sha256(PDF).hexdigest()),
        ("scan.jpg", "image/jpeg", len(JPEG), hashlib.sha256(JPEG).hexdigest()),
    ]
    assert (change.kind, change.detail) == ("ATTACHMENT_ADDED", "attestation.pdf, scan.jpg")
    assert flow.uow.state.attachments[ticket][0][1] == PDF  # the content itself is kept


async def test_an_executable_renamed_pdf_is_refused_70013_008():
    flow = await workflow()
    ticket = await flow.file()
    result = await flow.answer(attach(ticket, attachment(EXECUTABLE, file_name="invoice.pdf")))

    assert codes(result) == ["70013-008"]
    assert reply(result)["anomalies"][0]["path"] == "/AddAttachment/Attachment[1]/Content"
    async with flow.uow.begin() as tx:
        assert await tx.attachments.for_request(ticket) == []


async def test_size_base64_and_type_disagreement_are_refused():
    flow = await workflow()
    ticket = await flow.file()
    too_big = Attachment(file_name="big.pdf", content_type="application/pdf",
                         content=base64.b64encode(b"%PDF-" + b"0" * (5 * 1024 * 1024)).decode())
    not_base64 = attachment(file_name="x.pdf", content="%%% not base64 %%%")
    png_said_pdf = Attachment(file_name="y.pdf", content_type="image/png",
                              content=base64.b64encode(PDF).decode())
    result = await flow.answer(attach(ticket, too_big, not_base64, png_said_pdf))

    assert codes(result) == ["70013-093", "70013-003", "70013-008"]


async def test_a_file_name_already_on_the_request_is_refused_70013_133():
    flow = await workflow()
    ticket = await flow.file()
    await flow.answer(attach(ticket))
    again = await flow.answer(attach(ticket, reference="ATT-2"))

    assert codes(again) == ["70013-133"]
    assert reply(again)["anomalies"][0]["path"] == "/AddAttachment/Attachment[1]/FileName"


async def test_attachments_are_accepted_until_the_decision():
    flow = await workflow()
    locked = await flow.file()
    await flow.authority(completed(ticket_number=locked))
    assert reply(await flow.answer(attach(locked)))["type"] == "Acknowledgement"

    await flow.authority(decision(ticket_number=locked, outcome=DecisionOutcome.GRANTED))
    granted = await flow.answer(attach(locked, attachment(file_name="late.pdf"),
                                       reference="ATT-2"))
    assert codes(granted) == ["70012-272"]


async def test_a_cancelled_request_takes_no_attachment_70012_241():
    flow = await workflow()
    ticket = await flow.file()
    await flow.answer(cancel_request(ticket_number=ticket, employer=MINE))

    assert codes(await flow.answer(attach(ticket))) == ["70012-241"]


async def test_unknown_or_foreign_ticket_and_no_mandate():
    flow = await workflow()
    ticket = await flow.file()

    assert codes(await flow.answer(attach("ELO2026-000000999"))) == ["70012-003"]
    assert codes(await flow.answer(attach(ticket), sender="stranger")) == ["00014-155"]


async def test_attachments_of_a_submission_are_stored_but_not_kept_in_its_payload():
    flow = await workflow()
    ticket = await flow.file(attachments=(pdf_attachment("birth.pdf"),))
    stored = await flow.request(ticket)
    async with flow.uow.begin() as tx:
        [info] = await tx.attachments.for_request(ticket)

    assert info.file_name == "birth.pdf" and info.size == len(PDF)
    assert '"attachments":[]' in stored.payload_json.replace(" ", "")
    assert INSS in stored.payload_json
