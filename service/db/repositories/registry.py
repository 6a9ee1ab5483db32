"""What the authority and the employers tell breakgate: mandates, the personnel file, the
employers' parameters. Every read is scoped by employer (V-MAN-2, V-PFL-6)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import bindparam, exists, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from service.app.ports import EmploymentPeriod, Mandate
from service.db.errors import translate_errors
from service.db.repositories._sql import Clock, insert_or_update
from service.db.repositories.state import EmployerRow, TransactionState
from service.db.tables import employer_headcounts, employers, mandates, personnel
from service.domain.codes import Sector
from service.domain.commands import UpdateParameters
from service.domain.rules.context import EmployerProfile

# ---- mandates ----------------------------------------------------------------------------------

_MANDATE_GRANT = insert(mandates)
_MANDATE_REVOKE = (
    update(mandates)
    .where(
        # bind names must differ from the columns of an UPDATE
        mandates.c.sender == bindparam("b_sender"),
        mandates.c.company_id == bindparam("b_company_id"),
        or_(mandates.c.valid_to.is_(None), mandates.c.valid_to > bindparam("on")),
    )
    .values(valid_to=bindparam("on"))
)
_MANDATE_HOLDS = select(
    exists().where(
        mandates.c.sender == bindparam("sender"),
        mandates.c.company_id == bindparam("company_id"),
        mandates.c.valid_from <= bindparam("on"),
        or_(mandates.c.valid_to.is_(None), mandates.c.valid_to >= bindparam("on")),
    )
)
_MANDATE_EVER = select(exists().where(mandates.c.company_id == bindparam("company_id")))
_MANDATED_SENDERS = (
    select(mandates.c.sender)
    .distinct()
    .where(
        mandates.c.company_id == bindparam("company_id"),
        mandates.c.valid_from <= bindparam("on"),
        or_(mandates.c.valid_to.is_(None), mandates.c.valid_to >= bindparam("on")),
    )
    .order_by(mandates.c.sender)
)


class SqlMandateRepository:
    """Validity is inclusive at both ends (V-ID-8). `revoke(on=D)` ends every mandate of the
    pair on D: it still holds on D, no longer after; one starting after D never holds.
    `holds` is read once per transaction and (sender, employer, date) (see `state`)."""

    def __init__(self, connection: AsyncConnection, state: TransactionState) -> None:
        self._connection = connection
        self._state = state

    async def grant(self, mandate: Mandate) -> None:
        values = {
            "sender": mandate.sender,
            "company_id": mandate.company_id,
            "valid_from": mandate.valid_from,
            "valid_to": mandate.valid_to,
        }
        self._state.mandates.clear()
        with translate_errors:
            await self._connection.execute(_MANDATE_GRANT, values)

    async def revoke(self, sender: str, company_id: str, on: date) -> None:
        self._state.mandates.clear()
        with translate_errors:
            await self._connection.execute(
                _MANDATE_REVOKE, {"b_sender": sender, "b_company_id": company_id, "on": on}
            )

    async def holds(self, sender: str, company_id: str, on: date) -> bool:
        known = self._state.mandates.get((sender, company_id, on))
        if known is not None:
            return known
        with translate_errors:
            result = await self._connection.execute(
                _MANDATE_HOLDS, {"sender": sender, "company_id": company_id, "on": on}
            )
        holds = self._state.mandates[(sender, company_id, on)] = bool(result.scalar())
        return holds

    async def ever_granted_for(self, company_id: str) -> bool:
        with translate_errors:
            result = await self._connection.execute(_MANDATE_EVER, {"company_id": company_id})
        return bool(result.scalar())

    async def mandated_senders(self, company_id: str, on: date) -> list[str]:
        with translate_errors:
            result = await self._connection.execute(
                _MANDATED_SENDERS, {"company_id": company_id, "on": on}
            )
        return [str(sender) for sender in result.scalars()]


# ---- personnel file ----------------------------------------------------------------------------

_PERSONNEL_UPSERT = insert_or_update(
    personnel,
    key=["company_id", "inss", "entry_date"],
    updated=["exit_date", "last_name", "first_name"],
)
_PERSONNEL_PERIODS = (
    select(
        personnel.c.company_id,
        personnel.c.inss,
        personnel.c.entry_date,
        personnel.c.exit_date,
        personnel.c.last_name,
        personnel.c.first_name,
    )
    .where(personnel.c.company_id == bindparam("company_id"), personnel.c.inss == bindparam("inss"))
    .order_by(personnel.c.entry_date)
)


class SqlPersonnelRepository:
    """Upsert keyed on (employer, INSS, EntryDate) (V-PFL-5): a later declaration for the same
    entry replaces its exit date and names."""

    def __init__(self, connection: AsyncConnection, state: TransactionState) -> None:
        self._connection = connection
        self._state = state

    async def upsert(self, period: EmploymentPeriod) -> None:
        values = {
            "company_id": period.company_id,
            "inss": period.inss,
            "entry_date": period.entry_date,
            "exit_date": period.exit_date,
            "last_name": period.last_name,
            "first_name": period.first_name,
        }
        with translate_errors:
            await self._connection.execute(_PERSONNEL_UPSERT[self._connection.dialect.name], values)

    async def periods(self, company_id: str, inss: str) -> list[EmploymentPeriod]:
        preloaded = self._state.personnel.get((company_id, inss))
        if preloaded is not None:
            return list(preloaded)
        with translate_errors:
            result = await self._connection.execute(
                _PERSONNEL_PERIODS, {"company_id": company_id, "inss": inss}
            )
        return [EmploymentPeriod(**row._mapping) for row in result]


# ---- employers ---------------------------------------------------------------------------------

_EMPLOYER_PARAMETER_COLUMNS = [
    "sector",
    "contact_name",
    "contact_email",
    "contact_phone",
    "joint_commission_nbr",
    "accepts_notifications",
    "updated_at",
]
# V-ID-9: the first NOSS seen for an employer is the one kept, also when two workers race.
_EMPLOYER_NOSS = {
    name: statement.on_conflict_do_update(
        index_elements=["company_id"],
        set_={"noss": func.coalesce(employers.c.noss, statement.excluded.noss)},
    )
    for name, statement in (
        ("postgresql", postgresql.insert(employers)),
        ("sqlite", sqlite.insert(employers)),
    )
}
_EMPLOYER_PARAMETERS = insert_or_update(employers, ["company_id"], _EMPLOYER_PARAMETER_COLUMNS)
_HEADCOUNT = insert_or_update(employer_headcounts, ["company_id", "reference_year"], ["headcount"])
_EMPLOYER = (
    select(
        employers.c.noss,
        employers.c.sector,
        employers.c.accepts_notifications,
        employer_headcounts.c.reference_year,
        employer_headcounts.c.headcount,
    )
    .select_from(employers.outerjoin(employer_headcounts))
    .where(employers.c.company_id == bindparam("company_id"))
)


class SqlEmployerRepository:
    """An employer row exists once a NOSS or parameters were recorded; its profile exists only
    once parameters were received (`sector` is then set): a NOSS alone gives no profile.
    The row is read once per transaction (see `state`)."""

    def __init__(self, connection: AsyncConnection, clock: Clock, state: TransactionState) -> None:
        self._connection = connection
        self._clock = clock
        self._state = state

    async def profile(self, company_id: str) -> EmployerProfile | None:
        row = await self._row(company_id)
        if row is None or row.sector is None:
            return None
        return EmployerProfile(
            sector=Sector(row.sector),
            headcounts=dict(row.headcounts),
            accepts_notifications=row.accepts_notifications,
        )

    async def registered_noss(self, company_id: str) -> str | None:
        row = await self._row(company_id)
        return None if row is None else row.noss

    async def record_noss(self, company_id: str, noss: str) -> None:
        """Keeps the NOSS already registered, if any (the first one seen, V-ID-9)."""
        values = {"company_id": company_id, "noss": noss, "updated_at": self._clock()}
        self._state.employers.pop(company_id, None)
        with translate_errors:
            await self._connection.execute(_EMPLOYER_NOSS[self._connection.dialect.name], values)

    async def _row(self, company_id: str) -> EmployerRow | None:
        if company_id in self._state.employers:
            return self._state.employers[company_id]
        with translate_errors:
            result = await self._connection.execute(_EMPLOYER, {"company_id": company_id})
        rows = result.all()
        row = None
        if rows:
            first = rows[0]
            row = EmployerRow(
                noss=first.noss,
                sector=first.sector,
                accepts_notifications=bool(first.accepts_notifications),
                headcounts={
                    r.reference_year: r.headcount for r in rows if r.reference_year is not None
                },
            )
        self._state.employers[company_id] = row
        return row

    async def save_parameters(self, parameters: UpdateParameters, reference_year: int) -> None:
        """UpdateParameters (V-PAR-6): replaces every parameter and stores the headcount for
        `reference_year` (the update year - 1, by the rule)."""
        company_id = parameters.employer.company_id
        values = {
            "company_id": company_id,
            "sector": parameters.sector.value,
            "contact_name": parameters.contact.name,
            "contact_email": parameters.contact.email,
            "contact_phone": parameters.contact.phone,
            "joint_commission_nbr": parameters.joint_commission_nbr,
            "accepts_notifications": parameters.accept_employee_notifications,
            "updated_at": self._clock(),
        }
        headcount = {
            "company_id": company_id,
            "reference_year": reference_year,
            "headcount": parameters.headcount,
        }
        dialect = self._connection.dialect.name
        self._state.employers.pop(company_id, None)
        with translate_errors:
            await self._connection.execute(_EMPLOYER_PARAMETERS[dialect], values)
            await self._connection.execute(_HEADCOUNT[dialect], headcount)
