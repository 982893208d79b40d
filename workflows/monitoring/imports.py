"""Importing monitoring data from Excel (.xlsx) or CSV in two steps: a preview that lists every
row that is wrong and why, then a confirmation that stores the good rows. Nothing is stored from
a file with errors unless the user excludes those rows explicitly.

Reading a file is bounded before and while it is parsed (S4): the zip's declared sizes, per part
as well as in total, and the sheet's declared size are checked before any row is read, and rows
are streamed with a maximum number of rows and columns. ``read_table`` needs no database: call it
before the transaction that stores the preview, because on SQLite that transaction holds the
write lock from its BEGIN IMMEDIATE and everyone else would wait for the parse (S30).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.monitoring import ClientCount, Import, RequestFigure, Stay
from storage.organisations import Organisation
from workflows import audit
from workflows.actors import Actor
from workflows.errors import InvalidInput, NotFound
from workflows.registers import arrangements
from workflows.rules import fields
from workflows.rules.dates import parse_date
from workflows.rules.dutch_format import decimal_number
from workflows.rules.figure_imports import ImportKind
from workflows.rules.roles import Permission
from workflows.rules.text import text_problem

_MB = 1024 * 1024
MAX_BYTES = 5 * _MB
MAX_UNPACKED = 50 * _MB
# A sheet of the 20 000 rows allowed, with the columns of any import, is about 5 MB of XML;
# parsing 12 MB takes a few seconds. The total alone would let one sheet of 50 MB through.
MAX_PART_UNPACKED = 12 * _MB
MAX_ENTRIES = 2_000
MAX_RATIO = 100
# Small parts (styles, a sheet of a few rows) compress well and inflate to little; the ratio is
# for the big ones, as for Word templates.
RATIO_CHECKED_FROM = 1 * _MB
# Rows with content below the header.
MAX_ROWS = 20_000
# The sheet's length, blank rows included: openpyxl makes up each row a sheet skips, so a
# last row numbered a million would otherwise cost a million made-up rows.
MAX_SHEET_ROWS = 100_000
# The widest import has six columns; the rest leaves room for notes beside them.
MAX_COLUMNS = 30
EXCEL_EPOCH = date(1899, 12, 30)

COLUMNS: dict[str, list[str]] = {
    "requests": [
        "Aanbieder",
        "Aanvragen",
        "Geplaatst",
        "Niet geplaatst",
        "Onbekend",
        "Geannuleerd",
    ],
    "stays": ["Locatie", "Gemeente", "Financiering", "Begin", "Eind"],
    "clients": ["Gemeente", "Wmo", "Wlz"],
}
KIND_LABELS = ImportKind.labels()


def template_csv(kind: str) -> bytes:
    """A blank import file for ``kind``: the header row, `;`-separated, UTF-8 with BOM."""
    if kind not in COLUMNS:
        raise NotFound("Deze soort import bestaat niet.")
    return ("\ufeff" + ";".join(COLUMNS[kind]) + "\r\n").encode("utf-8")


# Reading the file --------------------------------------------------------------------------------


def read_table(filename: str, content: bytes) -> list[list[Any]]:
    """The rows with content of the first sheet (xlsx) or of the CSV file, checked before and
    while parsing. Touches no database."""
    if not content:
        raise InvalidInput({"file": "Bestand: het bestand is leeg."})
    if len(content) > MAX_BYTES:
        raise InvalidInput(
            {"file": f"Bestand: te groot ({len(content) // _MB} MB); ten hoogste 5 MB."}
        )
    if content[:4] == b"PK\x03\x04":
        return _read_xlsx(content)
    if filename.lower().endswith((".xlsx", ".xlsm", ".xls")):
        raise InvalidInput({"file": _NOT_XLSX})
    return _read_csv(content)


_NOT_XLSX = "Bestand: dit is geen geldig Excel-bestand (.xlsx)."
_UNREADABLE = "Bestand: het Excel-bestand kan niet worden gelezen."


def _read_csv(content: bytes) -> list[list[Any]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            {"file": "Bestand: de tekst is geen UTF-8; sla het CSV-bestand op als 'CSV UTF-8'."}
        ) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    return _within_limits(csv.reader(io.StringIO(text), delimiter=delimiter))


def _read_xlsx(content: bytes) -> list[list[Any]]:
    _check_archive(content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds; all mean: not a readable workbook
        raise InvalidInput({"file": _UNREADABLE}) from None
    try:
        sheet = workbook.worksheets[0]
        _check_declared_size(sheet.max_row, sheet.max_column)
        # Explicit bounds: openpyxl would otherwise pad every row to the width the sheet
        # declares (up to 16 384 columns) and make up every row a sheet skips.
        rows = sheet.iter_rows(
            values_only=True, max_col=MAX_COLUMNS + 1, max_row=MAX_SHEET_ROWS + 1
        )
        return _within_limits(rows)
    except InvalidInput:
        raise
    except Exception:
        raise InvalidInput({"file": _UNREADABLE}) from None
    finally:
        workbook.close()


def _check_archive(content: bytes) -> None:
    """Zip bombs are refused on the declared sizes, before anything is unpacked: each part's
    size and ratio, not only the total, or one huge sheet beside an incompressible part passes
    with a harmless average. zipfile never inflates a part beyond its declared size."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise InvalidInput({"file": _NOT_XLSX}) from None
    if len(entries) > MAX_ENTRIES:
        raise InvalidInput({"file": "Bestand: het Excel-bestand bevat te veel onderdelen."})
    for entry in entries:
        if entry.file_size > MAX_PART_UNPACKED:
            raise InvalidInput(
                {
                    "file": "Bestand: het Excel-bestand pakt verdacht groot uit: één onderdeel "
                    f"wordt {_megabytes(entry.file_size)} (ten hoogste "
                    f"{_megabytes(MAX_PART_UNPACKED)} per onderdeel). Het is geweigerd zonder "
                    "het uit te pakken."
                }
            )
        if entry.file_size >= RATIO_CHECKED_FROM and (
            entry.file_size > entry.compress_size * MAX_RATIO
        ):
            ratio = entry.file_size // max(entry.compress_size, 1)
            raise InvalidInput(
                {
                    "file": "Bestand: het Excel-bestand pakt verdacht groot uit: één onderdeel "
                    f"is {decimal_number(ratio)} keer zo groot als ingepakt (ten hoogste "
                    f"{MAX_RATIO} keer). Het is geweigerd zonder het uit te pakken."
                }
            )
    unpacked = sum(e.file_size for e in entries)
    packed = max(sum(e.compress_size for e in entries), 1)
    if unpacked > MAX_UNPACKED or unpacked / packed > MAX_RATIO:
        raise InvalidInput(
            {"file": "Bestand: het Excel-bestand pakt verdacht groot uit en is geweigerd."}
        )
    names = {e.filename for e in entries}
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise InvalidInput({"file": _NOT_XLSX})


