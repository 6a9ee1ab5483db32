"""Bulk files (RULES 3.12): file-level checks that stop the file, cross-item checks per item.

V-BLK-1 FileReference, V-BLK-2 item count and `@seq`, V-BLK-3 RequestReference unique in the
file, V-BLK-4 no overlapping submissions in one file. V-MSG-3 (reference already used) needs
the store and lives in the bulk intake, which reuses `parse_file_reference`.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
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
    found: list[Anomaly | None] = []
    if not 1 <= len(items) <= maximum:
        found.append(anomaly(
            "90000-090", B, "/BulkFile",
            f"A file must carry between 1 and {maximum} items; this one has {len(items)}.",
            f"Un fichier doit contenir entre 1 et {maximum} éléments ; celui-ci en a "
            f"{len(items)}.",
            f"Een bestand moet tussen 1 en {maximum} items bevatten; dit bevat er {len(items)}.",
        ))
    counts = Counter(item.seq for item in items)
    for seq in sorted(seq for seq, n in counts.items() if n > 1):
        found.append(anomaly(
            "90000-006", B, item_path(seq),
            f"Sequence number {seq} is used by more than one item.",
            f"Le numéro de séquence {seq} est utilisé par plusieurs éléments.",
            f"Volgnummer {seq} wordt door meer dan één item gebruikt.",
        ))
    return found


def max_items(ctx: RuleContext) -> int:
    """⚙ `bulk.max_items` on the processing date; DEFAULT_MAX_ITEMS while the table has none."""
    if MAX_ITEMS_PARAMETER not in ctx.parameters.names():
        return DEFAULT_MAX_ITEMS
    return ctx.parameters.int_value(MAX_ITEMS_PARAMETER, ctx.processing_date)


# ---- cross-item: the later item (by @seq) is refused, the file goes on -----------------------


def check_bulk_items(cmd: BulkFile) -> dict[int, list[Anomaly]]:
    """V-BLK-3 and V-BLK-4, keyed by `@seq`; only items with an anomaly appear. Paths are full
    (`/BulkFile/Item[@seq="N"]/...`)."""
    refused: dict[int, list[Anomaly]] = {}
    ordered = sorted(cmd.items, key=lambda item: item.seq)
    for found in (*check_v_blk_3_references(ordered), *check_v_blk_4_overlaps(ordered)):
        seq, finding = found
        refused.setdefault(seq, []).append(finding)
    return refused


def check_v_blk_3_references(ordered: list[BulkItem]) -> list[tuple[int, Anomaly]]:
    """V-BLK-3: a RequestReference already used by an earlier item refuses the later one."""
    first_seq: dict[str, int] = {}
    found: list[tuple[int, Anomaly]] = []
    for item in ordered:
        reference = item.command.request_reference
        if reference in first_seq:
            found.append((item.seq, _duplicate_reference(item, first_seq[reference])))
        else:
            first_seq[reference] = item.seq
    return found


def _duplicate_reference(item: BulkItem, first: int) -> Anomaly:
    return anomaly(
        "70015-006", B, f"{_command_path(item)}/RequestReference",
        f"This request reference is already used by item {first} of the same file.",
        f"Cette référence de demande est déjà utilisée par l'élément {first} du même fichier.",
        f"Deze aanvraagreferentie wordt al gebruikt door item {first} van hetzelfde bestand.",
    )


def check_v_blk_4_overlaps(ordered: list[BulkItem]) -> list[tuple[int, Anomaly]]:
    """V-BLK-4: a submission overlapping an earlier one of the file for the same employer,
    INSS and scheme is refused (an absent EndDate runs forever)."""
    earlier: list[tuple[int, SubmitRequest]] = []
    found: list[tuple[int, Anomaly]] = []
    for item in ordered:
        if not isinstance(item.command, SubmitRequest):
            continue
        clash = next((seq for seq, other in earlier if _overlap(item.command, other)), None)
        if clash is not None:
            found.append((item.seq, _overlapping(item, clash)))
        earlier.append((item.seq, item.command))
    return found


def _overlap(one: SubmitRequest, other: SubmitRequest) -> bool:
    same_key = (
        one.employer.company_id == other.employer.company_id
        and one.worker.inss == other.worker.inss
        and one.scheme == other.scheme
    )
    return (
        same_key
        and (other.end_date is None or one.start_date <= other.end_date)
        and (one.end_date is None or other.start_date <= one.end_date)
    )


def _overlapping(item: BulkItem, first: int) -> Anomaly:
    return anomaly(
        "70004-006", B, f"{_command_path(item)}/StartDate",
        f"This period overlaps the request of item {first} in the same file for the same worker"
        " and scheme.",
        f"Cette période chevauche la demande de l'élément {first} du même fichier pour le même"
        " travailleur et le même régime.",
        f"Deze periode overlapt de aanvraag van item {first} in hetzelfde bestand voor dezelfde"
        " werknemer en dezelfde regeling.",
    )


def _command_path(item: BulkItem) -> str:
    # The command classes are named after their XML root elements.
    return f"{item_path(item.seq)}/{type(item.command).__name__}"
