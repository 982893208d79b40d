"""Importing monitoring data from Excel (.xlsx) or CSV in two steps: a preview that lists every
row that is wrong and why, then a confirmation that stores the good rows. Nothing is stored from
a file with errors unless the user excludes those rows explicitly."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.arrangements import Arrangement
from storage.monitoring import ClientCount, Import, RequestFigure, Stay
from storage.organisations import Organisation
from workflows import arrangements, audit
from workflows.actors import Actor
from workflows.errors import InvalidInput, NotFound
from workflows.rules import fields
from workflows.rules.dates import parse_date
from workflows.rules.roles import Permission
from workflows.rules.text import text_problem

MAX_BYTES = 5 * 1024 * 1024
MAX_UNPACKED = 50 * 1024 * 1024
MAX_ENTRIES = 2_000
MAX_RATIO = 100
MAX_ROWS = 20_000
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
KIND_LABELS = {
    "requests": "aanvragen per aanbieder",
    "stays": "verblijven per bed",
    "clients": "unieke cliënten per gemeente",
}


def template_csv(kind: str) -> bytes:
    """A blank import file for ``kind``: the header row, `;`-separated, UTF-8 with BOM."""
    if kind not in COLUMNS:
        raise NotFound("Deze soort import bestaat niet.")
    return ("\ufeff" + ";".join(COLUMNS[kind]) + "\r\n").encode("utf-8")


# Reading the file --------------------------------------------------------------------------------


def read_table(filename: str, content: bytes) -> list[list[Any]]:
    """The rows of the first sheet (xlsx) or of the CSV file, checked before parsing."""
    if not content:
        raise InvalidInput({"file": "Bestand: het bestand is leeg."})
    if len(content) > MAX_BYTES:
        raise InvalidInput(
            {"file": f"Bestand: te groot ({len(content) // 1024 // 1024} MB); ten hoogste 5 MB."}
        )
    if content[:4] == b"PK\x03\x04":
        return _read_xlsx(content)
    if filename.lower().endswith((".xlsx", ".xlsm", ".xls")):
        raise InvalidInput({"file": "Bestand: dit is geen geldig Excel-bestand (.xlsx)."})
    return _read_csv(content)


def _read_csv(content: bytes) -> list[list[Any]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            {"file": "Bestand: de tekst is geen UTF-8; sla het CSV-bestand op als 'CSV UTF-8'."}
        ) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _read_xlsx(content: bytes) -> list[list[Any]]:
    # Zip bombs are refused on the declared sizes, before anything is unpacked.
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        entries = archive.infolist()
    except zipfile.BadZipFile:
        raise InvalidInput({"file": "Bestand: dit is geen geldig Excel-bestand (.xlsx)."}) from None
    if len(entries) > MAX_ENTRIES:
        raise InvalidInput({"file": "Bestand: het Excel-bestand bevat te veel onderdelen."})
    unpacked = sum(e.file_size for e in entries)
    packed = max(sum(e.compress_size for e in entries), 1)
    if unpacked > MAX_UNPACKED or unpacked / packed > MAX_RATIO:
        raise InvalidInput(
            {"file": "Bestand: het Excel-bestand pakt verdacht groot uit en is geweigerd."}
        )
    names = {e.filename for e in entries}
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise InvalidInput({"file": "Bestand: dit is geen geldig Excel-bestand (.xlsx)."})
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        workbook.close()
    except Exception:  # openpyxl raises many kinds; all mean: not a readable workbook
        raise InvalidInput(
            {"file": "Bestand: het Excel-bestand kan niet worden gelezen."}
        ) from None
    return rows


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


def _check(
    session: Session, arrangement: Arrangement, kind: str, year: int, table: list[list[Any]]
) -> list[_Row]:
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
    if len(rows) - 1 > MAX_ROWS:
        raise InvalidInput({"file": f"Bestand: ten hoogste {MAX_ROWS} regels."})
    index = {c: header.index(c.lower()) for c in wanted}
    participants = {p.organisation.name.lower(): p.organisation for p in arrangement.participants}
    locations = {b.location.name.lower(): b for b in arrangement.beds}
    checked: list[_Row] = []
    seen: set[tuple[Any, ...]] = set()
    existing_stays = {
        (s.bed_id, s.start_on)
        for s in session.scalars(select(Stay).where(Stay.arrangement_id == arrangement.id))
    }
    for number, raw in enumerate(rows[1:], start=2):
        cell = {c: (raw[i] if i < len(raw) else None) for c, i in index.items()}
        problems: list[str] = []
        values: dict[str, Any] = {}
        if kind == "requests":
            name = _text(cell["Aanbieder"], "Aanbieder", problems)
            provider = participants.get(name.lower())
            if provider is None or provider.kind != "provider":
                problems.append(
                    f"Aanbieder: '{name[:60]}' is geen aanbieder van {arrangement.name}."
                )
            counts = {c: _whole(cell[c], c, problems) for c in wanted[1:]}
            if counts["Aanvragen"] != sum(counts[c] for c in wanted[2:]):
                problems.append(
                    f"Totalen kloppen niet: {counts['Aanvragen']} aanvragen, maar geplaatst + niet "
                    f"geplaatst + onbekend + geannuleerd = {sum(counts[c] for c in wanted[2:])}."
                )
            values = {
                "provider_id": provider.id if provider else None,
                **{c: counts[c] for c in wanted[1:]},
            }
            key: tuple[Any, ...] = ("provider", values["provider_id"])
        elif kind == "clients":
            name = _text(cell["Gemeente"], "Gemeente", problems)
            municipality = participants.get(name.lower())
            if municipality is None or municipality.kind != "municipality":
                problems.append(f"Gemeente: '{name[:60]}' neemt niet deel aan {arrangement.name}.")
            values = {
                "municipality_id": municipality.id if municipality else None,
                "wmo": _whole(cell["Wmo"], "Wmo", problems),
                "wlz": _whole(cell["Wlz"], "Wlz", problems),
            }
            key = ("municipality", values["municipality_id"])
        else:
            location = _text(cell["Locatie"], "Locatie", problems)
            bed = locations.get(location.lower())
            if bed is None:
                problems.append(f"Locatie: '{location[:60]}' heeft geen bed in {arrangement.name}.")
            name = _text(cell["Gemeente"], "Gemeente", problems)
            municipality = participants.get(name.lower())
            if municipality is None or municipality.kind != "municipality":
                problems.append(f"Gemeente: '{name[:60]}' neemt niet deel aan {arrangement.name}.")
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
                        f"{bed.location.name}."
                    )
                if (bed.id, start) in existing_stays:
                    problems.append("Dit verblijf staat al in Besluitwerk.")
            if start and start.year != year and (not end or end.year != year):
                problems.append(f"Het verblijf valt niet in {year}.")
            values = {
                "bed_id": bed.id if bed else None,
                "municipality_id": municipality.id if municipality else None,
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


def preview(
    session: Session,
    actor: Actor,
    arrangement_id: int,
    *,
    kind: str,
    year: int,
    filename: str,
    content: bytes,
) -> Import:
    actor.require(Permission.EDIT_ARRANGEMENTS)
    arrangement = arrangements.visible(session, actor, arrangement_id)
    if kind not in COLUMNS:
        raise InvalidInput({"kind": "Soort: kies aanvragen, verblijven of cliënten."})
    checked = _check(session, arrangement, kind, year, read_table(filename, content))
    batch = Import(
        arrangement_id=arrangement.id,
        kind=kind,
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
            "kind": kind,
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
