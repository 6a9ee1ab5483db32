"""The dispatcher `evaluate`: every command reaches its rules, in RULES section 0 order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from builders import context, valid_submit
from builders_messages import (
    add_attachment,
    bulk_file,
    cancel_request,
    codes,
    consult_request,
    decide_notification,
    decision,
    dimona_declaration,
    employee_notification,
    employer,
    grant_mandate,
    list_notifications,
    modify_request,
    revoke_mandate,
    search_requests,
    update_parameters,
    worker_part_completed,
)

from service.domain.commands import BulkFile, BulkItem, Command
from service.domain.rules import evaluate, evaluate_bulk_items

ITEM_2 = '/BulkFile/Item[@seq="2"]'

VALID: list[Callable[..., Any]] = [
    valid_submit,
    cancel_request,
    modify_request,
    add_attachment,
    consult_request,
    search_requests,
    list_notifications,
    decide_notification,
    update_parameters,
    lambda: bulk_file(valid_submit(), cancel_request()),
    worker_part_completed,
    decision,
    employee_notification,
    dimona_declaration,
    grant_mandate,
    revoke_mandate,
]


@pytest.mark.parametrize("build", VALID)
def test_every_valid_command_evaluates_without_anomaly(build: Callable[[], Command]) -> None:
    assert evaluate(build(), context()) == []


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (cancel_request(confirm=False), ("70012-008", "B", "/CancelRequest/Confirm")),
        (
            search_requests(page_size=0),
            ("70020-008", "B", "/SearchRequests/PageSize"),
        ),
        (
            update_parameters(headcount=-1),
            ("70017-008", "B", "/UpdateParameters/Headcount"),
        ),
        (
            dimona_declaration(exit_date=date(2019, 12, 31)),
            ("70019-014", "B", "/DimonaDeclaration/ExitDate"),
        ),
        (
            worker_part_completed(ticket_number="x"),
            ("70012-003", "B", "/WorkerPartCompleted/TicketNumber"),
        ),
    ],
)
def test_evaluate_dispatches_to_the_rules_of_the_command(
    command: Command, expected: tuple[str, str, str]
) -> None:
    assert codes(evaluate(command, context())) == [expected]


def test_unknown_commands_are_a_programming_error() -> None:
    with pytest.raises(TypeError):
        evaluate(object(), context())  # type: ignore[arg-type]


# ---- SubmitRequest: identification first, then the employer part ---------------------------


def test_submit_request_runs_the_employer_part_rules() -> None:
    found = evaluate(valid_submit(end_date=date(2027, 2, 1)), context())
    assert ("70005-014", "B", "/SubmitRequest/EndDate") in codes(found)


def test_submit_request_checks_its_reference_and_goes_on() -> None:
    command = valid_submit(request_reference="a b", end_date=date(2027, 2, 1))
    found = codes(evaluate(command, context()))
    assert found[0] == ("70015-003", "B", "/SubmitRequest/RequestReference")
    assert ("70005-014", "B", "/SubmitRequest/EndDate") in found


def test_submit_request_stops_on_a_blocking_identification() -> None:
    command = valid_submit(employer={"company_id": "0123456750"}, end_date=date(2027, 2, 1))
    assert codes(evaluate(command, context())) == [
        ("00014-004", "B", "/SubmitRequest/Employer/CompanyID")
    ]


# ---- BulkFile: file level first, then every item under its own path ------------------------


def test_a_blocking_file_level_anomaly_stops_the_file() -> None:
    cmd = bulk_file(cancel_request(), cancel_request(ticket_number="x"), file_reference="FI.X")
    assert codes(evaluate(cmd, context())) == [("70018-003", "B", "/BulkFile/FileReference")]


def test_item_anomalies_carry_the_item_path() -> None:
    cmd = bulk_file(
        cancel_request(request_reference="C1"),
        cancel_request(request_reference="C2", ticket_number="x"),
        valid_submit(request_reference="S3", end_date=date(2027, 2, 1)),
    )
    found = codes(evaluate(cmd, context()))
    assert found[0] == ("70012-003", "B", f"{ITEM_2}/CancelRequest/TicketNumber")
    assert ("70005-014", "B", '/BulkFile/Item[@seq="3"]/SubmitRequest/EndDate') in found
    assert all(path and path.startswith("/BulkFile/Item[@seq=") for _, _, path in found)


def test_an_item_with_a_blocking_identification_stops_only_itself() -> None:
    cmd = bulk_file(
        cancel_request(request_reference="C1", employer=employer(company_id="1")),
        cancel_request(request_reference="C2", confirm=False),
    )
    assert codes(evaluate(cmd, context())) == [
        ("00014-093", "B", '/BulkFile/Item[@seq="1"]/CancelRequest/Employer/CompanyID'),
        ("70012-008", "B", f"{ITEM_2}/CancelRequest/Confirm"),
    ]


def test_cross_item_refusals_join_the_item_anomalies() -> None:
    cmd = bulk_file(
        cancel_request(request_reference="SAME"),
        cancel_request(request_reference="SAME", confirm=False),
    )
    per_item = evaluate_bulk_items(cmd, context())
    assert list(per_item) == [1, 2]
    assert per_item[1] == []
    assert codes(per_item[2]) == [
        ("70012-008", "B", f"{ITEM_2}/CancelRequest/Confirm"),
        ("70015-006", "B", f"{ITEM_2}/CancelRequest/RequestReference"),
    ]


def test_items_are_evaluated_in_seq_order() -> None:
    items = (
        BulkItem(seq=9, command=cancel_request(request_reference="A", confirm=False)),
        BulkItem(seq=4, command=cancel_request(request_reference="B", confirm=False)),
    )
    cmd = BulkFile(file_reference=bulk_file(cancel_request()).file_reference, items=items)
    assert [a.path for a in evaluate(cmd, context())] == [
        '/BulkFile/Item[@seq="4"]/CancelRequest/Confirm',
        '/BulkFile/Item[@seq="9"]/CancelRequest/Confirm',
    ]
