"""One handler per command type; `HANDLERS` is the dispatch table the processor uses."""

from __future__ import annotations

from service.app.handlers.authority import (
    handle_dimona,
    handle_grant_mandate,
    handle_revoke_mandate,
)
from service.app.handlers.base import Handler
from service.app.handlers.submit import handle_submit
from service.domain.commands import (
    DimonaDeclaration,
    GrantMandate,
    RevokeMandate,
    SubmitRequest,
)

HANDLERS: dict[type, Handler] = {
    SubmitRequest: handle_submit,
    GrantMandate: handle_grant_mandate,
    RevokeMandate: handle_revoke_mandate,
    DimonaDeclaration: handle_dimona,
}
