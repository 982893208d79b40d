"""One import must not freeze the app (S4, S30): an .xlsx is refused on the sizes its zip and its
sheet declare before it is parsed, its rows are read one at a time up to a maximum number of
rows and columns, and the parsing happens outside the write transaction, so that other users'
writes go on meanwhile."""

from __future__ import annotations

import io
import random
import zipfile

import pytest
from openpyxl import Workbook
from openpyxl.worksheet._reader import WorkSheetParser
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from storage.arrangements import Arrangement
from storage.monitoring import Import
from tests.conftest import PROJECT, csrf_token, login
from tests.support.api_tokens import api_headers
from tests.support.write_lock import free, held_by_request
from webapp.database import sessions
from workflows.monitoring import imports

REQUESTS_HEADER = [
    "Aanbieder",
    "Aanvragen",
    "Geplaatst",
    "Niet geplaatst",
    "Onbekend",
    "Geannuleerd",
]
SHEET = "xl/worksheets/sheet1.xml"
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


@pytest.fixture
def arrangement_id(app):
    with sessions(app)() as session:
        return session.scalars(select(Arrangement.id)).one()


def upload(client, arrangement_id, content, *, name="cijfers.xlsx"):
    path = f"/regelingen/{arrangement_id}/importeren"
    # Encoded in memory: the test client would otherwise leave its own temporary file open.
    boundary, body = encode_multipart(
        {
            "csrf_token": csrf_token(client, path),
            "kind": "requests",
            "year": "2026",
            "file": FileStorage(io.BytesIO(content), filename=name),
        }
    )
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def api_upload(app, client, arrangement_id, content):
    return client.post(
        f"/api/v1/arrangements/{arrangement_id}/imports",
        headers=api_headers(app, PROJECT),
        data={"kind": "requests", "year": "2026", "file": (io.BytesIO(content), "c.xlsx")},
        content_type="multipart/form-data",
    )


def imports_stored(app):
    with sessions(app)() as session:
        return session.scalar(select(func.count()).select_from(Import))


