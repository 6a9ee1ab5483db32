"""One handler per command type; `HANDLERS` is the dispatch table the processor uses."""

from __future__ import annotations

from service.app.handlers.authority import (
    handle_dimona,
    handle_grant_mandate,
    handle_revoke_mandate,
)
from service.app.handlers.authority_workflow import (
    handle_decision,
    handle_employee_notification,
    handle_worker_part_completed,
)
from service.app.handlers.base import Handler
from service.app.handlers.changes import handle_add_attachment, handle_cancel, handle_modify
from service.app.handlers.notifications import handle_decide, handle_list_notifications
from service.app.handlers.parameters import handle_update_parameters
from service.app.handlers.reads import handle_consult, handle_search
from service.app.handlers.submit import handle_submit
from service.domain.commands import (
    AddAttachment,
    CancelRequest,
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

HANDLERS: dict[type, Handler] = {
    SubmitRequest: handle_submit,
    CancelRequest: handle_cancel,
    ModifyRequest: handle_modify,
    AddAttachment: handle_add_attachment,
    ConsultRequest: handle_consult,
    SearchRequests: handle_search,
    ListNotifications: handle_list_notifications,
    DecideNotification: handle_decide,
    UpdateParameters: handle_update_parameters,
    WorkerPartCompleted: handle_worker_part_completed,
    Decision: handle_decision,
    EmployeeNotification: handle_employee_notification,
    GrantMandate: handle_grant_mandate,
    RevokeMandate: handle_revoke_mandate,
    DimonaDeclaration: handle_dimona,
}