def _check_declared_size(rows: int | None, columns: int | None) -> None:
    """Excel writes the size of the used range at the top of the sheet: a sheet too large is
    refused before its rows are read. A file may lie about it or leave it out; the streaming
    limits catch that."""
    if columns is not None and columns > MAX_COLUMNS:
        raise InvalidInput(
            {"file": _too_wide(f"het blad is {decimal_number(columns)} kolommen breed")}
        )
    if rows is not None and rows > MAX_SHEET_ROWS:
        raise InvalidInput({"file": _too_long()})


def _within_limits(rows: Iterable[Sequence[Any]]) -> list[list[Any]]:
    """The rows with content, each up to its last value, read one at a time and stopped at
    the first row beyond the limits."""
    kept: list[list[Any]] = []
    for position, row in enumerate(rows, start=1):
        if position > MAX_SHEET_ROWS:
            raise InvalidInput({"file": _too_long()})
        width = _width(row)
        if width > MAX_COLUMNS:
            raise InvalidInput(
                {
                    "file": _too_wide(
                        f"regel {decimal_number(position)} loopt verder dan kolom {MAX_COLUMNS}"
                    )
                }
            )
        if width == 0:
            continue
        if len(kept) > MAX_ROWS:  # the header and MAX_ROWS rows are kept already
            raise InvalidInput(
                {
                    "file": f"Bestand: het blad heeft meer dan {decimal_number(MAX_ROWS)} "
                    f"regels; ten hoogste {decimal_number(MAX_ROWS)} regels onder de "
                    "kopregel. Verdeel de gegevens over meer bestanden."
                }
            )
        kept.append(list(row[:width]))
    return kept


