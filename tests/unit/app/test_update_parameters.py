"""UpdateParameters through the processor (V-PAR-1..7)."""

from __future__ import annotations

from app_support import SENDER
from builders import COMPANY_ID
from builders_messages import contact
from workflow_support import codes, parameters, reply, routes, workflow

from service.domain.codes import Sector
from service.domain.rules.context import EmployerProfile


async def test_parameters_are_stored_with_the_headcount_of_the_previous_year():
    flow = await workflow()
    result = await flow.answer(parameters(headcount=12, accepts=True, sector=Sector.EDUCATION))

    assert routes(result) == [("breakgate.replies", SENDER, "Acknowledgement")]
    ack = reply(result)
    assert (ack["action"], ack["ticket_number"], ack["anomalies"]) == (
        "PARAMETERS_UPDATED", None, [])
    assert set(ack["messages"]) == {"en", "fr", "nl"}
    async with flow.uow.begin() as tx:  # processed on 2026-12-01: reference year 2025
        assert await tx.employers.profile(COMPANY_ID) == EmployerProfile(
            sector=Sector.EDUCATION, headcounts={2025: 12}, accepts_notifications=True)


async def test_an_update_replaces_every_parameter():
    flow = await workflow()
    await flow.answer(parameters(headcount=12, accepts=True))
    await flow.answer(parameters(headcount=30, accepts=False, reference="PAR-2"))

    async with flow.uow.begin() as tx:
        profile = await tx.employers.profile(COMPANY_ID)
    assert profile is not None
    assert (profile.headcounts, profile.accepts_notifications) == ({2025: 30}, False)


async def test_bad_contact_and_no_mandate_are_refused_and_store_nothing():
    flow = await workflow()
    bad = parameters().model_copy(update={"contact": contact(email="nobody")})

    assert codes(await flow.answer(bad)) == ["70017-003"]
    assert codes(await flow.answer(parameters(), sender="stranger")) == ["00014-155"]
    async with flow.uow.begin() as tx:
        assert await tx.employers.profile(COMPANY_ID) is None
