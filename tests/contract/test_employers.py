"""EmployerRepository: the employers' NOSS and parameters (UpdateParameters, V-PAR-6)."""

from __future__ import annotations

import pytest

from contract.builders import COMPANY, OTHER_COMPANY
from service.app.ports import UnitOfWork
from service.domain.codes import Sector
from service.domain.commands import Contact, EmployerRef, UpdateParameters
from service.domain.rules.context import EmployerProfile


def parameters(
    headcount: int = 42, accepts: bool = True, sector: Sector = Sector.PRIVATE
) -> UpdateParameters:
    return UpdateParameters(
        request_reference="PAR-1",
        employer=EmployerRef(company_id=COMPANY),
        contact=Contact(name="HR", email="hr@example.be", phone="+3221234567"),
        sector=sector,
        joint_commission_nbr="200",
        headcount=headcount,
        accept_employee_notifications=accepts,
    )


async def test_an_unknown_employer_has_no_profile_and_no_noss(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        assert await tx.employers.profile(COMPANY) is None
        assert await tx.employers.registered_noss(COMPANY) is None


async def test_the_first_noss_recorded_is_kept(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        assert await tx.employers.registered_noss(COMPANY) is None
        await tx.employers.record_noss(COMPANY, "01234567")
        assert await tx.employers.registered_noss(COMPANY) == "01234567"
    async with uow.begin() as tx:
        await tx.employers.record_noss(COMPANY, "07654321")  # V-ID-9: the first one stays
        assert await tx.employers.registered_noss(COMPANY) == "01234567"
        assert await tx.employers.registered_noss(OTHER_COMPANY) is None
        assert await tx.employers.profile(COMPANY) is None  # a NOSS is no parameters


async def test_a_failed_savepoint_forgets_its_noss(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        assert await tx.employers.registered_noss(COMPANY) is None
        with pytest.raises(RuntimeError):
            async with tx.savepoint():
                await tx.employers.record_noss(COMPANY, "01234567")
                assert await tx.employers.registered_noss(COMPANY) == "01234567"
                raise RuntimeError("message failed")
        assert await tx.employers.registered_noss(COMPANY) is None
        await tx.employers.record_noss(COMPANY, "07654321")
    async with uow.begin() as tx:
        assert await tx.employers.registered_noss(COMPANY) == "07654321"


async def test_parameters_make_the_profile_and_keep_headcounts_per_year(uow: UnitOfWork) -> None:
    async with uow.begin() as tx:
        await tx.employers.record_noss(COMPANY, "01234567")
        assert await tx.employers.profile(COMPANY) is None
        await tx.employers.save_parameters(parameters(headcount=12), 2025)
        assert await tx.employers.profile(COMPANY) == EmployerProfile(
            sector=Sector.PRIVATE, headcounts={2025: 12}, accepts_notifications=True
        )
    async with uow.begin() as tx:
        assert await tx.employers.profile(COMPANY) == EmployerProfile(
            sector=Sector.PRIVATE, headcounts={2025: 12}, accepts_notifications=True
        )
        update = parameters(headcount=30, accepts=False, sector=Sector.EDUCATION)
        await tx.employers.save_parameters(update, 2026)
        await tx.employers.save_parameters(parameters(headcount=31), 2026)
    async with uow.begin() as tx:
        assert await tx.employers.profile(COMPANY) == EmployerProfile(
            sector=Sector.PRIVATE, headcounts={2025: 12, 2026: 31}, accepts_notifications=True
        )
        assert await tx.employers.registered_noss(COMPANY) == "01234567"
        assert await tx.employers.profile(OTHER_COMPANY) is None
