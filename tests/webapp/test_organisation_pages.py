from sqlalchemy import select

from storage.audit import AuditEvent
from storage.organisations import Organisation
from tests.conftest import ADMIN, POLICY, PROVIDER_CR, PROVIDER_LI, csrf_token, login
from webapp.database import sessions


def _org(app, name):
    with sessions(app)() as session:
        return session.scalars(select(Organisation).where(Organisation.name == name)).one()


def _form(org, **changes):
    data = {
        "name": org.name,
        "short_name": org.short_name or "",
        "description": org.description,
        "inhabitants": "" if org.inhabitants is None else str(org.inhabitants),
        "inhabitants_on": org.inhabitants_on.isoformat() if org.inhabitants_on else "",
        "meeting_weekday": "" if org.meeting_weekday is None else str(org.meeting_weekday),
        "agenda_lead_working_days": str(org.agenda_lead_working_days or ""),
        "co_advice_working_days": str(org.co_advice_working_days or ""),
        "recess_weeks": ", ".join(str(w) for w in org.recess_weeks),
        "no_meetings_christmas_to_new_year": "1" if org.no_meetings_christmas_to_new_year else "",
        "escalation_contact_id": "",
        "version": str(org.version),
    }
    data.update(changes)
    return data


def _post_edit(client, org, **changes):
    path = f"/organisaties/{org.id}/bewerken"
    data = _form(org, **changes)
    data["csrf_token"] = csrf_token(client, path)
    return client.post(path, data=data)


def test_list_shows_all_22_organisations_with_dutch_numbers(app, client):
    login(client, POLICY)
    page = client.get("/organisaties/").get_data(as_text=True)
    assert "22 organisaties" in page and "161.000" in page


def test_list_filters_on_kind_and_refuses_unknown_kinds_in_dutch(client):
    login(client, POLICY)
    page = client.get("/organisaties/?soort=provider").get_data(as_text=True)
    assert "5 organisaties" in page and "Liberein" in page and ">Enschede</a>" not in page
    response = client.get("/organisaties/?soort=koninkrijk", follow_redirects=True)
    assert "Soort: &#39;koninkrijk&#39; is onbekend" in response.get_data(as_text=True)


def test_s11_a_provider_sees_only_its_own_organisation_and_gets_404_for_others(app, client):
    login(client, PROVIDER_CR)
    page = client.get("/organisaties/").get_data(as_text=True)
    assert "1 organisatie<" in page and "Carintreggeland" in page
    liberein = _org(app, "Liberein")
    assert client.get(f"/organisaties/{liberein.id}").status_code == 404
    own = _org(app, "Carintreggeland")
    assert client.get(f"/organisaties/{own.id}").status_code == 200


def test_administrator_edits_inhabitants_and_the_audit_log_has_old_and_new(app, client):
    login(client, ADMIN)
    borne = _org(app, "Borne")
    response = _post_edit(client, borne, inhabitants="24.512", recess_weeks="29-31")
    assert response.status_code == 302
    assert _org(app, "Borne").inhabitants == 24_512
    assert _org(app, "Borne").recess_weeks == [29, 30, 31]
    with sessions(app)() as session:
        event = session.scalars(
            select(AuditEvent).where(
                AuditEvent.object_type == "organisation",
                AuditEvent.action == "update",
                AuditEvent.object_id == str(borne.id),
            )
        ).one()
    assert event.old_values == {"inhabitants": 24_000, "recess_weeks": [30, 31, 32]}
    assert event.new_values["inhabitants"] == 24_512 and event.new_values["version"] == 2
    assert ADMIN in event.actor_label and event.origin.startswith("web")


def test_bad_input_names_each_field_in_dutch_and_saves_nothing(app, client):
    login(client, ADMIN)
    borne = _org(app, "Borne")
    response = _post_edit(
        client,
        borne,
        name="",
        inhabitants="-5",
        inhabitants_on="31-02-2026",
        recess_weeks="54",
        short_name="x" * 21,
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for message in (
        "Naam: vul dit veld in.",
        "Aantal inwoners: mag niet negatief zijn.",
        "Peildatum inwoners: 31-02-2026 bestaat niet in de kalender.",
        "weeknummers lopen van 1 tot en met 53",
        "Afkorting is te lang: 21 tekens, ten hoogste 20.",
    ):
        assert message in page
    assert 'value="-5"' in page  # what was typed stays in the form
    unchanged = _org(app, "Borne")
    assert (unchanged.name, unchanged.inhabitants, unchanged.version) == ("Borne", 24_000, 1)


def test_control_characters_from_word_are_refused_and_ampersands_kept(app, client):
    login(client, ADMIN)
    borne = _org(app, "Borne")
    response = _post_edit(client, borne, description="Zorg\x0b& Co")
    assert response.status_code == 422
    assert "stuurteken (U+000B)" in response.get_data(as_text=True)
    response = _post_edit(client, borne, description='Zorg & Co <B.V.> "ĳ"')
    assert response.status_code == 302
    assert _org(app, "Borne").description == 'Zorg & Co <B.V.> "ĳ"'
    page = client.get(f"/organisaties/{borne.id}").get_data(as_text=True)
    assert "Zorg &amp; Co &lt;B.V.&gt; &#34;ĳ&#34;" in page


def test_s14_extra_posted_fields_change_nothing(app, client):
    login(client, ADMIN)
    borne = _org(app, "Borne")
    response = _post_edit(
        client, borne, kind="provider", id="999", created_at="2000-01-01", secret="x"
    )
    assert response.status_code == 302
    after = _org(app, "Borne")
    assert after.kind == "municipality" and after.id == borne.id


def test_s28_the_second_of_two_concurrent_edits_gets_409_with_what_changed(app):
    first, second = app.test_client(), app.test_client()
    login(first, ADMIN)
    login(second, ADMIN)
    borne = _org(app, "Borne")  # both opened version 1
    assert _post_edit(first, borne, inhabitants="25000").status_code == 302
    response = _post_edit(second, borne, inhabitants="26000")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Iemand anders heeft deze organisatie intussen gewijzigd" in page
    assert "Aantal inwoners: 25000" in page
    assert _org(app, "Borne").inhabitants == 25_000


def test_escalation_contact_must_be_an_account_of_the_same_organisation(app, client):
    from storage.accounts import User

    login(client, ADMIN)
    enschede = _org(app, "Enschede")
    with sessions(app)() as session:
        own = session.scalars(select(User).where(User.email == POLICY)).one()
        foreign = session.scalars(select(User).where(User.email == PROVIDER_LI)).one()
    bad = _post_edit(client, enschede, escalation_contact_id=str(foreign.id))
    assert bad.status_code == 422 and "Escalatiecontact" in bad.get_data(as_text=True)
    good = _post_edit(client, enschede, escalation_contact_id=str(own.id))
    assert good.status_code == 302
    assert _org(app, "Enschede").escalation_contact_id == own.id


def test_non_administrators_cannot_edit(app, client):
    login(client, POLICY)
    borne = _org(app, "Borne")
    assert client.get(f"/organisaties/{borne.id}/bewerken").status_code == 403


def test_s10_csv_export_is_an_attachment_excel_can_open(client):
    login(client, POLICY)
    response = client.get("/organisaties/export.csv?soort=municipality")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="organisaties-')
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0] == "Naam;Soort;Afkorting;Inwoners;Peildatum inwoners"
    assert "Enschede;gemeente;;161000;2025-01-01" in lines
    assert len(lines) == 15
