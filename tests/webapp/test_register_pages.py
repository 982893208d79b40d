"""The register pages: forms, refusals in Dutch, concurrent edits, history and exports."""

import html

from sqlalchemy import select

from storage.agreements import Agreement
from storage.arrangements import Arrangement
from storage.mandates import Grant, Mandate
from storage.organisations import Organisation
from tests.conftest import (
    ADMIN,
    LEGAL,
    POLICY,
    PROJECT,
    PROVIDER_CR,
    PROVIDER_LI,
    csrf_token,
    login,
)
from webapp.database import sessions
from workflows.demo.demo import VOLMACHT_TITLE


def _one(app, model, *where):
    with sessions(app)() as session:
        return session.scalars(select(model).where(*where)).unique().one()


def _ids(app):
    with sessions(app)() as session:
        arrangement = session.scalars(
            select(Arrangement).where(Arrangement.name == "Pilot logeerzorg Twente")
        ).one()
        _ = arrangement.phases
    with sessions(app)() as session:
        mandate = session.scalars(select(Mandate).where(Mandate.title == VOLMACHT_TITLE)).one()
        _ = mandate.phases, mandate.grants  # loaded while the session is open
    return arrangement, mandate


def test_mandate_register_lists_the_volmacht_as_12_of_13_granted(app, client):
    login(client, POLICY)
    page = client.get("/volmachten/").get_data(as_text=True)
    assert VOLMACHT_TITLE in page and "12 van 13 verleend" in page and "(nog 1 open)" in page
    only_borne = client.get("/volmachten/?status=draft").get_data(as_text=True)
    assert VOLMACHT_TITLE in only_borne


def test_the_legal_officer_creates_a_tender_mandate_with_draft_grants(app, client):
    arrangement, _ = _ids(app)
    login(client, LEGAL)
    path = f"/volmachten/nieuw?regeling={arrangement.id}"
    form = client.get(path).get_data(as_text=True)
    assert 'name="grantor_ids"' in form and 'value="aanbesteding uitvoeren"' not in form
    with sessions(app)() as session:
        lead = arrangement.lead_organisation_id
        hengelo = session.scalars(
            select(Organisation.id).where(Organisation.name == "Hengelo")
        ).one()
        borne = session.scalars(select(Organisation.id).where(Organisation.name == "Borne")).one()
    data = {
        "csrf_token": csrf_token(client, path),
        "arrangement_id": str(arrangement.id),
        "kind": "volmacht",
        "title": "Volmacht aanbesteding structurele logeerzorg",
        "grantee_id": str(lead),
        "acts": ["prepare_tender", "run_tender", "award_tender"],
        "includes_extensions": "1",
        "valid_from": "01-04-2026",
        "valid_until": "31-12-2027",
        "ceiling": "250.000,00",
        "grantor_ids": [str(hengelo), str(borne)],
    }
    response = client.post(path, data=data)
    assert response.status_code == 302
    created = _one(app, Mandate, Mandate.title == data["title"])
    assert created.acts == ["prepare_tender", "run_tender", "award_tender"]
    assert str(created.ceiling) == "250000.00"
    with sessions(app)() as session:
        grants = session.scalars(select(Grant).where(Grant.mandate_id == created.id)).all()
    assert sorted(g.status for g in grants) == ["draft", "draft"]
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "0 van 2 verleend" in detail


