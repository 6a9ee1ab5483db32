"""Bulk files (RULES 3.12): file-level checks that stop the file, cross-item checks per item.

V-BLK-1 FileReference, V-BLK-2 item count and `@seq`, V-BLK-3 RequestReference unique in the
file, V-BLK-4 no overlapping submissions in one file. V-MSG-3 (reference already used) needs
the store and lives in the bulk intake, which reuses `parse_file_reference`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date

from service.domain.anomalies import Anomaly, Severity, anomaly
from service.domain.codes import Environment
from service.domain.commands import BulkFile, BulkItem, SubmitRequest
from service.domain.rules.context import RuleContext

B = Severity.BLOCKING

FILE_REFERENCE_PATH = "/BulkFile/FileReference"
MAX_ITEMS_PARAMETER = "bulk.max_items"
# Used only while the dated parameters hold no `bulk.max_items` record.
DEFAULT_MAX_ITEMS = 100_000

_FILE_REFERENCE = re.compile(
    r"FI\.ELO\.(?P<sender>[0-9]{6})\.(?P<day>[0-9]{8})\.(?P<sequence>[A-Za-z0-9]{5})"
    r"\.(?P<env>[RT])(?:\.(?P<parts>[0-9]{1,4})\.(?P<part>[0-9]{1,4}))?"
)


@dataclass(frozen=True)
class FileReferenceParts:
    """A parsed `FI.ELO.<sender>.<YYYYMMDD>.<sequence>.<R|T>[.<parts>.<part>]`.

    `parts` and `part` are both None for a file sent in one piece.
    """

    sender_number: str
    date: date
    sequence: str
    environment: Environment
    parts: int | None = None
    part: int | None = None

    def render(self) -> str:
        text = f"FI.ELO.{self.sender_number}.{self.date:%Y%m%d}.{self.sequence}"
        text += f".{self.environment.value}"
        if self.parts is not None and self.part is not None:
            text += f".{self.parts}.{self.part}"
        return text


def item_path(seq: int) -> str:
    """The XPath prefix of one item: every anomaly about an item starts with it."""
    return f'/BulkFile/Item[@seq="{seq}"]'


def parse_file_reference(value: str) -> FileReferenceParts | None:
    """The parts of a well-formed reference, or None: wrong shape, a date that does not exist,
    or not 1 <= part <= parts. The checks that need a context (sender number, processing date)
    are in `check_bulk_file`."""
    match = _FILE_REFERENCE.fullmatch(value)
    if match is None:
        return None
    day = _real_date(match["day"])
    parts = None if match["parts"] is None else int(match["parts"])
    part = None if match["part"] is None else int(match["part"])
    if day is None or (parts is not None and part is not None and not 1 <= part <= parts):
        return None
    return FileReferenceParts(
        sender_number=match["sender"],
        date=day,
        sequence=match["sequence"],
        environment=Environment(match["env"]),
        parts=parts,
        part=part,
    )


def _real_date(yyyymmdd: str) -> date | None:
    try:
        return date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except ValueError:
        return None


# ---- file level: any B stops the whole file ---------------------------------------------------


def check_bulk_file(cmd: BulkFile, ctx: RuleContext) -> list[Anomaly]:
    """V-BLK-1 and V-BLK-2: anomalies that refuse the file as a whole."""
    found = [check_v_blk_1_file_reference(cmd.file_reference, ctx)]
    found += check_v_blk_2_items(cmd.items, max_items(ctx))
    return [a for a in found if a is not None]


def check_v_blk_1_file_reference(value: str, ctx: RuleContext) -> Anomaly | None:
    """V-BLK-1: present (70018-001); well formed, own sender number, real date not after the
    processing date, 1 <= part <= parts (70018-003)."""
    if not value.strip():
        return anomaly(
            "70018-001", B, FILE_REFERENCE_PATH,
            "The file reference is missing.",
            "La référence du fichier est absente.",
            "De bestandsreferentie ontbreekt.",
        )
    parts = parse_file_reference(value)
    if (
        parts is None
        or parts.date > ctx.processing_date
        or (ctx.sender_number is not None and parts.sender_number != ctx.sender_number)
    ):
        return anomaly(
            "70018-003", B, FILE_REFERENCE_PATH,
            "The file reference is invalid: expected FI.ELO.<your sender number>.<YYYYMMDD>"
            ".<5 letters or digits>.<R|T>[.<parts>.<part>] with a date not in the future.",
            "La référence du fichier est invalide : attendu FI.ELO.<votre numéro d'expéditeur>"
            ".<AAAAMMJJ>.<5 lettres ou chiffres>.<R|T>[.<parties>.<partie>], date non future.",
            "De bestandsreferentie is ongeldig: verwacht FI.ELO.<uw afzendernummer>"
            ".<JJJJMMDD>.<5 letters of cijfers>.<R|T>[.<delen>.<deel>], datum niet in de toekomst.",
        )
    return None


def check_v_blk_2_items(items: tuple[BulkItem, ...], maximum: int) -> list[Anomaly | None]:
    """V-BLK-2: 1 <= item count <= maximum (90000-090); `@seq` values unique (90000-006)."""
    counts = Counter(item.seq for item in items)
    return list(check_v_blk_2_counts(
        len(items), [seq for seq, n in counts.items() if n > 1], maximum
    ))


def check_v_blk_2_counts(
    count: int, repeated_seqs: Iterable[int], maximum: int
) -> list[Anomaly]:
    """V-BLK-2 on what a streamed file yields: its item count (all parts of a logical file
    together) and the `@seq` values used more than once (within or across parts)."""
    found: list[Anomaly] = []
    if not 1 <= count <= maximum:
        found.append(anomaly(
            "90000-090", B, "/BulkFile",
            f"A file must carry between 1 and {maximum} items; this one has {count}.",
            f"Un fichier doit contenir entre 1 et {maximum} éléments ; celui-ci en a "
            f"{count}.",
            f"Een bestand moet tussen 1 en {maximum} items bevatten; dit bevat er {count}.",
        ))
    for seq in sorted(set(repeated_seqs)):
        found.append(anomaly(
            "90000-006", B, item_path(seq),
            f"Sequence number {seq} is used by more than one item.",
            f"Le numéro de séquence {seq} est utilisé par plusieurs éléments.",
            f"Volgnummer {seq} wordt door meer dan één item gebruikt.",
        ))
    return found


def v_msg_3_reference_used() -> Anomaly:
    """V-MSG-3: the FileReference (or this part of it) was already used in an accepted file."""
    return anomaly(
        "70018-133", B, FILE_REFERENCE_PATH,
        "This file reference was already used in an accepted file.",
        "Cette référence de fichier a déjà été utilisée pour un fichier accepté.",
        "Deze bestandsreferentie werd al gebruikt voor een aanvaard bestand.",
    )


def v_blk_1_parts_differ(expected: int) -> Anomaly:
    """V-BLK-1: a part announcing another number of parts than the parts already received."""
    return anomaly(
        "70018-003", B, FILE_REFERENCE_PATH,
        f"The file reference is invalid: the parts already received announce {expected} parts.",
        f"La référence du fichier est invalide : les parties déjà reçues en annoncent "
        f"{expected}.",
        f"De bestandsreferentie is ongeldig: de reeds ontvangen delen kondigen er {expected} "
        "aan.",
    )


def logical_reference(parts: FileReferenceParts) -> str:
    """The reference of the logical file: without the `.<parts>.<part>` suffix."""
    return replace(parts, parts=None, part=None).render()


def max_items(ctx: RuleContext) -> int:
    """⚙ `bulk.max_items` on the processing date; DEFAULT_MAX_ITEMS while the table has none."""
    if MAX_ITEMS_PARAMETER not in ctx.parameters.names():
        return DEFAULT_MAX_ITEMS
    return ctx.parameters.int_value(MAX_ITEMS_PARAMETER, ctx.processing_date)


# ---- cross-item: the later item (by @seq) is refused, the file goes on -----------------------


def check_bulk_items(cmd: BulkFile) -> dict[int, list[Anomaly]]:
    """V-BLK-3 and V-BLK-4, keyed by `@seq`; only items with an anomaly appear. Paths are full
    (`/BulkFile/Item[@seq="N"]/...`)."""
    ordered = sorted(cmd.items, key=lambda item: item.seq)
    refused: dict[int, list[Anomaly]] = {}
    for seq, finding in cross_item_refusals(item_key(item) for item in ordered):
        refused.setdefault(seq, []).append(finding)
    return refused


@dataclass(frozen=True)
class SubmissionKey:
    """What V-BLK-4 compares of a SubmitRequest."""

    company_id: str
    inss: str
    scheme: str
    start: date
    end: date | None


@dataclass(frozen=True)
class ItemKey:
    """What the cross-item rules need of one item: a file's V-BLK-3 and V-BLK-4 run on its
    keys alone, so a 50,000-item file never has to be in memory as commands."""

    seq: int
    root: str  # the item's message element, e.g. "SubmitRequest"
    request_reference: str
    submission: SubmissionKey | None = None


def item_key(item: BulkItem) -> ItemKey:
    command = item.command
    submission = None
    if isinstance(command, SubmitRequest):
        submission = SubmissionKey(
            command.employer.company_id, command.worker.inss, str(command.scheme),
            command.start_date, command.end_date,
        )
    # The command classes are named after their XML root elements.
    return ItemKey(item.seq, type(command).__name__, command.request_reference, submission)


def cross_item_refusals(keys: Iterable[ItemKey]) -> Iterator[tuple[int, Anomaly]]:
    """V-BLK-3 then V-BLK-4 for each item, given in `@seq` order: (seq, anomaly) pairs for the
    later items that are refused. Memory: one entry per reference and per submission."""
    first_seq: dict[str, int] = {}
    earlier: dict[tuple[str, str, str], list[tuple[int, SubmissionKey]]] = {}
    for key in keys:
        reference = key.request_reference
        if reference in first_seq:
            yield key.seq, _duplicate_reference(key, first_seq[reference])
        else:
            first_seq[reference] = key.seq
        if key.submission is None:
            continue
        sub = key.submission
        same = earlier.setdefault((sub.company_id, sub.inss, sub.scheme), [])
        clash = next((seq for seq, other in same if _overlap(sub, other)), None)
        if clash is not None:
            yield key.seq, _overlapping(key, clash)
        same.append((key.seq, sub))


def check_v_blk_3_references(ordered: list[BulkItem]) -> list[tuple[int, Anomaly]]:
    """V-BLK-3: a RequestReference already used by an earlier item refuses the later one."""
    keys = [replace(item_key(item), submission=None) for item in ordered]
    return list(cross_item_refusals(keys))


def _duplicate_reference(item: ItemKey, first: int) -> Anomaly:
    return anomaly(
        "70015-006", B, f"{_command_path(item)}/RequestReference",
        f"This request reference is already used by item {first} of the same file.",
        f"Cette référence de demande est déjà utilisée par l'élément {first} du même fichier.",
        f"Deze aanvraagreferentie wordt al gebruikt door item {first} van hetzelfde bestand.",
    )


def check_v_blk_4_overlaps(ordered: list[BulkItem]) -> list[tuple[int, Anomaly]]:
    """V-BLK-4: a submission overlapping an earlier one of the file for the same employer,
    INSS and scheme is refused (an absent EndDate runs forever)."""
    # Distinct references, so only the overlaps are found.
    keys = [replace(item_key(item), request_reference=f"{item.seq}") for item in ordered]
    return list(cross_item_refusals(keys))


def _overlap(one: SubmissionKey, other: SubmissionKey) -> bool:
    return (
        (other.end is None or one.start <= other.end)
        and (one.end is None or other.start <= one.end)
    )


def _overlapping(item: ItemKey, first: int) -> Anomaly:
    return anomaly(
        "70004-006", B, f"{_command_path(item)}/StartDate",
        f"This period overlaps the request of item {first} in the same file for the same worker"
        " and scheme.",
        f"Cette période chevauche la demande de l'élément {first} du même fichier pour le même"
        " travailleur et le même régime.",
        f"Deze periode overlapt de aanvraag van item {first} in hetzelfde bestand voor dezelfde"
        " werknemer en dezelfde regeling.",
    )


def _command_path(item: ItemKey) -> str:
    return f"{item_path(item.seq)}/{item.root}"