def _width(row: Sequence[Any]) -> int:
    for index in range(len(row) - 1, -1, -1):
        if row[index] not in (None, ""):
            return index + 1
    return 0


def _too_wide(opening: str) -> str:
    return (
        f"Bestand: {opening}; ten hoogste {MAX_COLUMNS} kolommen. Verwijder de kolommen die "
        "niet bij de import horen."
    )


def _too_long() -> str:
    return (
        f"Bestand: het blad loopt door voorbij regel {decimal_number(MAX_SHEET_ROWS)}; ten "
        f"hoogste {decimal_number(MAX_SHEET_ROWS)} regels, lege regels meegeteld. Verwijder "
        "de lege regels onder de gegevens."
    )


def _megabytes(size: int) -> str:
    return f"{decimal_number(size // _MB)} MB"


# Checking the rows ------------------------------------------------------------------------------


@dataclass
class _Row:
    number: int
    values: dict[str, Any]
    problems: list[str]


def _whole(value: Any, label: str, problems: list[str]) -> int:
    if value in (None, ""):
        return 0
    try:
        # A count column holds at most 2^31-1 on PostgreSQL: a larger one is a wrong cell.
        return fields.parse_whole(value, label=label, minimum=0, maximum=fields.MAX_ID)
    except fields.FieldError as error:
        problems.append(str(error))
        return 0


def _day(value: Any, label: str, problems: list[str]) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value < 100_000:
        return EXCEL_EPOCH + timedelta(days=int(value))  # an Excel serial date
    text = str(value or "").strip()
    serial = fields.whole_or_none(text, minimum=1, maximum=99_999)
    if serial is not None:
        return EXCEL_EPOCH + timedelta(days=serial)
    try:
        return parse_date(text, label=label)
    except ValueError as error:
        problems.append(str(error))
        return None


def _text(value: Any, label: str, problems: list[str]) -> str:
    text = str(value or "").strip()
    problem = text_problem(text, label=label, max_length=300)
    if problem:
        problems.append(problem)
    return text


@dataclass(frozen=True)
class _Bed:
    id: int
    location: str
    available_from: date
    available_until: date | None


@dataclass(frozen=True)
class Lookup:
    """What the rows of an import are looked up in, read in one short transaction so that
    checking twenty thousand rows needs none (S30)."""

    arrangement_id: int
    arrangement_name: str
    kind: str
    # by name in lower case: (id, kind) of each participating organisation, the bed of each
    # location
    organisations: dict[str, tuple[int, str]]
    beds: dict[str, _Bed]
    stays: frozenset[tuple[int, date]]


