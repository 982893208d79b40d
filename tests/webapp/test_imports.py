"""Import → preview → confirm: every wrong row named, nothing stored from a file with errors
unless those rows are excluded; broken files refused with a Dutch message."""

import io
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from storage.arrangements import Arrangement
from storage.monitoring import ClientCount, Import, RequestFigure, Stay
from tests.conftest import POLICY, PROJECT, csrf_token, login
from webapp.database import sessions

GOOD_REQUESTS = (
    "Aanbieder;Aanvragen;Geplaatst;Niet geplaatst;Onbekend;Geannuleerd\r\n"
    "Carintreggeland;11;5;6;0;0\r\n"
    "Liberein;12;8;3;0;1\r\n"
)


@pytest.fixture
def arrangement_id(app):
    with sessions(app)() as session:
        return session.scalars(select(Arrangement.id)).one()


def upload(client, arrangement_id, content, *, kind="requests", year="2026", name="cijfers.csv"):
    path = f"/regelingen/{arrangement_id}/importeren"
    return client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "kind": kind,
            "year": year,
            "file": (io.BytesIO(content), name),
        },
        content_type="multipart/form-data",
    )


def count(app, model, **where):
    with sessions(app)() as session:
        query = select(func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return session.scalar(query)


def xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_good_csv_is_previewed_then_stored_on_confirmation(app, client, arrangement_id):
    login(client, PROJECT)
    response = upload(client, arrangement_id, ("\ufeff" + GOOD_REQUESTS).encode())
    assert response.status_code == 302
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 regels, waarvan 0 met fouten" in preview
    assert count(app, RequestFigure, year=2026) == 0  # nothing stored yet
    import_id = response.headers["Location"].rsplit("/", 1)[1]
    done = client.post(
        f"/importen/{import_id}/bevestigen",
        data={"csrf_token": csrf_token(client, f"/importen/{import_id}")},
    )
    assert done.status_code == 302 and "/cijfers?jaar=2026" in done.headers["Location"]
    assert count(app, RequestFigure, year=2026) == 2
    again = client.post(
        f"/importen/{import_id}/bevestigen",
        data={"csrf_token": csrf_token(client, f"/importen/{import_id}")},
    )
    assert again.status_code == 302 and count(app, RequestFigure, year=2026) == 2


def test_wrong_rows_are_named_and_block_confirmation_until_excluded(app, client, arrangement_id):
    login(client, PROJECT)
    content = (
        b"Aanbieder;Aanvragen;Geplaatst;Niet geplaatst;Onbekend;Geannuleerd\n"
        b"Carintreggeland;11;5;6;0;0\n"
        b"Onbekende Zorg BV;4;4;0;0;0\n"
        b"Liberein;12;8;3;0;9\n"
        b"ZorgAccent;twintig;12;7;1;0\n"
    )
    response = upload(client, arrangement_id, content)
    location = response.headers["Location"]
    page = client.get(location).get_data(as_text=True)
    assert "is geen aanbieder van Pilot logeerzorg Twente" in page
    assert "Totalen kloppen niet: 12 aanvragen" in page
    assert "&#39;twintig&#39; is geen geheel getal" in page
    import_id = location.rsplit("/", 1)[1]
    token = csrf_token(client, location)
    refused = client.post(f"/importen/{import_id}/bevestigen", data={"csrf_token": token})
    assert refused.status_code == 422
    assert "Regel 3, 4, 5 bevat fouten" in refused.get_data(as_text=True)
    assert count(app, RequestFigure, year=2026) == 0
    done = client.post(
        f"/importen/{import_id}/bevestigen",
        data={"csrf_token": token, "exclude": ["3", "4", "5"]},
    )
    assert done.status_code == 302
    assert count(app, RequestFigure, year=2026) == 1


def test_stays_outside_the_bed_or_twice_or_backwards_are_named(app, client, arrangement_id):
    login(client, PROJECT)
    content = xlsx(
        [
            ["Locatie", "Gemeente", "Financiering", "Begin", "Eind"],
            ["Humanitas", "Enschede", "Wmo", 46000, "10-12-2025"],  # an Excel serial: 8 Dec 2025
            ["Humanitas", "Enschede", "Wmo", 46000, "10-12-2025"],  # the same stay twice
            ["Stadskwartier", "Borne", "Wlz", "1-3-2025", "5-3-2025"],  # before 14 April
            ["Bloemenhof", "Hengelo", "Wlz", "10-6-2025", "2-6-2025"],  # end before start
            ["Bloemenhof", "Atlantis", "Wlz", "10-6-2025", "12-6-2025"],
        ]
    )
    response = upload(client, arrangement_id, content, kind="stays", year="2025", name="v.xlsx")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Deze regel staat twee keer in het bestand." in page
    assert "buiten de beschikbaarheid van het bed in Stadskwartier" in page
    assert "Eind: ligt vóór het begin." in page
    assert "&#39;Atlantis&#39; neemt niet deel" in page
    assert "5 regels, waarvan 4 met fouten" in page


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "leeg.csv", "het bestand is leeg"),
        (b"MZ\x90\x00" + b"\x00" * 100, "programma.xlsx", "geen geldig Excel-bestand"),
        (b"Naam;Getal\nx;1\n", "verkeerd.csv", "kolommen ontbreken: Aanbieder"),
        ("\xe9\xe9n".encode("latin-1"), "latin.csv", "geen UTF-8"),
        (
            b"Aanbieder;Aanvragen;Geplaatst;Niet geplaatst;Onbekend;Geannuleerd\n",
            "kop.csv",
            "het blad is leeg",
        )
        if False
        else (b"\n\n", "leeg-blad.csv", "het blad is leeg"),
    ],
)
def test_broken_files_get_a_dutch_message_and_nothing_is_stored(
    app, client, arrangement_id, content, name, message
):
    login(client, PROJECT)
    response = upload(client, arrangement_id, content, name=name)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(app, Import) == 0


