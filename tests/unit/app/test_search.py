"""SearchRequests through the processor (V-LCY-5, V-LCY-6, V-MAN-2): the employer's requests
of the last two years, newest first, paginated."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from app_support import SENDER
from builders import COMPANY_ID, INSS
from builders_messages import cancel_request, search_requests
from workflow_support import OTHER_COMPANY_ID, Workflow, codes, reply, routes, workflow

from service.domain.codes import Fraction, RequestStatus, Scheme
from service.domain.commands import ByCharacteristics, ByWorker, EmployerRef, SearchRequests

MINE = EmployerRef(company_id=COMPANY_ID)
EARLIER = {"start_date": date(2026, 8, 1), "end_date": date(2027, 1, 31),
           "notice_date": date(2026, 7, 1)}


def search(criteria: ByCharacteristics | ByWorker, reference: str = "SRC-1",
           **paging: int) -> SearchRequests:
    return search_requests(criteria=criteria, employer=MINE, request_reference=reference,
                           **paging)


def tickets(result: object) -> list[str]:
    return [r["ticket_number"] for r in reply(result)["requests"]]  # type: ignore[arg-type]


async def _submitted_at(flow: Workflow, ticket: str, at: datetime) -> None:
    flow.uow.state.requests[ticket] = replace(flow.uow.state.requests[ticket], submitted_at=at)


async def test_newest_first_with_total_and_pages():
    flow = await workflow()
    first = await flow.file()
    second = await flow.file(**EARLIER)
    await _submitted_at(flow, first, datetime(2026, 11, 1, tzinfo=UTC))
    everything = ByCharacteristics()
    result = await flow.answer(search(everything))
    page_2 = await flow.answer(search(everything, "SRC-2", page=2, page_size=1))

    assert routes(result) == [("breakgate.replies", SENDER, "SearchResult")]
    assert (reply(result)["total"], tickets(result)) == (2, [second, first])
    found = reply(result)["requests"][0]
    assert (found["inss"], found["fraction"], found["status"]) == (INSS, "ONE_FIFTH",
                                                                  "SUBMITTED")
    assert (reply(page_2)["page"], reply(page_2)["page_size"], reply(page_2)["total"]) == (
        2, 1, 2)
    assert tickets(page_2) == [first]


async def test_only_requests_submitted_in_the_last_two_years_whatever_their_state():
    flow = await workflow()
    old = await flow.file()
    recent = await flow.file(**EARLIER)
    await flow.answer(cancel_request(ticket_number=recent, employer=MINE))
    await _submitted_at(flow, old, datetime(2024, 11, 30, 12, tzinfo=UTC))  # before 2024-12-01
    result = await flow.answer(search(ByCharacteristics()))

    assert tickets(result) == [recent]
    assert reply(result)["requests"][0]["status"] == "CANCELLED"


async def test_filters_by_characteristics_and_by_worker():
    flow = await workflow()
    first = await flow.file()
    second = await flow.file(**EARLIER)
    await flow.answer(cancel_request(ticket_number=second, employer=MINE))

    cancelled = await flow.answer(search(ByCharacteristics(status=RequestStatus.CANCELLED)))
    later = await flow.answer(search(ByCharacteristics(start_from=date(2027, 1, 1)), "S2"))
    parental = await flow.answer(search(ByCharacteristics(scheme=Scheme.PARENTAL_LEAVE), "S3"))
    fifth = await flow.answer(search(ByCharacteristics(fraction=Fraction.ONE_FIFTH), "S4"))
    worker = await flow.answer(search(ByWorker(inss=INSS), "S5"))
    nobody = await flow.answer(search(ByWorker(inss="88123199507"), "S6"))

    assert tickets(cancelled) == [second]
    assert tickets(later) == [first]
    assert tickets(parental) == []
    assert tickets(fifth) == tickets(worker) == [second, first]
    assert reply(nobody)["total"] == 0


async def test_another_employers_requests_are_never_found():
    flow = await workflow()
    await flow.grant(SENDER, OTHER_COMPANY_ID)
    await flow.employ(OTHER_COMPANY_ID)
    await flow.file(employer={"company_id": OTHER_COMPANY_ID})
    result = await flow.answer(search(ByWorker(inss=INSS)))

    assert reply(result)["total"] == 0


async def test_bad_criteria_and_no_mandate_are_refused():
    flow = await workflow()
    reversed_range = ByCharacteristics(start_from=date(2027, 6, 1), start_to=date(2027, 1, 1))

    assert codes(await flow.answer(search(reversed_range))) == ["70020-014"]
    assert codes(await flow.answer(search(ByWorker(inss="75113099747"), "S2"))) == [
        "00024-004"]
    assert codes(await flow.answer(search(ByCharacteristics(), "S3"), sender="x")) == [
        "00014-155"]
