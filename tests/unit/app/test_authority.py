"""Authority messages through the processor: mandates and the personnel file."""

from __future__ import annotations

from datetime import date

from app_support import SENDER, inbound, make_processor
from builders import COMPANY_ID, INSS
from fakes import FakeUnitOfWork

from service.app.results import Answered, Parked
from service.domain.commands import (
    CompanyRef,
    DimonaDeclaration,
    DimonaWorker,
    GrantMandate,
    RevokeMandate,
)


def grant(**overrides: object) -> GrantMandate:
    fields: dict[str, object] = {"sender": SENDER, "employer": CompanyRef(company_id=COMPANY_ID),
                                 "valid_from": date(2026, 1, 1)}
    return GrantMandate(**{**fields, **overrides})  # type: ignore[arg-type]


def dimona(**overrides: object) -> DimonaDeclaration:
    fields: dict[str, object] = {
        "employer": CompanyRef(company_id=COMPANY_ID),
        "worker": DimonaWorker(inss=INSS, last_name="Peeters", first_name="An"),
        "entry_date": date(2015, 1, 1), "joint_commission_nbr": "200",
    }
    return DimonaDeclaration(**{**fields, **overrides})  # type: ignore[arg-type]


async def holds(uow: FakeUnitOfWork, on: date) -> bool:
    async with uow.begin() as tx:
        return await tx.mandates.holds(SENDER, COMPANY_ID, on)


async def test_grant_then_revoke_mandate():
    uow = FakeUnitOfWork()
    processor = make_processor(uow)
    [granted] = await processor.process_batch([inbound(grant(), "a1", sender="authority",
                                                       authority=True)])
    assert isinstance(granted, Answered) and granted.outbound == ()
    assert await holds(uow, date(2026, 12, 1))

    revoke = RevokeMandate(sender=SENDER, employer=CompanyRef(company_id=COMPANY_ID),
                           valid_from=date(2027, 1, 1))
    await processor.process_batch([inbound(revoke, "a2", sender="authority", authority=True)])
    assert await holds(uow, date(2026, 12, 31))
    assert not await holds(uow, date(2027, 1, 1))


async def test_mandate_with_end_before_start_is_parked_and_not_applied():
    uow = FakeUnitOfWork()
    bad = grant(valid_to=date(2025, 1, 1))
    [result] = await make_processor(uow).process_batch(
        [inbound(bad, "a1", sender="authority", authority=True)])

    assert isinstance(result, Parked)
    assert result.code == "90000-014"
    assert not await holds(uow, date(2026, 12, 1))


async def test_dimona_declaration_fills_the_personnel_file():
    uow = FakeUnitOfWork()
    await make_processor(uow).process_batch(
        [inbound(dimona(), "a1", sender="authority", authority=True)])
    async with uow.begin() as tx:
        [period] = await tx.personnel.periods(COMPANY_ID, INSS)
    assert period.entry_date == date(2015, 1, 1) and period.exit_date is None


async def test_dimona_with_a_bad_inss_is_parked():
    uow = FakeUnitOfWork()
    bad = dimona(worker=DimonaWorker(inss="75113099747", last_name="X", first_name="Y"))
    [result] = await make_processor(uow).process_batch(
        [inbound(bad, "a1", sender="authority", authority=True)])

    assert isinstance(result, Parked) and result.code == "00024-004"
    async with uow.begin() as tx:
        assert await tx.personnel.periods(COMPANY_ID, INSS) == []
