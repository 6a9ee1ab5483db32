"""MandateRepository: which sender may act for which employer, on which dates (V-ID-8)."""

from __future__ import annotations

from datetime import date

import pytest

from contract.builders import COMPANY, OTHER_COMPANY, OTHER_SENDER, SENDER
from service.app.ports import Mandate, UnitOfWork


async def test_a_mandate_holds_from_its_first_to_its_last_day(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        await tx.mandates.grant(Mandate(SENDER, COMPANY, date(2026, 1, 1), date(2026, 12, 31)))
        assert not await tx.mandates.holds(SENDER, COMPANY, date(2025, 12, 31))
        assert await tx.mandates.holds(SENDER, COMPANY, date(2026, 1, 1))
        assert await tx.mandates.holds(SENDER, COMPANY, date(2026, 12, 31))
        assert not await tx.mandates.holds(SENDER, COMPANY, date(2027, 1, 1))


async def test_an_open_ended_mandate_holds_forever(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        await tx.mandates.grant(Mandate(SENDER, COMPANY, date(2026, 1, 1), None))
    async with uow.begin() as tx:
        assert await tx.mandates.holds(SENDER, COMPANY, date(2099, 1, 1))
        assert not await tx.mandates.holds(SENDER, COMPANY, date(2025, 1, 1))


async def test_a_mandate_is_for_one_sender_and_one_employer(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        await tx.mandates.grant(Mandate(SENDER, COMPANY, date(2026, 1, 1), None))
        on = date(2026, 6, 1)
        assert not await tx.mandates.holds(OTHER_SENDER, COMPANY, on)
        assert not await tx.mandates.holds(SENDER, OTHER_COMPANY, on)


async def test_a_revocation_ends_the_mandates_of_the_pair_on_its_date(uow: UnitOfWork) -> None:
    revoked_on = date(2026, 6, 30)
    async with uow.begin() as tx:
        await tx.mandates.grant(Mandate(SENDER, COMPANY, date(2026, 1, 1), None))
        await tx.mandates.grant(Mandate(SENDER, COMPANY, date(2026, 9, 1), None))  # future
        await tx.mandates.grant(Mandate(SENDER, COMPANY, date(2020, 1, 1), date(2020, 12, 31)))
        await tx.mandates.grant(Mandate(OTHER_SENDER, COMPANY, date(2026, 1, 1), None))
        await tx.mandates.grant(Mandate(SENDER, OTHER_COMPANY, date(2026, 1, 1), None))
        await tx.mandates.revoke(SENDER, COMPANY, revoked_on)
    async with uow.begin() as tx:
        assert await tx.mandates.holds(SENDER, COMPANY, revoked_on)
        assert not await tx.mandates.holds(SENDER, COMPANY, date(2026, 7, 1))
        assert not await tx.mandates.holds(SENDER, COMPANY, date(2026, 10, 1))
        assert await tx.mandates.holds(SENDER, COMPANY, date(2020, 6, 1))  # history unchanged
        assert await tx.mandates.holds(OTHER_SENDER, COMPANY, date(2026, 10, 1))
        assert await tx.mandates.holds(SENDER, OTHER_COMPANY, date(2026, 10, 1))


async def test_ever_granted_for_remembers_expired_mandates(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        assert not await tx.mandates.ever_granted_for(COMPANY)
        await tx.mandates.grant(Mandate(SENDER, COMPANY, date(2020, 1, 1), date(2020, 1, 31)))
    async with uow.begin() as tx:
        assert await tx.mandates.ever_granted_for(COMPANY)
        assert not await tx.mandates.ever_granted_for(OTHER_COMPANY)


async def test_holds_sees_the_grants_and_revocations_of_its_transaction(uow: UnitOfWork) -> None:
    on = date(2026, 6, 1)
    async with uow.begin() as tx:
        assert not await tx.mandates.holds(SENDER, COMPANY, on)
        await tx.mandates.grant(Mandate(SENDER, COMPANY, date(2026, 1, 1), None))
        assert await tx.mandates.holds(SENDER, COMPANY, on)
        with pytest.raises(RuntimeError):
            async with tx.savepoint():
                await tx.mandates.revoke(SENDER, COMPANY, date(2026, 5, 1))
                assert not await tx.mandates.holds(SENDER, COMPANY, on)
                raise RuntimeError("message failed")
        assert await tx.mandates.holds(SENDER, COMPANY, on)
        await tx.mandates.revoke(SENDER, COMPANY, date(2026, 5, 1))
        assert not await tx.mandates.holds(SENDER, COMPANY, on)


async def test_mandated_senders_are_those_holding_a_mandate_on_the_day(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        await tx.mandates.grant(Mandate(OTHER_SENDER, COMPANY, date(2026, 1, 1), None))
        await tx.mandates.grant(Mandate(SENDER, COMPANY, date(2026, 1, 1), date(2026, 6, 30)))
        await tx.mandates.grant(Mandate(SENDER, COMPANY, date(2027, 1, 1), None))
        await tx.mandates.grant(Mandate("bureau-c", OTHER_COMPANY, date(2026, 1, 1), None))
    async with uow.begin() as tx:
        assert await tx.mandates.mandated_senders(COMPANY, date(2026, 3, 1)) == [
            SENDER, OTHER_SENDER]  # sorted: bureau-a, bureau-b
        assert await tx.mandates.mandated_senders(COMPANY, date(2026, 7, 1)) == [OTHER_SENDER]
        assert await tx.mandates.mandated_senders(COMPANY, date(2027, 7, 1)) == [
            SENDER, OTHER_SENDER]
        assert await tx.mandates.mandated_senders("0100000169", date(2026, 3, 1)) == []
