"""Schema-valid XML -> typed command, for every inbound root (CONTRACT.md sections 3-4).

Readers run only after XSD validation, so they read without re-checking structure; identifier
formats stay as sent, for the rules to judge with their precise codes.
"""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from service.domain import commands as c
from service.xml import authority_readers as authority
from service.xml import employer_readers as employer
from service.xml.reading import Fields, content, q

Reader = Callable[[Fields], c.Command]

READERS: dict[str, Reader] = {
    "SubmitRequest": employer.submit_request,
    "CancelRequest": employer.cancel_request,
    "ModifyRequest": employer.modify_request,
    "AddAttachment": employer.add_attachment,
    "ConsultRequest": employer.consult_request,
    "SearchRequests": employer.search_requests,
    "ListNotifications": employer.list_notifications,
    "DecideNotification": employer.decide_notification,
    "UpdateParameters": employer.update_parameters,
    "BulkFile": employer.bulk_file,
    "WorkerPartCompleted": authority.worker_part_completed,
    "Decision": authority.decision,
    "EmployeeNotification": authority.employee_notification,
    "DimonaDeclaration": authority.dimona_declaration,
    "GrantMandate": authority.grant_mandate,
    "RevokeMandate": authority.revoke_mandate,
}

INBOUND_ROOTS = frozenset(READERS)


def to_command(root: etree._Element) -> c.Command:
    """The command of a schema-valid inbound document (KeyError for any other root)."""
    return READERS[etree.QName(root).localname](Fields(root))


def request_reference(root: etree._Element) -> str | None:
    """The root's RequestReference, read leniently: the document may be schema-invalid."""
    found = root.find(q("RequestReference"))
    return None if found is None else content(found).strip()