def _check(lookup: Lookup, year: int, table: list[list[Any]]) -> list[_Row]:
    kind, arrangement_name = lookup.kind, lookup.arrangement_name
    rows = [r for r in table if any(c not in (None, "") for c in r)]
    if not rows:
        raise InvalidInput({"file": "Bestand: het blad is leeg."})
    header = [str(c or "").strip().lower() for c in rows[0]]
    wanted = COLUMNS[kind]
    missing = [c for c in wanted if c.lower() not in header]
    if missing:
        raise InvalidInput(
            {
                "file": "Bestand: kolommen ontbreken: "
                + ", ".join(missing)
                + ". Gebruik het lege sjabloon."
            }
        )
    index = {c: header.index(c.lower()) for c in wanted}
    participants = lookup.organisations
    locations = lookup.beds
    checked: list[_Row] = []
    seen: set[tuple[Any, ...]] = set()
    for number, raw in enumerate(rows[1:], start=2):
        cell = {c: (raw[i] if i < len(raw) else None) for c, i in index.items()}
        problems: list[str] = []
        values: dict[str, Any] = {}
        if kind == "requests":
            name = _text(cell["Aanbieder"], "Aanbieder", problems)
            provider = participants.get(name.lower())
            if provider is None or provider[1] != "provider":
                problems.append(
                    f"Aanbieder: '{name[:60]}' is geen aanbieder van {arrangement_name}."
                )
            counts = {c: _whole(cell[c], c, problems) for c in wanted[1:]}
            if counts["Aanvragen"] != sum(counts[c] for c in wanted[2:]):
                problems.append(
                    f"Totalen kloppen niet: {counts['Aanvragen']} aanvragen, maar geplaatst + niet "
                    f"geplaatst + onbekend + geannuleerd = {sum(counts[c] for c in wanted[2:])}."
                )
            values = {
                "provider_id": provider[0] if provider else None,
                **{c: counts[c] for c in wanted[1:]},
            }
            key: tuple[Any, ...] = ("provider", values["provider_id"])
        elif kind == "clients":
            name = _text(cell["Gemeente"], "Gemeente", problems)
            municipality = participants.get(name.lower())
            if municipality is None or municipality[1] != "municipality":
                problems.append(f"Gemeente: '{name[:60]}' neemt niet deel aan {arrangement_name}.")
            values = {
                "municipality_id": municipality[0] if municipality else None,
                "wmo": _whole(cell["Wmo"], "Wmo", problems),
                "wlz": _whole(cell["Wlz"], "Wlz", problems),
            }
            key = ("municipality", values["municipality_id"])
        else:
            location = _text(cell["Locatie"], "Locatie", problems)
            bed = locations.get(location.lower())
            if bed is None:
                problems.append(f"Locatie: '{location[:60]}' heeft geen bed in {arrangement_name}.")
            name = _text(cell["Gemeente"], "Gemeente", problems)
            municipality = participants.get(name.lower())
            if municipality is None or municipality[1] != "municipality":
                problems.append(f"Gemeente: '{name[:60]}' neemt niet deel aan {arrangement_name}.")
            financing = str(cell["Financiering"] or "").strip().lower()
            if financing not in {"wmo", "wlz"}:
                problems.append("Financiering: kies Wmo of Wlz.")
            start = _day(cell["Begin"], "Begin", problems)
            end = _day(cell["Eind"], "Eind", problems)
            if start and end and end < start:
                problems.append("Eind: ligt vóór het begin.")
            if bed and start and end:
                last = bed.available_until or date.max
                if start < bed.available_from or end > last:
                    problems.append(
                        "Het verblijf valt buiten de beschikbaarheid van het bed in "
                        f"{bed.location}."
                    )
                if (bed.id, start) in lookup.stays:
                    problems.append("Dit verblijf staat al in Besluitwerk.")
            if start and start.year != year and (not end or end.year != year):
                problems.append(f"Het verblijf valt niet in {year}.")
            values = {
                "bed_id": bed.id if bed else None,
                "municipality_id": municipality[0] if municipality else None,
                "financing": financing,
                "start_on": start.isoformat() if start else None,
                "end_on": end.isoformat() if end else None,
            }
            key = ("stay", values["bed_id"], values["start_on"])
        if key in seen and not problems:
            problems.append("Deze regel staat twee keer in het bestand.")
        seen.add(key)
        checked.append(_Row(number, values, problems))
    return checked


# Use cases ---------------------------------------------------------------------------------------


def lookup(session: Session, actor: Actor, arrangement_id: int, *, kind: str) -> Lookup:
    """The arrangement's participants, beds and stays, for checking an import of ``kind``."""
    actor.require(Permission.EDIT_ARRANGEMENTS)
    arrangement = arrangements.visible(session, actor, arrangement_id)
    if kind not in COLUMNS:
        raise InvalidInput({"kind": "Soort: kies aanvragen, verblijven of cliënten."})
    stays = session.execute(
        select(Stay.bed_id, Stay.start_on).where(Stay.arrangement_id == arrangement.id)
    ).all()
    return Lookup(
        arrangement_id=arrangement.id,
        arrangement_name=arrangement.name,
        kind=kind,
        organisations={
            p.organisation.name.lower(): (p.organisation.id, p.organisation.kind)
            for p in arrangement.participants
        },
        beds={
            b.location.name.lower(): _Bed(
                b.id, b.location.name, b.available_from, b.available_until
            )
            for b in arrangement.beds
        },
        stays=frozenset((bed_id, start_on) for bed_id, start_on in stays),
    )