def workbook(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def with_sheet(sheet: bytes, *, extra: dict[str, bytes] | None = None) -> bytes:
    """A real workbook from openpyxl whose first sheet is replaced by ``sheet`` (deflated),
    with ``extra`` parts stored as they are."""
    with zipfile.ZipFile(io.BytesIO(workbook([REQUESTS_HEADER]))) as original:
        parts = {name: original.read(name) for name in original.namelist()}
    parts[SHEET] = sheet
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
        for name, data in (extra or {}).items():
            archive.writestr(name, data, compress_type=zipfile.ZIP_STORED)
    return buffer.getvalue()


def sheet_xml(rows: list[str], *, dimension: str | None = None, padding: int = 0) -> bytes:
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    body = "".join(rows)
    return (
        SHEET_HEAD
        + declared
        + "<sheetData>"
        + body
        + "</sheetData>"
        + " " * padding
        + "</worksheet>"
    ).encode()


def number_rows(count: int, *, columns: int = 2) -> list[str]:
    letters = [chr(ord("A") + i) for i in range(columns)]
    return [
        f'<row r="{n}">' + "".join(f'<c r="{c}{n}"><v>{n}</v></c>' for c in letters) + "</row>"
        for n in range(1, count + 1)
    ]


@pytest.fixture
def rows_parsed(monkeypatch):
    """How many rows openpyxl's sheet parser produced."""
    produced = [0]
    original = WorkSheetParser.parse

    def counted(self):
        for row in original(self):
            produced[0] += 1
            yield row

    monkeypatch.setattr(WorkSheetParser, "parse", counted)
    return produced


@pytest.fixture
def never_parsed(monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(imports, "load_workbook", refuse)


def test_s4_one_huge_well_compressed_sheet_is_refused_before_it_is_parsed(
    app, client, arrangement_id, never_parsed
):
    # 100 000 rows: about 20 MB of XML in under 2 MB, so the file's average ratio and total
    # size pass; only the sheet's own declared size gives it away.
    rows = [
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>Carintreggeland</t></is></c>'
        + "".join(f'<c r="{c}{n}"><v>{n % 7}</v></c>' for c in "BCDEF")
        + "</row>"
        for n in range(1, 100_001)
    ]
    content = with_sheet(sheet_xml(rows))
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet = archive.getinfo(SHEET)
        total = sum(i.file_size for i in archive.infolist())
        packed = sum(i.compress_size for i in archive.infolist())
    assert sheet.file_size > 16 * 1024 * 1024 and total < imports.MAX_UNPACKED
    assert total / packed < imports.MAX_RATIO
    login(client, PROJECT)
    response = upload(client, arrangement_id, content)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "één onderdeel wordt" in page and "(ten hoogste 12 MB per onderdeel)" in page
    assert imports_stored(app) == 0


def test_s4_a_part_far_more_compressed_than_the_whole_file_is_refused_on_its_own_ratio(
    app, client, arrangement_id, never_parsed
):
    # A sheet of 8 MB, nearly all blanks, beside 300 KB of incompressible "image": the average
    # ratio is about 27, the sheet's own several hundred.
    sheet = sheet_xml(number_rows(2), padding=8 * 1024 * 1024)
    noise = random.Random(14).randbytes(300 * 1024)
    content = with_sheet(sheet, extra={"xl/media/image1.png": noise})
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        infos = archive.infolist()
    assert sum(i.file_size for i in infos) / sum(i.compress_size for i in infos) < 100
    login(client, PROJECT)
    response = upload(client, arrangement_id, content)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "keer zo groot als ingepakt (ten hoogste 100 keer)" in page
    assert imports_stored(app) == 0


@pytest.mark.parametrize("declared", [None, "A1:B120000"])
def test_s4_a_sheet_of_many_rows_is_refused_at_the_limit_without_reading_the_rest(
    app, client, arrangement_id, rows_parsed, declared
):
    content = with_sheet(sheet_xml(number_rows(120_000), dimension=declared))
    login(client, PROJECT)
    response = upload(client, arrangement_id, content)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    if declared is None:
        # Read one at a time: stopped at the first row past the header and 20 000 rows.
        assert "het blad heeft meer dan 20.000 regels; ten hoogste 20.000 regels" in page
        assert imports.MAX_ROWS < rows_parsed[0] <= imports.MAX_ROWS + 2
    else:
        # The sheet says how long it is: refused before a single row is read.
        assert "het blad loopt door voorbij regel 100.000" in page
        assert rows_parsed[0] == 0
    assert imports_stored(app) == 0


def test_s4_a_sheet_wider_than_the_column_limit_is_refused_naming_it(
    app, client, arrangement_id, rows_parsed
):
    login(client, PROJECT)
    header = REQUESTS_HEADER + [f"Opmerking {n}" for n in range(1, 30)]
    wide = upload(client, arrangement_id, workbook([header, ["Liberein", 1, 1, 0, 0, 0]]))
    assert wide.status_code == 422
    assert "het blad is 35 kolommen breed; ten hoogste 30 kolommen." in wide.get_data(as_text=True)
    assert rows_parsed[0] == 0

    # Without a declared size, the first row that runs past column 30 stops the reading.
    cells = "".join(f'<c r="{c}3"><v>1</v></c>' for c in ("A", "AD", "AE", "XFD"))
    rows = [*number_rows(2), f'<row r="3">{cells}</row>', *number_rows(5000)[3:]]
    hidden = upload(client, arrangement_id, with_sheet(sheet_xml(rows)))
    assert hidden.status_code == 422
    assert "regel 3 loopt verder dan kolom 30; ten hoogste 30 kolommen." in hidden.get_data(
        as_text=True
    )
    assert rows_parsed[0] <= 3
    assert imports_stored(app) == 0


@pytest.mark.parametrize("via", ["page", "api"])
def test_s30_the_database_is_not_locked_while_an_upload_is_parsed_and_checked(
    app, client, arrangement_id, monkeypatch, backend, via
):
    content = workbook(
        [REQUESTS_HEADER, ["Carintreggeland", 11, 5, 6, 0, 0], ["Liberein", 12, 8, 3, 0, 1]]
    )
    engine = app.extensions["besluitwerk.engine"]
    seen = []

    def outside_any_transaction(step, work):
        def observed(*args, **kwargs):
            seen.extend((step, *held) for held in held_by_request(engine, backend))
            return work(*args, **kwargs)

        return observed

    monkeypatch.setattr(imports, "read_table", outside_any_transaction("parse", imports.read_table))
    monkeypatch.setattr(imports, "_check", outside_any_transaction("check", imports._check))
    if via == "page":
        login(client, PROJECT)
        response = upload(client, arrangement_id, content)
        assert response.status_code == 302
    else:
        response = api_upload(app, client, arrangement_id, content)
        assert response.status_code == 201 and response.get_json()["problems"] == []
    assert seen == [(step, *held) for step in ("parse", "check") for held in free(backend)]
    assert imports_stored(app) == 1


def test_s4_a_csv_is_held_to_the_same_row_and_column_limits(app, client, arrangement_id):
    login(client, PROJECT)
    header = ";".join(REQUESTS_HEADER) + "\r\n"
    long = upload(
        client, arrangement_id, (header + "Liberein;1;1;0;0;0\r\n" * 20_001).encode(), name="c.csv"
    )
    assert long.status_code == 422
    assert "het blad heeft meer dan 20.000 regels" in long.get_data(as_text=True)
    wide = upload(
        client,
        arrangement_id,
        (header + "Liberein;1;1;0;0;0" + ";" * 24 + ";opmerking\r\n").encode(),
        name="c.csv",
    )
    assert wide.status_code == 422
    assert "regel 2 loopt verder dan kolom 30" in wide.get_data(as_text=True)
    assert imports_stored(app) == 0
