"""Attachments (RULES 3.11), the parts that need no stored request: V-ATT-2 to V-ATT-5.

"Not already used on this request" (V-ATT-5 against the stored names) and V-ATT-1 (request
state) belong to the use case; here a FileName must be unique within the message.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from service.domain.anomalies import Anomaly, Severity, anomaly
from service.domain.commands import Attachment
from service.domain.rules.context import RuleContext

B = Severity.BLOCKING

MAX_FILE_NAME = 255
_PATH_SEPARATORS = ("/", "\\")
_WHITESPACE = str.maketrans("", "", " \t\r\n\f\v")


@dataclass(frozen=True)
class FileType:
    """A file type breakgate recognises by its leading bytes (V-ATT-3)."""

    name: str
    signature: bytes
    content_type: str


FILE_TYPES: tuple[FileType, ...] = (
    FileType("PDF", b"%PDF-", "application/pdf"),
    FileType("PNG", b"\x89PNG\r\n\x1a\n", "image/png"),
    FileType("JPEG", b"\xff\xd8\xff", "image/jpeg"),
)


@dataclass(frozen=True)
class AttachmentLimits:
    """⚙ `attachment.max_bytes`, `attachment.max_count`, `attachment.types`."""

    max_bytes: int
    max_count: int
    types: tuple[str, ...]


def check_attachments(
    attachments: Sequence[Attachment], root_path: str, ctx: RuleContext
) -> list[Anomaly]:
    """Every stateless attachment anomaly of one message; `root_path` is the parent of the
    `Attachment` elements (`/AddAttachment`, `/SubmitRequest`, ...)."""
    limits = attachment_limits(ctx)
    found: list[Anomaly | None] = [check_v_att_4_count(attachments, root_path, limits)]
    seen: set[str] = set()
    for index, attachment in enumerate(attachments, start=1):
        path = f"{root_path}/Attachment[{index}]"
        found.append(check_v_att_5_file_name(attachment.file_name, f"{path}/FileName", seen))
        seen.add(attachment.file_name)
        found.extend(check_content(attachment, path, limits))
    return [a for a in found if a is not None]


def decoded_attachment(att: Attachment) -> tuple[bytes, str]:
    """The decoded bytes and their SHA-256 (hex), for the use cases that store attachments.

    Raises ValueError when the content is not valid base64 (V-ATT-2 refuses it first).
    """
    data = base64.b64decode(_stripped(att.content), validate=True)
    return data, hashlib.sha256(data).hexdigest()


def attachment_limits(ctx: RuleContext) -> AttachmentLimits:
    """The limits in force on the processing date."""
    on, parameters = ctx.processing_date, ctx.parameters
    return AttachmentLimits(
        max_bytes=parameters.int_value("attachment.max_bytes", on),
        max_count=parameters.int_value("attachment.max_count", on),
        types=tuple(parameters.str_list("attachment.types", on)),
    )


# ---- V-ATT-4 count ------------------------------------------------------------------------------


def check_v_att_4_count(
    attachments: Sequence[Attachment], root_path: str, limits: AttachmentLimits
) -> Anomaly | None:
    """V-ATT-4: at most ⚙ `attachment.max_count` attachments per message (70013-090)."""
    if len(attachments) <= limits.max_count:
        return None
    return anomaly(
        "70013-090", B, f"{root_path}/Attachment[{limits.max_count + 1}]",
        f"A message may carry at most {limits.max_count} attachments; this one has "
        f"{len(attachments)}.",
        f"Un message peut contenir au plus {limits.max_count} pièces jointes ; celui-ci en a "
        f"{len(attachments)}.",
        f"Een bericht mag hoogstens {limits.max_count} bijlagen bevatten; dit bevat er "
        f"{len(attachments)}.",
    )


# ---- V-ATT-5 file name --------------------------------------------------------------------------


def check_v_att_5_file_name(name: str, path: str, seen: set[str]) -> Anomaly | None:
    """V-ATT-5: 1-255 characters (093), no path separator (003), unique in the message (133)."""
    if not 1 <= len(name) <= MAX_FILE_NAME:
        return anomaly(
            "70013-093", B, path,
            f"The file name must have 1 to {MAX_FILE_NAME} characters.",
            f"Le nom du fichier doit compter de 1 à {MAX_FILE_NAME} caractères.",
            f"De bestandsnaam moet 1 tot {MAX_FILE_NAME} tekens tellen.",
        )
    if any(separator in name for separator in _PATH_SEPARATORS):
        return anomaly(
            "70013-003", B, path,
            "The file name must not contain a path separator (/ or \\).",
            "Le nom du fichier ne peut pas contenir de séparateur de chemin (/ ou \\).",
            "De bestandsnaam mag geen padscheidingsteken (/ of \\) bevatten.",
        )
    if name in seen:
        return anomaly(
            "70013-133", B, path,
            "Another attachment of this message already has this file name.",
            "Une autre pièce jointe de ce message porte déjà ce nom de fichier.",
            "Een andere bijlage van dit bericht heeft al deze bestandsnaam.",
        )
    return None


# ---- content: V-ATT-4 size, V-ATT-2 base64, V-ATT-3 type -----------------------------------------


def check_content(attachment: Attachment, path: str, limits: AttachmentLimits) -> list[Anomaly]:
    """One anomaly at most for `Content`, plus a ContentType disagreement when the bytes are
    a known type. Far too large texts are refused from their length, before any decoding."""
    text = _stripped(attachment.content)
    if _estimated_size(text) > limits.max_bytes:
        return [_too_large(f"{path}/Content", limits.max_bytes)]
    try:
        data = base64.b64decode(text, validate=True)
    except ValueError:
        return [_not_base64(f"{path}/Content")]
    if not data:
        return [_empty(f"{path}/Content")]
    if len(data) > limits.max_bytes:
        return [_too_large(f"{path}/Content", limits.max_bytes)]
    return check_v_att_3_type(data, attachment.content_type, path, limits)


def check_v_att_3_type(
    data: bytes, content_type: str, path: str, limits: AttachmentLimits
) -> list[Anomaly]:
    """V-ATT-3: the bytes are one of the ⚙ allowed types by signature, and `ContentType`
    names that type (70013-008)."""
    detected = detect_file_type(data, limits.types)
    if detected is None:
        names = ", ".join(limits.types)
        return [anomaly(
            "70013-008", B, f"{path}/Content",
            f"The attachment is not one of the accepted file types ({names}).",
            f"La pièce jointe n'est pas d'un type de fichier accepté ({names}).",
            f"De bijlage is geen aanvaard bestandstype ({names}).",
        )]
    if content_type.strip().lower() != detected.content_type:
        return [anomaly(
            "70013-008", B, f"{path}/ContentType",
            f"The content type does not match the file, which is {detected.content_type}.",
            f"Le type de contenu ne correspond pas au fichier, qui est {detected.content_type}.",
            f"Het inhoudstype komt niet overeen met het bestand, dat {detected.content_type} is.",
        )]
    return []


def detect_file_type(data: bytes, allowed: Sequence[str]) -> FileType | None:
    return next(
        (t for t in FILE_TYPES if t.name in allowed and data.startswith(t.signature)), None
    )


def _stripped(content: str) -> str:
    return content.translate(_WHITESPACE)


def _estimated_size(text: str) -> int:
    """Decoded size of a base64 text (exact when the text is valid)."""
    return len(text) // 4 * 3 - text[-2:].count("=")


def _too_large(path: str, max_bytes: int) -> Anomaly:
    mib = max_bytes / (1024 * 1024)
    return anomaly(
        "70013-093", B, path,
        f"The attachment is larger than {mib:g} MiB once decoded.",
        f"La pièce jointe dépasse {mib:g} Mio une fois décodée.",
        f"De bijlage is na decodering groter dan {mib:g} MiB.",
    )


def _not_base64(path: str) -> Anomaly:
    return anomaly(
        "70013-003", B, path,
        "The attachment content is not valid base64.",
        "Le contenu de la pièce jointe n'est pas du base64 valide.",
        "De inhoud van de bijlage is geen geldige base64.",
    )


def _empty(path: str) -> Anomaly:
    return anomaly(
        "70013-003", B, path,
        "The attachment is empty.",
        "La pièce jointe est vide.",
        "De bijlage is leeg.",
    )
