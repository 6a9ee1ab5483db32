"""PersonnelRepository: the Dimona personnel file, read per employer (V-PFL-5, V-PFL-6)."""

from __future__ import annotations

from datetime import date

from contract.builders import COMPANY, INSS, OTHER_COMPANY
from service.app.ports import EmploymentPeriod, UnitOfWork


def period(
    entry: date, exit: date | None = None, company: str = COMPANY, inss: str = INSS
) -> EmploymentPeriod:
    return EmploymentPeriod(company, inss, entry, exit, "Peeters", "An")


async def test_periods_come_back_by_entry_date(uow: UnitOfWork) -> None:
    later, earlier = period(date(2024, 1, 1)), period(date(2019, 3, 1), date(2022, 12, 31))
    async with uow.begin() as tx:
        await tx.personnel.upsert(later)
        await tx.personnel.upsert(earlier)
    async with uow.begin() as tx:
        assert await tx.personnel.periods(COMPANY, INSS) == [earlier, later]


async def test_a_declaration_for_the_same_entry_replaces_it(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        await tx.personnel.upsert(period(date(2024, 1, 1)))
        closed = EmploymentPeriod(
            COMPANY, INSS, date(2024, 1, 1), date(2025, 6, 30), "Jansens", None
        )
        await tx.personnel.upsert(closed)
    async with uow.begin() as tx:
        assert await tx.personnel.periods(COMPANY, INSS) == [closed]


async def test_the_file_is_read_per_employer_and_worker(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        await tx.personnel.upsert(period(date(2024, 1, 1), company=OTHER_COMPANY))
        await tx.personnel.upsert(period(date(2024, 1, 1), inss="90010100123"))
        assert await tx.personnel.periods(COMPANY, INSS) == []
        assert await tx.personnel.periods(OTHER_COMPANY, INSS) == [
            period(date(2024, 1, 1), company=OTHER_COMPANY)
        ]
