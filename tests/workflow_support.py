"""Helpers for the workflow handler tests: a processor on fakes with one employer (mandate for
`bureau1`, the worker in the personnel file since 2015) and short ways to file a request, send
an authority message and read what came out.

Processing date 2026-12-01 (app_support.NOW). `valid_submit()` files a TIME_CREDIT
CHILD_UNDER_8 ONE_FIFTH from 2027-03-01 to 2027-08-31 (notice 2026-11-02).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from app_support import SENDER, inbound, make_processor, read
from builders import COMPANY_ID, INSS, valid_submit
from fakes import FakeUnitOfWork

from service.app.envelope import Outbound
from service.app.ports import EmploymentPeriod, Mandate, StoredRequest
from service.app.processor import MessageProcessor
from service.app.results import Answered, MessageResult, Parked
from service.domain.codes import Fraction, Motive, Scheme, Sector
from service.domain.commands import (
    CompanyRef,
    Contact,
    EmployeeNotification,
    EmployerRef,
    NotifiedWorker,
    UpdateParameters,
)

AUTHORITY = "authority"
OTHER_COMPANY_ID = "0100000169"
EMPLOYER = EmployerRef(company_id=COMPANY_ID)


@dataclass
class Workflow:
    """One processor on fakes; `send` processes one message in a batch of its own."""

    uow: FakeUnitOfWork
    processor: MessageProcessor
    sent: int = 0

    async def send(self, command: Any, *, sender: str = SENDER, **kwargs: Any) -> MessageResult:
        self.sent += 1
        [result] = await self.processor.process_batch(
            [inbound(command, f"m{self.sent}", sender=sender, **kwargs)])
        return result

    async def answer(self, command: Any, **kwargs: Any) -> Answered:
        result = await self.send(command, **kwargs)
        assert isinstance(result, Answered), result
        return result

    async def authority(self, command: Any) -> MessageResult:
        return await self.send(command, sender=AUTHORITY, authority=True)

    async def file(self, **overrides: Any) -> str:
        """Files valid_submit(**overrides) and returns its ticket number."""
        overrides.setdefault("request_reference", f"REQ-{self.sent + 1}")
        answered = await self.answer(valid_submit(**overrides))
        reply = read(answered.outbound[0].body)
        assert reply["type"] == "Ticket", reply
        return str(reply["ticket_number"])

    async def request(self, ticket: str) -> StoredRequest:
        async with self.uow.begin() as tx:
            found = await tx.requests.by_ticket_for_authority(ticket)
        assert found is not None
        return found

    async def employ(self, company_id: str = COMPANY_ID, inss: str = INSS,
                     entry: date = date(2015, 1, 1), exit_date: date | None = None) -> None:
        async with self.uow.begin() as tx:
            await tx.personnel.upsert(EmploymentPeriod(company_id, inss, entry, exit_date))

    async def grant(self, sender: str, company_id: str = COMPANY_ID,
                    valid_to: date | None = None) -> None:
        async with self.uow.begin() as tx:
            await tx.mandates.grant(Mandate(sender, company_id, date(2020, 1, 1), valid_to))

    async def parameters(self, *, headcount: int = 50, accepts: bool = True,
                         sector: Sector = Sector.PRIVATE, company_id: str = COMPANY_ID) -> None:
        async with self.uow.begin() as tx:
            await tx.employers.save_parameters(parameters(
                headcount=headcount, accepts=accepts, sector=sector, company_id=company_id),
                2025)


async def workflow() -> Workflow:
    from app_support import seed_employer

    uow = FakeUnitOfWork()
    await seed_employer(uow)
    return Workflow(uow, make_processor(uow))


def parameters(*, headcount: int = 50, accepts: bool = True, sector: Sector = Sector.PRIVATE,
               company_id: str = COMPANY_ID, reference: str = "PAR-1") -> UpdateParameters:
    return UpdateParameters(
        request_reference=reference, employer=EmployerRef(company_id=company_id),
        contact=Contact(name="Payroll desk", email="payroll@example.be"),
        sector=sector, joint_commission_nbr="200", headcount=headcount,
        accept_employee_notifications=accepts,
    )


def notification(notification_id: str = "NTF-1", **overrides: Any) -> EmployeeNotification:
    """A TIME_CREDIT TRAINING ONE_FIFTH for 2027-03-01..2027-08-31, noticed 2026-11-20."""
    fields: dict[str, Any] = {
        "notification_id": notification_id,
        "employer": CompanyRef(company_id=COMPANY_ID),
        "worker": NotifiedWorker(inss=INSS, last_name="Peeters", first_name="An"),
        "scheme": Scheme.TIME_CREDIT,
        "motive": Motive.TRAINING,
        "fraction": Fraction.ONE_FIFTH,
        "requested_start_date": date(2027, 3, 1),
        "requested_end_date": date(2027, 8, 31),
        "notice_date": date(2026, 11, 20),
    }
    return EmployeeNotification(**{**fields, **overrides})


def reply(result: MessageResult) -> dict[str, Any]:
    assert isinstance(result, Answered), result
    return read(result.outbound[0].body)


def codes(result: MessageResult) -> list[str]:
    return [a["code"] for a in reply(result)["anomalies"]]


def routes(result: MessageResult) -> list[tuple[str, str, str]]:
    """(exchange, routing key, type) of every message published, in order."""
    assert isinstance(result, Answered), result
    return [(m.exchange, m.routing_key, m.message_type) for m in result.outbound]


def published(result: MessageResult, message_type: str) -> list[Outbound]:
    assert isinstance(result, Answered), result
    return [m for m in result.outbound if m.message_type == message_type]


def body(message: Outbound) -> dict[str, Any]:
    return read(message.body)


def parked_code(result: MessageResult) -> str:
    assert isinstance(result, Parked), result
    return result.code
