"""V-ATT-2 to V-ATT-5, the stateless attachment rules (RULES 3.11)."""

from __future__ import annotations

import base64
import hashlib

import pytest
from builders_messages import JPEG, PDF, PNG, attachment, attachments, codes, ctx, parameters
from hypothesis import given
from hypothesis import strategies as st

from service.domain.commands import Attachment
from service.domain.rules import attachments as module
from service.domain.rules.attachments import FILE_TYPES, check_attachments, decoded_attachment

ROOT = "/AddAttachment"
CONTENT = "/AddAttachment/Attachment[1]/Content"
CONTENT_TYPE = "/AddAttachment/Attachment[1]/ContentType"
FILE_NAME = "/AddAttachment/Attachment[1]/FileName"


def check(*items: Attachment, **limits: object) -> list[tuple[str, str, str | None]]:
    context = ctx(parameters(**limits)) if limits else ctx()
    return codes(check_attachments(items, ROOT, context))


# ---- V-ATT-2 base64, not empty ------------------------------------------------------------


def test_v_att_2_holds_for_valid_base64_even_wrapped_over_lines() -> None:
    text = base64.encodebytes(PDF * 20).decode("ascii")  # 76-column lines
    assert "\n" in text
    assert check(attachment(content=text)) == []


@pytest.mark.parametrize("content", ["not base64!", "QU JD\u00e9", "QUJDRA", "QUJD\u0000"])
def test_v_att_2_refuses_invalid_base64(content: str) -> None:
    assert check(attachment(content=content)) == [("70013-003", "B", CONTENT)]


@pytest.mark.parametrize("content", ["", "  \r\n "])
def test_v_att_2_refuses_empty_content(content: str) -> None:
    assert check(attachment(content=content)) == [("70013-003", "B", CONTENT)]


# ---- V-ATT-3 type by signature, ContentType agrees ----------------------------------------


@pytest.mark.parametrize(
    ("data", "content_type"),
    [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg"), (PNG, " Image/PNG ")],
)
def test_v_att_3_holds_for_known_types_with_agreeing_content_type(
    data: bytes, content_type: str
) -> None:
    assert check(attachment(data, content_type=content_type)) == []


def test_v_att_3_refuses_an_unknown_signature() -> None:
    gif = attachment(b"GIF89a\x01\x00", content_type="image/gif")
    assert check(gif) == [("70013-008", "B", CONTENT)]


def test_v_att_3_refuses_a_content_type_that_disagrees_with_the_bytes() -> None:
    png_named_pdf = attachment(PNG, content_type="application/pdf")
    assert check(png_named_pdf) == [("70013-008", "B", CONTENT_TYPE)]


def test_v_att_3_reads_the_accepted_types_from_the_parameters() -> None:
    assert check(attachment(PNG, content_type="image/png"), attachment__types=["PDF"]) == [
        ("70013-008", "B", CONTENT)
    ]


@given(st.binary(min_size=1, max_size=64))
def test_v_att_3_refuses_any_bytes_without_a_known_signature(data: bytes) -> None:
    if any(data.startswith(t.signature) for t in FILE_TYPES):
        return
    found = check(attachment(data))
    assert found == [("70013-008", "B", CONTENT)]


@given(st.sampled_from(FILE_TYPES), st.binary(max_size=64))
def test_v_att_3_accepts_any_bytes_after_a_known_signature(
    file_type: module.FileType, tail: bytes
) -> None:
    found = check(attachment(file_type.signature + tail, content_type=file_type.content_type))
    assert found == []


# ---- V-ATT-4 size and count ---------------------------------------------------------------


def test_v_att_4_holds_at_exactly_the_maximum_size() -> None:
    exactly = PDF + b"\0" * (5 * 1024 * 1024 - len(PDF))
    assert check(attachment(exactly)) == []


def test_v_att_4_refuses_one_byte_over_the_maximum_size() -> None:
    over = PDF + b"\0" * (5 * 1024 * 1024 + 1 - len(PDF))
    assert check(attachment(over)) == [("70013-093", "B", CONTENT)]


def test_v_att_4_reads_the_maximum_size_from_the_parameters() -> None:
    assert check(attachment(PDF), attachment__max_bytes=len(PDF)) == []
    assert check(attachment(PDF), attachment__max_bytes=len(PDF) - 1) == [
        ("70013-093", "B", CONTENT)
    ]


def test_v_att_4_refuses_a_far_too_large_text_without_decoding_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_decoding(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("decoded a text already known to be too large")

    monkeypatch.setattr(base64, "b64decode", no_decoding)
    huge = attachment(content="A" * (8 * 1024 * 1024))
    assert check(huge) == [("70013-093", "B", CONTENT)]


def test_v_att_4_holds_with_the_maximum_number_of_attachments() -> None:
    assert check(*attachments(10)) == []


def test_v_att_4_refuses_more_attachments_than_the_maximum() -> None:
    assert check(*attachments(11)) == [("70013-090", "B", "/AddAttachment/Attachment[11]")]
    assert check(*attachments(3), attachment__max_count=2) == [
        ("70013-090", "B", "/AddAttachment/Attachment[3]")
    ]


# ---- V-ATT-5 file name --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["a", "x" * 255, "scan 2026-03-01 (1).pdf", "..pdf"])
def test_v_att_5_holds_for_names_of_1_to_255_characters(name: str) -> None:
    assert check(attachment(file_name=name)) == []


@pytest.mark.parametrize("name", ["", "x" * 256])
def test_v_att_5_refuses_a_name_too_short_or_too_long(name: str) -> None:
    assert check(attachment(file_name=name)) == [("70013-093", "B", FILE_NAME)]


@pytest.mark.parametrize("name", ["../etc/passwd", "dir/file.pdf", "C:\\temp\\file.pdf"])
def test_v_att_5_refuses_path_separators(name: str) -> None:
    assert check(attachment(file_name=name)) == [("70013-003", "B", FILE_NAME)]


def test_v_att_5_refuses_a_name_used_twice_in_the_message() -> None:
    found = check(attachment(file_name="a.pdf"), attachment(file_name="a.pdf"))
    assert found == [("70013-133", "B", "/AddAttachment/Attachment[2]/FileName")]


def test_v_att_5_names_differing_in_case_are_distinct() -> None:
    assert check(attachment(file_name="a.pdf"), attachment(file_name="A.pdf")) == []


def test_every_attachment_is_judged() -> None:
    found = check(
        attachment(file_name="a/b.pdf"),
        attachment(file_name="b.pdf", content="!!"),
        attachment(PNG, file_name="c.png", content_type="image/jpeg"),
    )
    assert found == [
        ("70013-003", "B", "/AddAttachment/Attachment[1]/FileName"),
        ("70013-003", "B", "/AddAttachment/Attachment[2]/Content"),
        ("70013-008", "B", "/AddAttachment/Attachment[3]/ContentType"),
    ]


def test_messages_exist_in_three_languages() -> None:
    (found,) = check_attachments([attachment(content="")], ROOT, ctx())
    assert found.messages.en and found.messages.fr and found.messages.nl
    assert len({found.messages.en, found.messages.fr, found.messages.nl}) == 3


# ---- decoded_attachment -------------------------------------------------------------------


def test_decoded_attachment_gives_the_bytes_and_their_sha256() -> None:
    text = base64.encodebytes(PDF).decode("ascii")
    assert decoded_attachment(attachment(content=text)) == (
        PDF,
        hashlib.sha256(PDF).hexdigest(),
    )


def test_decoded_attachment_refuses_invalid_base64() -> None:
    with pytest.raises(ValueError):
        decoded_attachment(attachment(content="not base64!"))
