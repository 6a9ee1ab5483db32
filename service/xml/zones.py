"""Zone of an element (RULES.md 3.0): the first five digits of the anomaly code it raises.

Most elements have a zone of their own; a few take it from where they stand (CompanyID of the
other employer is 70009, not 00014), so the lookup is by (parent, name), then by parent, then
by name. An element without a zone reports against the whole message, 90000.
"""

from __future__ import annotations

WHOLE_MESSAGE = "90000"

_BY_PARENT_AND_NAME: dict[tuple[str, str], str] = {
    ("Worker", "Source"): "70019",
    ("Worker", "HireDate"): "70019",
    ("Postpone", "NewStartDate"): "70004",
    ("UpdateParameters", "Contact"): "70017",
    ("UpdateParameters", "Sector"): "70017",
    ("UpdateParameters", "Headcount"): "70017",
    ("UpdateParameters", "AcceptEmployeeNotifications"): "70017",
    ("UpdateParameters", "JointCommissionNbr"): "00046",
    ("SearchRequests", "Page"): "70020",
    ("SearchRequests", "PageSize"): "70020",
}

# Every child of these elements is in the parent's zone.
_BY_PARENT: dict[str, str] = {
    "OtherEmployer": "70009",
    "Child": "70011",
    "Attachment": "70013",
    "ByCharacteristics": "70020",
    "Contact": "70017",
    "Refuse": "70016",
}

_BY_NAME: dict[str, str] = {
    "NOSSRegistrationNbr": "00011",
    "CompanyID": "00014",
    "INSS": "00024",
    "JointCommissionNbr": "00046",
    "WorkingDaysSystem": "00047",
    "MeanWorkingHours": "00048",
    "RefMeanWorkingHours": "00049",
    "Scheme": "70001",
    "Circumstance": "70001",
    "Motive": "70002",
    "Fraction": "70003",
    "StartDate": "70004",
    "NewStartDate": "70004",
    "EndDate": "70005",
    "NewEndDate": "70005",
    "NoticeDate": "70006",
    "RegimeBefore": "70007",
    "RegimeDuring": "70008",
    "SeveralEmployers": "70009",
    "OtherEmployer": "70009",
    "EmployerAgreement": "70010",
    "Child": "70011",
    "TicketNumber": "70012",
    "Attachment": "70013",
    "NotificationId": "70014",
    "RequestReference": "70015",
    "Postpone": "70016",
    "Refuse": "70016",
    "Accept": "70016",
    "FileReference": "70018",
    "ByCharacteristics": "70020",
    "ByWorker": "70020",
}


def zone_of(name: str, parent: str | None) -> str:
    """The zone of element `name` whose parent element is `parent` (local names)."""
    if parent is not None:
        zone = _BY_PARENT_AND_NAME.get((parent, name)) or _BY_PARENT.get(parent)
        if zone is not None:
            return zone
    return _BY_NAME.get(name, WHOLE_MESSAGE)