def test_a_mandate_that_ends_before_it_starts_is_refused_on_the_field_and_nothing_saved(
    app, client
):
    arrangement, _ = _ids(app)
    login(client, LEGAL)
    path = f"/volmachten/nieuw?regeling={arrangement.id}"
    data = {
        "csrf_token": csrf_token(client, path),
        "kind": "volmacht",
        "title": "Verkeerd om",
        "grantee_id": str(arrangement.lead_organisation_id),
        "acts": ["run_tender"],
        "includes_extensions": "1",
        "valid_from": "2026-06-01",
        "valid_until": "2026-05-01",
        "ceiling": "-5",
    }
    response = client.post(path, data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "een volmacht kan niet eindigen voordat hij begint" in page
    assert "Financieel plafond: mag niet negatief zijn." in page
    with sessions(app)() as session:
        assert (
            session.scalars(select(Mandate).where(Mandate.title == "Verkeerd om")).first() is None
        )


def test_recording_borne_s_decision_makes_it_13_of_13(app, client):
    _, mandate = _ids(app)
    login(client, LEGAL)
    borne = _one(app, Organisation, Organisation.name == "Borne")
    grant = _one(app, Grant, Grant.mandate_id == mandate.id, Grant.grantor_id == borne.id)
    path = f"/volmachten/{mandate.id}/besluiten/{borne.id}"
    token = csrf_token(client, f"/volmachten/{mandate.id}")
    refused = client.post(
        path,
        data={"csrf_token": token, "status": "granted", "version": grant.version},
        follow_redirects=True,
    )
    assert "Datum besluit: vul de datum in waarop het college besloot." in refused.get_data(
        as_text=True
    )
    done = client.post(
        path,
        data={
            "csrf_token": token,
            "status": "granted",
            "granted_on": "2025-09-02",
            "decision_reference": "B&W Borne 2 sept 2025",
            "version": grant.version,
        },
        follow_redirects=True,
    )
    assert "13 van 13 verleend" in done.get_data(as_text=True)
    history = client.get(f"/volmachten/{mandate.id}/geschiedenis").get_data(as_text=True)
    assert "besluit Borne gewijzigd" in history and "B&amp;W Borne 2 sept 2025" in history


def _new_version(client, mandate_id):
    """The page's "Nieuwe versie": returns the id of the new draft version."""
    token = csrf_token(client, f"/volmachten/{mandate_id}")
    response = client.post(f"/volmachten/{mandate_id}/nieuwe-versie", data={"csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_granted_mandate_page_offers_a_new_version_instead_of_editing(app, client):
    _, mandate = _ids(app)
    login(client, LEGAL)
    page = client.get(f"/volmachten/{mandate.id}").get_data(as_text=True)
    assert f'action="/volmachten/{mandate.id}/nieuwe-versie"' in page
    assert f'href="/volmachten/{mandate.id}/bewerken"' not in page
    assert "de inhoud ligt vast zoals erover is besloten" in page
    opened = client.get(f"/volmachten/{mandate.id}/bewerken", follow_redirects=True)
    assert "Maak een nieuwe versie" in opened.get_data(as_text=True)
    path = f"/volmachten/{mandate.id}/bewerken"
    form = {
        "kind": "volmacht",
        "title": VOLMACHT_TITLE,
        "grantee_id": str(mandate.grantee_id),
        "acts": list(mandate.acts),
        "phase_ids": [str(p.id) for p in mandate.phases],
        "includes_extensions": "1",
        "ratifies_since": "2025-01-01",
        "legal_basis": "Iets anders",
        "version": str(mandate.version),
        "csrf_token": csrf_token(client, f"/volmachten/{mandate.id}"),
    }
    refused = client.post(path, data=form)
    assert refused.status_code == 422
    assert "Deze volmacht is al verleend" in refused.get_data(as_text=True)
    assert _one(app, Mandate, Mandate.id == mandate.id).legal_basis == mandate.legal_basis

    new_id = _new_version(client, mandate.id)
    new = client.get(f"/volmachten/{new_id}").get_data(as_text=True)
    assert f"{VOLMACHT_TITLE} (versie 2)" in new and "0 van 13 verleend" in new
    assert f'href="/volmachten/{new_id}/bewerken"' in new
    assert "is aangemaakt als concept" in new
    # Both pages show the chain: the granted version first, then the draft.
    old = client.get(f"/volmachten/{mandate.id}").get_data(as_text=True)
    chain = old[old.index('id="versies-kop"') :]
    assert chain.index("12 van 13 verleend") < chain.index(f'href="/volmachten/{new_id}"')
    assert f'action="/volmachten/{mandate.id}/nieuwe-versie"' not in old  # not the last one


def test_s28_a_stale_mandate_form_gets_409_and_shows_what_changed(app):
    _, granted = _ids(app)
    first, second = app.test_client(), app.test_client()
    login(first, LEGAL)
    login(second, ADMIN)
    draft_id = _new_version(first, granted.id)
    with sessions(app)() as session:
        mandate = session.get(Mandate, draft_id)
        _ = mandate.phases  # loaded while the session is open
    path = f"/volmachten/{mandate.id}/bewerken"
    form = {
        "kind": "volmacht",
        "title": mandate.title,
        "grantee_id": str(mandate.grantee_id),
        "acts": list(mandate.acts),
        "phase_ids": [str(p.id) for p in mandate.phases],
        "includes_extensions": "1",
        "ratifies_since": "2025-01-01",
        "version": str(mandate.version),
    }
    ok = first.post(
        path, data={**form, "legal_basis": "Art. 3:60 BW", "csrf_token": csrf_token(first, path)}
    )
    assert ok.status_code == 302
    stale = second.post(
        path, data={**form, "legal_basis": "iets anders", "csrf_token": csrf_token(second, path)}
    )
    assert stale.status_code == 409
    page = stale.get_data(as_text=True)
    assert "Iemand anders heeft deze volmacht intussen gewijzigd" in page
    assert "Grondslag: Art. 3:60 BW" in page
    assert _one(app, Mandate, Mandate.id == mandate.id).legal_basis == "Art. 3:60 BW"


def test_agreement_status_moves_only_along_the_lifecycle(app, client):
    login(client, LEGAL)
    agreement = _one(app, Agreement, Agreement.reference == "LOG-TW-2025-CR")
    path = f"/overeenkomsten/{agreement.id}/status"
    token = csrf_token(client, f"/overeenkomsten/{agreement.id}")
    refused = client.post(
        path,
        data={"csrf_token": token, "status": "draft", "version": agreement.version},
        follow_redirects=True,
    )
    assert "kan de overeenkomst niet naar &#39;concept&#39;" in refused.get_data(as_text=True)
    client.post(path, data={"csrf_token": token, "status": "ended", "version": agreement.version})
    assert _one(app, Agreement, Agreement.id == agreement.id).status == "ended"


def test_a_framework_agreement_beyond_four_years_is_refused_on_the_page(app, client):
    arrangement, _ = _ids(app)
    login(client, PROJECT)
    path = f"/overeenkomsten/nieuw?regeling={arrangement.id}"
    provider = _one(app, Organisation, Organisation.name == "Liberein")
    data = {
        "csrf_token": csrf_token(client, path),
        "kind": "framework",
        "reference": "RAAM-2026",
        "title": "Raamovereenkomst logeerzorg",
        "provider_id": str(provider.id),
        "contracting_party_id": str(arrangement.lead_organisation_id),
        "start_on": "2026-01-02",
        "end_on": "2027-12-31",
        "extension_count": "3",
        "extension_months": "12",
    }
    response = client.post(path, data=data)
    assert response.status_code == 422
    assert "ten hoogste vier jaar" in response.get_data(as_text=True)
    data.update(extension_count="2", csrf_token=csrf_token(client, path))
    assert client.post(path, data=data).status_code == 302
    created = _one(app, Agreement, Agreement.reference == "RAAM-2026")
    assert created.maximum_end_on.isoformat() == "2029-12-31" and created.status == "draft"


def test_s11_a_provider_sees_only_its_own_agreements_and_404_for_the_others(app, client):
    login(client, PROVIDER_CR)
    listing = client.get("/overeenkomsten/").get_data(as_text=True)
    assert "LOG-TW-2025-CR" in listing and "LOG-TW-2025-LI" not in listing
    other = _one(app, Agreement, Agreement.reference == "LOG-TW-2025-LI")
    assert client.get(f"/overeenkomsten/{other.id}").status_code == 404
    csv = client.get("/overeenkomsten/export.csv").get_data().decode("utf-8-sig")
    assert "LOG-TW-2025-CR" in csv and "LOG-TW-2025-LI" not in csv
    assert client.get("/volmachten/").status_code == 403


def test_verlengen_shows_what_it_touches_then_adds_the_phase(app, client):
    arrangement, _ = _ids(app)
    login(client, PROJECT)
    path = f"/regelingen/{arrangement.id}/verlengen"
    preview = client.get(f"{path}?end_on=2026-12-31").get_data(as_text=True)
    assert "Wat de verlenging raakt" in preview
    assert "LOG-TW-2025-CR – Carintreggeland" in preview
    assert "dekt de verlenging" in preview
    response = client.post(
        path, data={"csrf_token": csrf_token(client, path), "end_on": "2026-12-31", "confirm": "1"}
    )
    assert response.status_code == 302
    with sessions(app)() as session:
        phases = (
            session.scalars(select(Arrangement).where(Arrangement.id == arrangement.id))
            .one()
            .phases
        )
        assert [(p.name, p.start_on.isoformat()) for p in phases][-1] == (
            "Verlenging 2",
            "2026-01-02",
        )
    overlap = client.get(f"{path}?end_on=2026-06-30")
    assert overlap.status_code == 422
    assert "moet daarna eindigen" in overlap.get_data(as_text=True)


def test_register_exports_are_semicolon_csv_with_a_bom(app, client):
    login(client, LEGAL)
    for path, header in (
        ("/volmachten/export.csv", "Nummer;Titel;Soort"),
        ("/overeenkomsten/export.csv", "Kenmerk;Titel;Soort"),
        ("/regelingen/export.csv", "Regeling;Penvoerder;Fase"),
    ):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["Content-Disposition"].startswith("attachment;")
        body = response.get_data()
        assert body.startswith("\ufeff".encode()) and body.decode("utf-8-sig").startswith(header)
    volmachten = client.get("/volmachten/export.csv").get_data().decode("utf-8-sig").splitlines()
    assert len(volmachten) == 1 + 13  # one line per grantor's decision
    assert any("Borne;concept" in line for line in volmachten)


def test_coverage_page_answers_the_tender_question_and_names_bad_input(app, client):
    arrangement, _ = _ids(app)
    login(client, POLICY)
    page = client.get(
        f"/regelingen/{arrangement.id}/dekking?act=run_tender&on=2026-03-01"
    ).get_data(as_text=True)
    assert "niet voor &#39;aanbesteding uitvoeren&#39;" in page
    assert "eigen bevoegdheid" in page
    bad = client.get(f"/regelingen/{arrangement.id}/dekking?act=koffie&on=31-02-2026")
    text = bad.get_data(as_text=True)
    assert "Handeling: kies uit" in text and "31-02-2026 bestaat niet in de kalender" in text


def test_coverage_page_names_the_volmacht_for_acts_and_the_mandaat_for_decisions(app, client):
    arrangement, _ = _ids(app)
    login(client, POLICY)
    page = html.unescape(
        client.get(
            f"/regelingen/{arrangement.id}/dekking?act=grant_subsidy&on=2026-03-01"
        ).get_data(as_text=True)
    )
    assert (
        'Aanbesteding gunnen <span class="bw-muted">– privaatrechtelijke rechtshandeling: een '
        "volmacht (BW 3:60) nodig</span>" in page
    )
    assert "(publiekrechtelijk besluit: een mandaat (Awb 10:1) nodig)" in page
    # The Twente volmacht is the only mandate: it is no near miss for a decision.
    assert (
        "De volmacht is voor privaatrechtelijke rechtshandelingen (BW 3:60); 'subsidie "
        "verlenen' is een publiekrechtelijk besluit en vraagt een mandaat (Awb 10:1)." in page
    )
    # No mandaat of the Twente pilot names a decision: the matrix shows none of them.
    assert "Subsidie verlenen <span" not in page
    assert "Pilot (vanaf 1 februari 2024)" in page


def test_a_provider_cannot_reach_mandates_coverage_or_history(app, client):
    arrangement, mandate = _ids(app)
    login(client, PROVIDER_LI)
    for path in (
        f"/volmachten/{mandate.id}",
        f"/regelingen/{arrangement.id}/dekking",
        f"/regelingen/{arrangement.id}/geschiedenis",
    ):
        assert client.get(path).status_code == 403, path


def test_project_group_keeps_moments_beds_budget_and_phase_dates(app, client):
    arrangement, _ = _ids(app)
    login(client, PROJECT)
    base = f"/regelingen/{arrangement.id}"
    token = csrf_token(client, f"{base}/onderdelen")
    moment = client.post(
        f"{base}/evaluatiemomenten",
        data={"csrf_token": token, "name": "Evaluatie mei 2026", "due_on": "29-05-2026"},
    )
    assert moment.status_code == 302
    enschede = _one(app, Organisation, Organisation.name == "Enschede")
    for amount in ("30.000,00", "31.000,00"):  # the same year twice replaces, never duplicates
        client.post(
            f"{base}/budget",
            data={
                "csrf_token": token,
                "municipality_id": str(enschede.id),
                "year": "2026",
                "amount": amount,
                "source": "GALA",
            },
        )
    provider = _one(app, Organisation, Organisation.name == "ZorgAccent")
    bed = client.post(
        f"{base}/bedden",
        data={
            "csrf_token": token,
            "provider_id": str(provider.id),
            "location": "Nieuw Huis",
            "care_type": "verzorgingshuis",
            "financing": "wmo",
            "available_from": "2026-01-02",
        },
    )
    assert bed.status_code == 302
    overlap = client.post(
        f"{base}/fasen/{arrangement.phases[1].id}" if arrangement.phases else f"{base}/fasen/0",
        data={
            "csrf_token": token,
            "name": "Verlenging 1",
            "start_on": "2024-12-01",
            "end_on": "2026-01-01",
        },
    )
    assert overlap.status_code == 422
    assert "overlapt met Pilot" in overlap.get_data(as_text=True)
    with sessions(app)() as session:
        fresh = session.scalars(select(Arrangement).where(Arrangement.id == arrangement.id)).one()
        assert [m.name for m in fresh.evaluation_moments][-1] == "Evaluatie mei 2026"
        budgets = [
            (b.municipality_id, b.year, str(b.amount)) for b in fresh.budgets if b.year == 2026
        ]
        assert budgets == [(enschede.id, 2026, "31000.00")]
        assert any(b.location.name == "Nieuw Huis" for b in fresh.beds)


def test_a_bed_of_a_provider_outside_the_arrangement_is_refused(app, client):
    arrangement, _ = _ids(app)
    login(client, PROJECT)
    borne = _one(app, Organisation, Organisation.name == "Borne")
    base = f"/regelingen/{arrangement.id}"
    response = client.post(
        f"{base}/bedden",
        data={
            "csrf_token": csrf_token(client, f"{base}/onderdelen"),
            "provider_id": str(borne.id),
            "location": "X",
            "financing": "wmo",
            "available_from": "2026-01-02",
        },
    )
    assert response.status_code == 422
    assert "kies een aanbieder van Pilot logeerzorg Twente" in response.get_data(as_text=True)
