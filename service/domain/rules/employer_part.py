"""The employer part (EP) of a request and its stateless rules (RULES.md section 3).

`SubmitRequest` and `DecideNotification/Accept` (merged with its notification) carry the same
employer part; both are flattened into one `EmployerPart`, so every EP rule is written once.
The employer identification (V-ID-4/5/6, `identification.py`) and the mandate come before
these rules and stop on a B; here every anomaly is collected (RULES.md section 0).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

from service.domain.anomalies import Anomaly
from service.domain.codes import Circumstance, Fraction, Motive, Scheme, WorkerSource
from service.domain.commands import (
    Accept,
    Attachment,
    Child,
    DecideNotification,
    EmployeeNotification,
    OtherEmployer,
    Regime,
    SubmitRequest,
)
from service.domain.rules import (
    ep_attestations,
    ep_dates,
    ep_duration,
    ep_eligibility,
    ep_identity,
    ep_notice,
    ep_regime,
    ep_several,
    ep_type,
)
from service.domain.rules.attachments import check_attachments
from service.domain.rules.context import RuleContext
from service.domain.rules.ep_env import v_par_6_employer_parameters

# Elements that hang under the document root even when the employer part is nested (Accept).
_AT_MESSAGE_ROOT = frozenset({"Employer", "Attachment", "NotificationId"})

# In the order of RULES.md section 3, so replies list anomalies in rulebook order.
_RULE_FAMILIES = (
    ep_identity.RULES,
    ep_type.RULES,
    ep_dates.RULES,
    ep_regime.RULES,
    ep_several.RULES,
    ep_duration.RULES,
    ep_eligibility.RULES,
    ep_notice.RULES,
    ep_attestations.RULES,
)


@dataclass(frozen=True)
class EmployerPart:
    """The fields the EP rules read, and where each one sits in the message.

    `root` is the parent of the employer-part elements (`/SubmitRequest`,
    `/DecideNotification/Accept`); `message_root` the document root (attachments hang there).
    `relocated` maps a top element taken from elsewhere (the notification) to the XPath to
    blame for it.
    """

    company_id: str
    worker_inss: str
    worker_source: WorkerSource
    worker_hire_date: date | None
    scheme: Scheme
    motive: Motive | None
    fraction: Fraction
    start_date: date
    end_date: date | None
    notice_date: date
    regime_before: Regime
    regime_during: Regime
    several_employers: bool
    other_employer: OtherEmployer | None
    employer_agreement: bool | None
    circumstances: tuple[Circumstance, ...]
    child: Child | None
    attachments: tuple[Attachment, ...]
    root: str = "/SubmitRequest"
    message_root: str = "/SubmitRequest"
    relocated: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_submit(cls, submit: SubmitRequest) -> EmployerPart:
        return cls(
            company_id=submit.employer.company_id,
            worker_inss=submit.worker.inss,
            worker_source=submit.worker.source,
            worker_hire_date=submit.worker.hire_date,
            scheme=submit.scheme,
            motive=submit.motive,
            fraction=submit.fraction,
            start_date=submit.start_date,
            end_date=submit.end_date,
            notice_date=submit.notice_date,
            regime_before=submit.regime_before,
            regime_during=submit.regime_during,
            several_employers=submit.several_employers,
            other_employer=submit.other_employer,
            employer_agreement=submit.employer_agreement,
            circumstances=submit.circumstances,
            child=submit.child,
            attachments=submit.attachments,
        )

    @classmethod
    def from_accept(
        cls, decide: DecideNotification, notification: EmployeeNotification
    ) -> EmployerPart:
        """Accept merged with its notification (V-NTF-7).

        Worker, scheme, motive, fraction and start date come from the notification; so does
        the end date when the notification has one, and the child unless Accept gives one.
        Accepting implies the employer's agreement (V-ELG-5). Anomalies on values taken from
        the notification point at `/DecideNotification/NotificationId`.
        """
        accept = decide.decision
        if not isinstance(accept, Accept):
            raise ValueError("only an Accept decision carries an employer part")
        source = "/DecideNotification/NotificationId"
        end_date = notification.requested_end_date or accept.end_date
        relocated = dict.fromkeys(("Worker", "Scheme", "Motive", "Fraction", "StartDate"), source)
        if notification.requested_end_date is not None:
            relocated["EndDate"] = source
        if accept.child is None and notification.child is not None:
            relocated["Child"] = source
        return cls(
            company_id=decide.employer.company_id,
            worker_inss=notification.worker.inss,
            worker_source=WorkerSource.DIMONA,
            worker_hire_date=None,
            scheme=notification.scheme,
            motive=notification.motive,
            fraction=notification.fraction,
            start_date=notification.requested_start_date,
            end_date=end_date,
            notice_date=notification.notice_date,
            regime_before=accept.regime_before,
            regime_during=accept.regime_during,
            several_employers=accept.several_employers,
            other_employer=accept.other_employer,
            employer_agreement=True,
            circumstances=accept.circumstances,
            child=accept.child or notification.child,
            attachments=decide.attachments,
            root="/DecideNotification/Accept",
            message_root="/DecideNotification",
            relocated=MappingProxyType(relocated),
        )

    def path(self, element: str) -> str:
        """XPath of `element` (e.g. `RegimeDuring/MeanWorkingHours`) in the message."""
        head = element.split("/", 1)[0]
        if head in self.relocated:
            return self.relocated[head]
        if head in _AT_MESSAGE_ROOT:
            return f"{self.message_root}/{element}"
        return f"{self.root}/{element}"

    def has(self, circumstance: Circumstance) -> bool:
        return circumstance in self.circumstances

    @property
    def agreed(self) -> bool:
        return self.employer_agreement is True

    def circumstance_path(self, circumstance: Circumstance, occurrence: int = 1) -> str:
        """XPath of the `occurrence`-th `Circumstance` with that code (indexed like lxml)."""
        seen = 0
        for index, code in enumerate(self.circumstances, start=1):
            if code is circumstance:
                seen += 1
                if seen == occurrence:
                    return self.circumstance_index_path(index)
        return self.path("Circumstance")

    def circumstance_index_path(self, index: int) -> str:
        if len(self.circumstances) == 1:
            return self.path("Circumstance")
        return self.path(f"Circumstance[{index}]")

    @property
    def period(self) -> tuple[date, date] | None:
        """(start, end) when the end is given and not before the start: what durations need."""
        if self.end_date is None or self.end_date < self.start_date:
            return None
        return self.start_date, self.end_date


def check_employer_part(part: EmployerPart, ctx: RuleContext) -> list[Anomaly]:
    """Every stateless EP rule; the caller has already passed the employer identification."""
    env, parameter_warnings = v_par_6_employer_parameters(part, ctx)
    found = [anomaly for rules in _RULE_FAMILIES for rule in rules for anomaly in rule(part, env)]
    found += check_attachments(part.attachments, part.message_root, ctx)
    return found + parameter_warnings
