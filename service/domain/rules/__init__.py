"""Stateless legal rules of RULES.md, one module per family; `evaluate` dispatches.

`evaluate(command, ctx)` runs every rule that needs no stored state, for any command, in the
order of RULES section 0: for a BulkFile the file level first (a B stops the file), then each
item; for an employer message the RequestReference and the employer identification (a B
stops there), then the message's own rules. The use cases add the stateful rules.
"""

from __future__ import annotations

from functools import singledispatch

from service.domain.anomalies import Anomaly, has_blocking
from service.domain.commands import (
    AddAttachment,
    BulkFile,
    BulkItem,
    CancelRequest,
    Command,
    ConsultRequest,
    DecideNotification,
    Decision,
    DimonaDeclaration,
    EmployeeNotification,
    GrantMandate,
    ListNotifications,
    ModifyRequest,
    RevokeMandate,
    SearchRequests,
    SubmitRequest,
    UpdateParameters,
    WorkerPartCompleted,
)
from service.domain.rules import authority, messages
from service.domain.rules.bulk import check_bulk_file, check_bulk_items, item_path
from service.domain.rules.context import RuleContext
from service.domain.rules.employer_part import EmployerPart, check_employer_part


@singledispatch
def evaluate(command: Command, ctx: RuleContext) -> list[Anomaly]:
    """Every stateless anomaly of `command`, blocking and warning, in rulebook order."""
    raise TypeError(f"no rules registered for {type(command).__name__}")


def check_submit_request(cmd: SubmitRequest, ctx: RuleContext) -> list[Anomaly]:
    return messages.check_employer_message(
        cmd, lambda: check_employer_part(EmployerPart.from_submit(cmd), ctx)
    )


def check_bulk(cmd: BulkFile, ctx: RuleContext) -> list[Anomaly]:
    """File-level anomalies; when none blocks, every item's, in `@seq` order."""
    file_level = check_bulk_file(cmd, ctx)
    if has_blocking(file_level):
        return file_level
    per_item = evaluate_bulk_items(cmd, ctx)
    return file_level + [a for seq in sorted(per_item) for a in per_item[seq]]


def evaluate_bulk_items(cmd: BulkFile, ctx: RuleContext) -> dict[int, list[Anomaly]]:
    """Each item's anomalies by `@seq` (an empty list when it has none): its own rules under
    the item's path, then the cross-item refusals (V-BLK-3, V-BLK-4)."""
    cross_item = check_bulk_items(cmd)
    return {
        item.seq: evaluate_bulk_item(item, ctx) + cross_item.get(item.seq, [])
        for item in sorted(cmd.items, key=lambda item: item.seq)
    }


def evaluate_bulk_item(item: BulkItem, ctx: RuleContext) -> list[Anomaly]:
    """One item through the interactive rules, paths under `/BulkFile/Item[@seq="N"]`. The
    bulk use case calls it with the item's own employer in `ctx`."""
    prefix = item_path(item.seq)
    return [
        a.model_copy(update={"path": prefix + (a.path or "")})
        for a in evaluate(item.command, ctx)
    ]


_RULES = (
    (SubmitRequest, check_submit_request),
    (CancelRequest, messages.check_cancel_request),
    (ModifyRequest, messages.check_modify_request),
    (AddAttachment, messages.check_add_attachment),
    (ConsultRequest, messages.check_consult_request),
    (SearchRequests, messages.check_search_requests),
    (ListNotifications, messages.check_list_notifications),
    (DecideNotification, messages.check_decide_notification),
    (UpdateParameters, messages.check_update_parameters),
    (BulkFile, check_bulk),
    (WorkerPartCompleted, authority.check_worker_part_completed),
    (Decision, authority.check_decision),
    (EmployeeNotification, authority.check_employee_notification),
    (DimonaDeclaration, authority.check_dimona_declaration),
    (GrantMandate, authority.check_mandate),
    (RevokeMandate, authority.check_mandate),
)
for _command_type, _check in _RULES:
    evaluate.register(_command_type, _check)

__all__ = ["evaluate", "evaluate_bulk_item", "evaluate_bulk_items"]