def test_a_50_mb_file_is_refused_before_it_is_read(app, client, arrangement_id):
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    login(client, PROJECT)
    app.config["MAX_CONTENT_LENGTH"] = 60 * 1024 * 1024
    path = f"/regelingen/{arrangement_id}/importeren"
    # Encoded in memory: the test client would otherwise leave its own temporary file open.
    boundary, body = encode_multipart(
        {
            "csrf_token": csrf_token(client, path),
            "kind": "requests",
            "year": "2026",
            "file": FileStorage(io.BytesIO(b"a;b\n" * (13 * 1024 * 1024)), filename="groot.csv"),
        }
    )
    response = client.post(
        path, data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 422
    assert "te groot" in response.get_data(as_text=True)


def test_a_zip_bomb_disguised_as_xlsx_is_refused_without_unpacking(app, client, arrangement_id):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (60 * 1024 * 1024))
    assert len(buffer.getvalue()) < 200 * 1024
    login(client, PROJECT)
    response = upload(client, arrangement_id, buffer.getvalue(), name="bom.xlsx")
    assert response.status_code == 422
    assert "pakt verdacht groot uit" in response.get_data(as_text=True)


def test_the_blank_templates_have_the_columns(client, arrangement_id):
    login(client, PROJECT)
    body = client.get(f"/regelingen/{arrangement_id}/importeren/sjabloon-clients.csv").get_data()
    assert body.decode("utf-8-sig").strip() == "Gemeente;Wmo;Wlz"


def test_client_counts_via_the_api_replace_the_year(app, client, arrangement_id, token_for):
    headers = token_for(PROJECT)
    response = client.post(
        f"/api/v1/arrangements/{arrangement_id}/imports",
        headers=headers,
        data={
            "kind": "clients",
            "year": "2025",
            "file": (io.BytesIO(b"Gemeente,Wmo,Wlz\nBorne,3,6\n"), "c.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["problems"] == [] and body["rows"][0]["wmo"] == 3
    confirmed = client.post(f"/api/v1/imports/{body['id']}/confirm", headers=headers, json={})
    assert confirmed.get_json()["status"] == "confirmed"
    assert count(app, ClientCount, year=2025) == 1  # the year was replaced by the import


def test_only_the_project_group_and_administrator_import(client, arrangement_id):
    login(client, POLICY)
    assert client.get(f"/regelingen/{arrangement_id}/importeren").status_code == 403


def test_imported_stays_count_in_the_figures(app, client, arrangement_id):
    login(client, PROJECT)
    before = count(app, Stay)
    content = (
        "Locatie;Gemeente;Financiering;Begin;Eind\nDe Eschpoort;Wierden;Wmo;2025-12-20;2025-12-24\n"
    )
    response = upload(client, arrangement_id, content.encode(), kind="stays", year="2025")
    import_id = response.headers["Location"].rsplit("/", 1)[1]
    client.post(
        f"/importen/{import_id}/bevestigen",
        data={"csrf_token": csrf_token(client, f"/importen/{import_id}")},
    )
    assert count(app, Stay) == before + 1