def preview(
    session: Session,
    actor: Actor,
    found: Lookup,
    *,
    year: int,
    filename: str,
    table: list[list[Any]],
) -> Import:
    """Checks the rows of a file already read (``read_table``) against the arrangement as
    ``lookup`` found it, and keeps them as a preview. The rows are checked before the session
    is first used, so that on SQLite the write transaction begins only for storing them."""
    actor.require(Permission.EDIT_ARRANGEMENTS)
    checked = _check(found, year, table)
    # Still there, and still visible to the actor, now that the preview is stored.
    arrangements.visible(session, actor, found.arrangement_id)
    batch = Import(
        arrangement_id=found.arrangement_id,
        kind=found.kind,
        year=year,
        filename=filename[:255],
        status="preview",
        rows=[{"row": r.number, **r.values} for r in checked],
        problems=[{"row": r.number, "messages": r.problems} for r in checked if r.problems],
        created_by_id=actor.user_id,
    )
    session.add(batch)
    session.flush()
    audit.record(
        session,
        actor,
        action="import_preview",
        object_type="import",
        object_id=batch.id,
        new_values={
            "kind": found.kind,
            "year": year,
            "rows": len(checked),
            "problems": len(batch.problems),
        },
    )
    return batch


def get(session: Session, actor: Actor, import_id: int) -> Import:
    actor.require(Permission.EDIT_ARRANGEMENTS)
    batch = session.get(Import, import_id)
    if batch is None or batch.arrangement_id not in arrangements.visible_ids(session, actor):
        raise NotFound("Deze import bestaat niet of u heeft er geen toegang toe.")
    return batch


def confirm(
    session: Session, actor: Actor, import_id: int, *, exclude: Sequence[int], now: datetime
) -> Import:
    """Store the rows of a preview. Rows with problems must be excluded explicitly; a second
    confirmation stores nothing again."""
    batch = get(session, actor, import_id)
    if batch.status == "confirmed":
        return batch
    bad = {p["row"] for p in batch.problems}
    left = sorted(bad - set(exclude))
    if left:
        raise InvalidInput(
            {
                "exclude": "Regel "
                + ", ".join(map(str, left))
                + " bevat fouten: sluit die regels uit, of verbeter het bestand en lees het "
                "opnieuw in."
            }
        )
    rows = [r for r in batch.rows if r["row"] not in set(exclude)]
    if batch.kind == "requests":
        session.execute(
            delete(RequestFigure).where(
                RequestFigure.arrangement_id == batch.arrangement_id,
                RequestFigure.year == batch.year,
            )
        )
        for r in rows:
            session.add(
                RequestFigure(
                    arrangement_id=batch.arrangement_id,
                    year=batch.year,
                    provider_id=r["provider_id"],
                    requested=r["Aanvragen"],
                    placed=r["Geplaatst"],
                    not_placed=r["Niet geplaatst"],
                    unknown=r["Onbekend"],
                    cancelled=r["Geannuleerd"],
                    import_id=batch.id,
                )
            )
    elif batch.kind == "clients":
        session.execute(
            delete(ClientCount).where(
                ClientCount.arrangement_id == batch.arrangement_id, ClientCount.year == batch.year
            )
        )
        for r in rows:
            session.add(
                ClientCount(
                    arrangement_id=batch.arrangement_id,
                    year=batch.year,
                    municipality_id=r["municipality_id"],
                    wmo=r["wmo"],
                    wlz=r["wlz"],
                    import_id=batch.id,
                )
            )
    else:
        for r in rows:
            session.add(
                Stay(
                    arrangement_id=batch.arrangement_id,
                    bed_id=r["bed_id"],
                    municipality_id=r["municipality_id"],
                    financing=r["financing"],
                    start_on=date.fromisoformat(r["start_on"]),
                    end_on=date.fromisoformat(r["end_on"]),
                    import_id=batch.id,
                )
            )
    batch.status = "confirmed"
    batch.confirmed_at = now
    session.flush()
    audit.record(
        session,
        actor,
        action="import_confirm",
        object_type="import",
        object_id=batch.id,
        new_values={"stored": len(rows), "excluded": sorted(set(exclude))},
    )
    return batch


def organisation_names(session: Session, ids: Sequence[int]) -> dict[int, str]:
    return {
        o.id: o.name for o in session.scalars(select(Organisation).where(Organisation.id.in_(ids)))
    }
