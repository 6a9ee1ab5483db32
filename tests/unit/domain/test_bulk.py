"""Bulk files: V-BLK-1 (FileReference), V-BLK-2 (items, @seq), V-BLK-3 and V-BLK-4."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from builders import valid_submit
from builders_messages import (
    FILE_REFERENCE,
    INSS,
    OTHER_COMPANY_ID,
    OTHER_INSS,
    PROCESSING_DATE,
    SENDER_NUMBER,
    bulk_file,
    cancel_request,
    codes,
    ctx,
    employer,
    modify_request,
    parameters,
)
from hypothesis import given
from hypothesis import strategies as st

from service.domain.codes import Environment, Scheme
from service.domain.commands import BulkFile, BulkItem, SubmitRequest, Worker
from service.domain.rules.bulk import (
    DEFAULT_MAX_ITEMS,
    FileReferenceParts,
    check_bulk_file,
    check_bulk_items,
    max_items,
    parse_file_reference,
)

FILE_REF_PATH = "/BulkFile/FileReference"

# ---- parse_file_reference ------------------------------------------------------------------


def test_parse_a_reference_in_one_piece() -> None:
    assert parse_file_reference("FI.ELO.123456.20260301.AB12C.R") == FileReferenceParts(
        sender_number="123456",
        date=date(2026, 3, 1),
        sequence="AB12C",
        environment=Environment.REAL,
        parts=None,
        part=None,
    )


def test_parse_a_reference_in_parts() -> None:
    parts = parse_file_reference("FI.ELO.000001.20240229.00000.T.3.2")
    assert parts is not None
    assert (parts.environment, parts.parts, parts.part) == (Environment.TEST, 3, 2)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "FI.ELO.12345.20260301.AB12C.R",  # 5-digit sender
        "FI.ELO.123456.2026031.AB12C.R",  # 7-digit date
        "FI.ELO.123456.20260230.AB12C.R",  # 30 February
        "FI.ELO.123456.20261301.AB12C.R",  # month 13
        "FI.ELO.123456.20260301.AB12.R",  # 4-character sequence
        "FI.ELO.123456.20260301.AB-2C.R",  # not alphanumeric
        "FI.ELO.123456.20260301.AB12C.X",  # environment
        "FI.ELO.123456.20260301.AB12C.r",
        "FI.ELO.123456.20260301.AB12C.R.2",  # parts without part
        "FI.ELO.123456.20260301.AB12C.R.2.0",  # part 0
        "FI.ELO.123456.20260301.AB12C.R.2.3",  # part > parts
        "FI.ELO.123456.20260301.AB12C.R\n",
        "fi.elo.123456.20260301.AB12C.R",
        "FI.XYZ.123456.20260301.AB12C.R",
        "FI.ELO.１２３４５６.20260301.AB12C.R",  # full-width digits
    ],
)
def test_parse_refuses_a_malformed_reference(value: str) -> None:
    assert parse_file_reference(value) is None


_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


@st.composite
def file_reference_parts(draw: st.DrawFn) -> FileReferenceParts:
    parts = draw(st.none() | st.integers(min_value=1, max_value=9999))
    part = None if parts is None else draw(st.integers(min_value=1, max_value=parts))
    return FileReferenceParts(
        sender_number=draw(st.from_regex(r"[0-9]{6}", fullmatch=True)),
        date=draw(st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31))),
        sequence=draw(st.text(_ALNUM, min_size=5, max_size=5)),
        environment=draw(st.sampled_from(Environment)),
        parts=parts,
        part=part,
    )


@given(file_reference_parts())
def test_a_reference_built_from_valid_parts_parses_back_to_them(
    parts: FileReferenceParts,
) -> None:
    assert parse_file_reference(parts.render()) == parts


# ---- V-BLK-1 -------------------------------------------------------------------------------


def file_check(cmd: BulkFile, **context: Any) -> list[tuple[str, str, str | None]]:
    return codes(check_bulk_file(cmd, ctx(**context)))


def test_v_blk_1_holds_for_a_valid_reference() -> None:
    assert file_check(bulk_file(cancel_request())) == []
    assert file_check(bulk_file(cancel_request()), sender_number=SENDER_NUMBER) == []


def test_v_blk_1_holds_for_a_reference_dated_on_the_processing_date() -> None:
    reference = f"FI.ELO.{SENDER_NUMBER}.{PROCESSING_DATE:%Y%m%d}.00001.T.2.2"
    assert file_check(bulk_file(cancel_request(), file_reference=reference)) == []


def test_v_blk_1_refuses_a_missing_reference() -> None:
    assert file_check(bulk_file(cancel_request(), file_reference="")) == [
        ("70018-001", "B", FILE_REF_PATH)
    ]


@pytest.mark.parametrize(
    "reference",
    [
        "FI.ELO.123456.20260230.AB12C.R",
        "FI.ELO.123456.20260301.AB12C.R.2.3",
        "FI.ELO.123456.20260301.AB12C",
        f"FI.ELO.123456.{PROCESSING_DATE + timedelta(days=1):%Y%m%d}.AB12C.R",
    ],
)
def test_v_blk_1_refuses_an_invalid_reference(reference: str) -> None:
    assert file_check(bulk_file(cancel_request(), file_reference=reference)) == [
        ("70018-003", "B", FILE_REF_PATH)
    ]


def test_v_blk_1_refuses_another_senders_number() -> None:
    assert file_check(bulk_file(cancel_request()), sender_number="654321") == [
        ("70018-003", "B", FILE_REF_PATH)
    ]


# ---- V-BLK-2 -------------------------------------------------------------------------------


def test_v_blk_2_reads_the_maximum_from_the_parameters_or_the_default() -> None:
    assert max_items(ctx()) == DEFAULT_MAX_ITEMS
    assert max_items(ctx(parameters(bulk__max_items=2))) == 2


def test_v_blk_2_holds_at_the_maximum_item_count() -> None:
    context = ctx(parameters(bulk__max_items=2))
    assert check_bulk_file(bulk_file(cancel_request(), modify_request()), context) == []


def test_v_blk_2_refuses_more_items_than_the_maximum() -> None:
    context = ctx(parameters(bulk__max_items=2))
    cmd = bulk_file(*(cancel_request(request_reference=f"C{i}") for i in range(3)))
    assert codes(check_bulk_file(cmd, context)) == [("90000-090", "B", "/BulkFile")]


def test_v_blk_2_refuses_a_file_without_items() -> None:
    assert file_check(BulkFile(file_reference=FILE_REFERENCE, items=())) == [
        ("90000-090", "B", "/BulkFile")
    ]


def test_v_blk_2_refuses_a_seq_used_twice() -> None:
    items = (
        BulkItem(seq=1, command=cancel_request(request_reference="A")),
        BulkItem(seq=2, command=cancel_request(request_reference="B")),
        BulkItem(seq=1, command=cancel_request(request_reference="C")),
    )
    assert file_check(BulkFile(file_reference=FILE_REFERENCE, items=items)) == [
        ("90000-006", "B", '/BulkFile/Item[@seq="1"]')
    ]


# ---- V-BLK-3 -------------------------------------------------------------------------------


def test_v_blk_3_holds_for_distinct_references() -> None:
    cmd = bulk_file(cancel_request(request_reference="A"), modify_request(request_reference="B"))
    assert check_bulk_items(cmd) == {}


def test_v_blk_3_refuses_the_later_items_with_a_used_reference() -> None:
    cmd = bulk_file(
        cancel_request(request_reference="A"),
        modify_request(request_reference="B"),
        modify_request(request_reference="A"),
        cancel_request(request_reference="A"),
    )
    refused = {seq: codes(found) for seq, found in check_bulk_items(cmd).items()}
    assert refused == {
        3: [("70015-006", "B", '/BulkFile/Item[@seq="3"]/ModifyRequest/RequestReference')],
        4: [("70015-006", "B", '/BulkFile/Item[@seq="4"]/CancelRequest/RequestReference')],
    }


def test_v_blk_3_orders_items_by_seq_not_by_position() -> None:
    items = (
        BulkItem(seq=7, command=cancel_request(request_reference="A")),
        BulkItem(seq=3, command=modify_request(request_reference="A")),
    )
    refused = check_bulk_items(BulkFile(file_reference=FILE_REFERENCE, items=items))
    assert list(refused) == [7]


# ---- V-BLK-4 -------------------------------------------------------------------------------


def submit(reference: str, start: date, end: date | None, **overrides: Any) -> SubmitRequest:
    return valid_submit(request_reference=reference, start_date=start, end_date=end, **overrides)


def overlaps(*submissions: SubmitRequest) -> dict[int, list[tuple[str, str, str | None]]]:
    return {seq: codes(found) for seq, found in check_bulk_items(bulk_file(*submissions)).items()}


def test_v_blk_4_refuses_the_later_of_two_overlapping_submissions() -> None:
    first = submit("S1", date(2026, 9, 1), date(2027, 2, 28))
    second = submit("S2", date(2027, 2, 28), date(2027, 8, 31))
    assert overlaps(first, second) == {
        2: [("70004-006", "B", '/BulkFile/Item[@seq="2"]/SubmitRequest/StartDate')]
    }


def test_v_blk_4_holds_for_adjacent_periods() -> None:
    first = submit("S1", date(2026, 9, 1), date(2027, 2, 28))
    second = submit("S2", date(2027, 3, 1), date(2027, 8, 31))
    assert overlaps(first, second) == {}


def test_v_blk_4_an_open_end_runs_forever() -> None:
    first = submit("S1", date(2026, 9, 1), None)
    second = submit("S2", date(2040, 1, 1), date(2040, 6, 30))
    assert list(overlaps(first, second)) == [2]


@pytest.mark.parametrize(
    "difference",
    [
        {"employer": employer(company_id=OTHER_COMPANY_ID)},
        {"worker": Worker(inss=OTHER_INSS)},
        {"scheme": Scheme.PARENTAL_LEAVE},
    ],
)
def test_v_blk_4_holds_for_another_employer_worker_or_scheme(difference: dict[str, Any]) -> None:
    first = submit("S1", date(2026, 9, 1), date(2027, 2, 28), worker=Worker(inss=INSS))
    second = submit("S2", date(2026, 9, 1), date(2027, 2, 28), **{"worker": Worker(inss=INSS)})
    second = second.model_copy(update=difference)
    assert overlaps(first, second) == {}


def test_v_blk_3_and_v_blk_4_both_refuse_one_item() -> None:
    first = submit("S1", date(2026, 9, 1), date(2027, 2, 28))
    second = submit("S1", date(2026, 10, 1), date(2027, 3, 31))
    assert overlaps(first, second) == {
        2: [
            ("70015-006", "B", '/BulkFile/Item[@seq="2"]/SubmitRequest/RequestReference'),
            ("70004-006", "B", '/BulkFile/Item[@seq="2"]/SubmitRequest/StartDate'),
        ]
    }
