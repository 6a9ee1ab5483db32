"""V-MSG-6 (attestation expected or required) and V-ATT-6 (hospital attestation)."""

from __future__ import annotations

from datetime import date

from builders import (
    START,
    check,
    codes_of,
    pdf_attachment,
    triples,
    valid_medical,
    valid_palliative,
    valid_submit,
)

from service.domain.calendar import weeks_end
from service.domain.codes import Circumstance as C
from service.domain.codes import Motive

ATTACHMENT = "/SubmitRequest/Attachment"


def test_v_msg_6_palliative_care_without_attestation_is_refused() -> None:
    assert triples(check(valid_palliative(attachments=()))) == [("70013-001", "B", ATTACHMENT)]


def test_v_msg_6_medical_assistance_without_certificate_warns() -> None:
    assert triples(check(valid_medical(attachments=()))) == [("70013-001", "W", ATTACHMENT)]


def test_v_msg_6_care_motive_without_attestation_warns() -> None:
    found = check(valid_submit(motive=Motive.SERIOUS_ILLNESS, child=None,
                               end_date=date(2027, 3, 31)))
    assert triples(found) == [("70013-001", "W", ATTACHMENT)]


def test_v_msg_6_holds_with_an_attachment() -> None:
    assert check(valid_palliative()) == []
    found = check(valid_submit(motive=Motive.SERIOUS_ILLNESS, child=None,
                               end_date=date(2027, 3, 31), attachments=(pdf_attachment(),)))
    assert found == []


def test_v_msg_6_child_under_8_needs_no_attestation() -> None:
    assert "70013-001" not in codes_of(check(valid_submit()))


def test_v_att_6_unforeseen_hospitalisation_without_attestation_warns() -> None:
    week = valid_medical(end_date=weeks_end(START, 1), attachments=(),
                         circumstances=(C.UNFORESEEN_HOSPITALISATION,))
    assert triples(check(week)) == [("70013-001", "W", ATTACHMENT)] * 2  # V-MSG-6 and V-ATT-6
    assert {a.messages.en for a in check(week)} >= {
        "An unforeseen hospitalisation should come with the hospital's attestation."
    }


def test_v_att_6_holds_with_the_hospital_attestation() -> None:
    week = valid_medical(end_date=weeks_end(START, 1),
                         circumstances=(C.UNFORESEEN_HOSPITALISATION,))
    assert check(week) == []


def test_attachments_are_checked_by_the_attachment_rules() -> None:
    broken = pdf_attachment().model_copy(update={"content": "not base64!"})
    found = check(valid_palliative(attachments=(broken,)))
    assert ("70013-003", "B", "/SubmitRequest/Attachment[1]/Content") in triples(found)
