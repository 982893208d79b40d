"""Use cases of the registers on the Twente demo: mandates and their grants, agreements,
phases ("Verlengen"), what an extension touches, and coverage per municipality."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from storage.agreements import Agreement
from storage.arrangements import find_arrangement_by_name
from storage.audit import AuditEvent, events_for
from storage.mandates import Grant, Mandate
from tests.conftest import LEGAL, POLICY, PROJECT, PROVIDER_CR, PROVIDER_LI, session_factory
from tests.support.demo_records import actor, demo_agreement, org, twente, volmacht
from tests.support.record_changes import update_fields
from workflows.actors import system_actor
from workflows.demo import demo
from workflows.errors import Conflict, Forbidden, InvalidInput, NotFound
from workflows.registers import agreements, arrangements, coverage, extensions, mandates
from workflows.rules.acts import Act

AGREEMENT_ACTS = ["conclude_agreement", "amend_agreement", "extend_agreement"]


def grant_of(mandate, name):
    return next(g for g in mandate.grants if g.grantor.name == name)


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def counts(session):
    return {m: count(session, m) for m in (Mandate, Grant, Agreement, AuditEvent)}


def mandate_values(session, **changes):
    values = {
        "arrangement_id": twente(session).id,
        "kind": "volmacht",
        "title": "Volmacht aanbesteding structurele logeerzorg",
        "grantee_id": org(session, "Rijssen-Holten").id,
        "grantee_function": "college van burgemeester en wethouders",
        "acts": ["prepare_tender", "run_tender", "award_tender"],
        "phase_ids": [],
        "includes_extensions": True,
        "valid_from": "2026-01-01",
        "valid_until": "2027-12-31",
        "ceiling": "1.250.000,00",
        "grantor_ids": [org(session, "Enschede").id, org(session, "Hengelo").id],
    }
    values.update(changes)
    return values


def agreement_values(session, **changes):
    arrangement = twente(session)
    provider = org(session, "Carintreggeland")
    values = {
        "arrangement_id": arrangement.id,
        "kind": "purchase",
        "reference": "LOG-TW-2026-CR",
        "title": "Inkoopovereenkomst logeerzorg Carintreggeland 2026",
        "provider_id": provider.id,
        "contracting_party_id": org(session, "Rijssen-Holten").id,
        "start_on": "2026-01-02",
        "end_on": "2026-12-31",
        "extension_count": 1,
        "extension_months": 12,
        "notice_months": 3,
        "tariff_occupied_day": "166,00",
        "tariff_vacant_day": "166.00",
        "mandate_ids": [volmacht(session).id],
        "bed_ids": [b.id for b in arrangement.beds if b.location.provider_id == provider.id],
    }
    values.update(changes)
    return values


def second_arrangement(session):
    """Another arrangement, led by Enschede with Hengelo, with one phase of its own."""
    admin = system_actor("test")
    other = arrangements.create(
        session,
        admin,
        {
            "name": "Regionale aanbesteding logeerzorg",
            "lead_organisation_id": org(session, "Enschede").id,
            "participant_ids": [org(session, "Enschede").id, org(session, "Hengelo").id],
        },
    )
    arrangements.add_phase(
        session,
        admin,
        other.id,
        {"kind": "structural", "start_on": "2027-01-01", "end_on": "2030-12-31"},
    )
    return other


def refused(call, *args, **kwargs):
    with pytest.raises(InvalidInput) as caught:
        call(*args, **kwargs)
    return caught.value.errors


# --- mandates --------------------------------------------------------------------------------


def test_creating_a_mandate_gives_each_grantor_a_draft_grant(session):
    mandate = mandates.create(session, actor(session, LEGAL), mandate_values(session))
    session.commit()
    stored = mandates.get_visible(session, actor(session, POLICY), mandate.id)
    assert (
        stored.kind == "volmacht" and stored.title == "Volmacht aanbesteding structurele logeerzorg"
    )
    assert stored.acts == ["prepare_tender", "run_tender", "award_tender"]
    assert stored.valid_from == date(2026, 1, 1) and stored.valid_until == date(2027, 12, 31)
    assert stored.ceiling == Decimal("1250000.00")
    assert [(g.grantor.name, g.status, g.granted_on) for g in stored.grants] == [
        ("Enschede", "draft", None),
        ("Hengelo", "draft", None),
    ]
    assert mandates.summary(stored).text == "0 van 2 verleend"


def test_creating_a_mandate_is_audited_with_its_values_and_grantors(session):
    values = mandate_values(session)
    mandate = mandates.create(session, actor(session, LEGAL), values)
    [event] = events_for(session, "mandate", mandate.id)
    assert event.action == "create" and event.result == "success"
    assert event.actor_label.endswith(f"<{LEGAL}>")
    assert event.new_values["title"] == values["title"]
    assert event.new_values["grantor_ids"] == values["grantor_ids"]
    assert event.new_values["ceiling"] == "1250000.00"


def test_mandaat_for_private_law_acts_is_refused_and_names_the_volmacht(session):
    before = counts(session)
    errors = refused(
        mandates.create,
        session,
        actor(session, LEGAL),
        mandate_values(session, kind="mandaat", title="Mandaat aanbesteding"),
    )
    assert errors == {
        "acts": (
            "Handelingen: Het mandaat is voor publiekrechtelijke besluiten, genomen namens het "
            "college (Awb 10:1); 'aanbesteding voorbereiden' is een privaatrechtelijke "
            "rechtshandeling en vraagt een volmacht (BW 3:60). Dat geldt ook voor: aanbesteding "
            "uitvoeren, aanbesteding gunnen."
        )
    }
    session.rollback()
    assert counts(session) == before


def test_volmacht_for_a_public_law_decision_is_refused_and_names_the_mandaat(session):
    legal = actor(session, LEGAL)
    volmacht_ = mandates.create(session, legal, mandate_values(session))
    errors = refused(
        update_fields,
        mandates.update,
        session,
        legal,
        volmacht_,
        {"acts": ["run_tender", "grant_subsidy"]},
    )
    assert errors["acts"] == (
        "Handelingen: De volmacht is voor privaatrechtelijke rechtshandelingen (BW 3:60); "
        "'subsidie verlenen' is een publiekrechtelijk besluit en vraagt een mandaat (Awb 10:1)."
    )
    assert (
        mandates.create(
            session,
            legal,
            mandate_values(
                session, kind="mandaat", title="Subsidiemandaat", acts=["grant_subsidy"]
            ),
        ).kind
        == "mandaat"
    )


def test_a_mandate_ending_before_it_starts_is_refused_and_nothing_is_saved(session):
    before = counts(session)
    errors = refused(
        mandates.create,
        session,
        actor(session, LEGAL),
        mandate_values(session, valid_from="2026-01-01", valid_until="2025-12-31"),
    )
    assert errors == {
        "valid_until": (
            "Geldig tot en met: ligt vóór 'geldig vanaf'; een volmacht kan niet eindigen "
            "voordat hij begint."
        )
    }
    session.rollback()
    assert counts(session) == before


def test_a_mandate_for_a_phase_of_another_arrangement_is_refused_and_nothing_is_saved(session):
    other = second_arrangement(session)
    session.commit()
    foreign = other.phases[0].id
    before = counts(session)
    errors = refused(
        mandates.create,
        session,
        actor(session, LEGAL),
        mandate_values(session, phase_ids=[foreign], includes_extensions=False),
    )
    assert errors == {"phase_ids": f"Fasen: fase {foreign} hoort niet bij Pilot logeerzorg Twente."}
    session.rollback()
    assert counts(session) == before


def test_a_grantor_that_does_not_take_part_as_a_municipality_is_refused(session):
    other = second_arrangement(session)
    session.commit()
    before = counts(session)
    errors = refused(
        mandates.create,
        session,
        system_actor("test"),
        mandate_values(
            session,
            arrangement_id=other.id,
            grantee_id=org(session, "Enschede").id,
            grantor_ids=[org(session, "Hengelo").id, org(session, "Almelo").id],
        ),
    )
    assert errors == {
        "grantor_ids": (
            "Volmachtgevers: Almelo neemt niet als gemeente deel aan "
            "Regionale aanbesteding logeerzorg."
        )
    }
    session.rollback()
    assert counts(session) == before


def test_a_provider_or_the_care_office_cannot_grant_a_volmacht(session):
    errors = refused(
        mandates.create,
        session,
        actor(session, LEGAL),
        mandate_values(
            session,
            grantor_ids=[org(session, "Enschede").id, org(session, "Zorgkantoor Menzis").id],
        ),
    )
    assert errors["grantor_ids"] == (
        "Volmachtgevers: Zorgkantoor Menzis neemt niet als gemeente deel aan "
        "Pilot logeerzorg Twente."
    )


def test_a_mandate_without_acts_is_refused_and_nothing_is_saved(session):
    before = counts(session)
    errors = refused(
        mandates.create, session, actor(session, LEGAL), mandate_values(session, acts=[])
    )
    assert errors == {"acts": "Handelingen: kies ten minste één handeling."}
    session.rollback()
    assert counts(session) == before


def test_a_mandate_without_phases_extensions_or_a_validity_start_is_refused(session):
    before = counts(session)
    errors = refused(
        mandates.create,
        session,
        actor(session, LEGAL),
        mandate_values(session, phase_ids=[], includes_extensions=False, valid_from=""),
    )
    assert errors == {
        "phase_ids": (
            "Fasen: kies de fasen die de volmacht dekt, 'ook verlengingen', of vul een "
            "geldigheidsperiode in."
        )
    }
    session.rollback()
    assert counts(session) == before


def test_a_mandate_without_phases_may_cover_a_period_of_validity(session):
    mandate = mandates.create(
        session,
        actor(session, LEGAL),
        mandate_values(session, phase_ids=[], includes_extensions=False),
    )
    assert mandate.phases == [] and mandate.valid_from == date(2026, 1, 1)


def test_a_mandate_reports_every_problem_at_once(session):
    errors = refused(
        mandates.create,
        session,
        actor(session, LEGAL),
        mandate_values(
            session, acts=[], valid_until="2025-01-01", grantee_id=999_999, title="", kind="x"
        ),
    )
    assert set(errors) == {"acts", "valid_until", "grantee_id", "title", "kind"}
    assert errors["title"] == "Titel: vul dit veld in."
    assert errors["grantee_id"] == "Gevolmachtigde: kies een bestaande organisatie."


def test_only_legal_officers_the_project_group_and_the_administrator_create_mandates(session):
    # The project group drafts the standard volmacht every college is asked to grant.
    for email in (POLICY, PROVIDER_CR):
        with pytest.raises(Forbidden):
            mandates.create(session, actor(session, email), mandate_values(session))
    assert count(session, Mandate) == 1
    mandates.create(session, actor(session, PROJECT), mandate_values(session))
    assert count(session, Mandate) == 2


def test_the_demo_volmacht_is_granted_by_12_of_13_municipalities(session):
    mandate = volmacht(session)
    assert mandates.summary(mandate).text == "12 van 13 verleend"
    assert len(mandate.grants) == 13
    assert "Rijssen-Holten" not in {g.grantor.name for g in mandate.grants}
    assert grant_of(mandate, "Borne").status == "draft"
    enschede = grant_of(mandate, "Enschede")
    assert enschede.status == "active" and enschede.granted_on == date(2025, 5, 27)
    assert "BV25000055" in enschede.decision_reference


def test_recording_bornes_decision_makes_it_13_of_13(session):
    mandate = volmacht(session)
    borne = grant_of(mandate, "Borne")
    grant = mandates.record_grant(
        session,
        actor(session, LEGAL),
        mandate.id,
        borne.grantor_id,
        {"status": "granted", "granted_on": "2025-09-01", "decision_reference": "B&W Borne"},
        expected_version=borne.version,
    )
    session.commit()
    assert grant.status == "granted" and grant.granted_on == date(2025, 9, 1)
    assert grant.decision_reference == "B&W Borne"
    assert mandates.summary(volmacht(session)).text == "13 van 13 verleend"
    event = events_for(session, "mandate_grant", grant.id)[-1]
    assert event.action == "update"
    assert event.old_values == {"status": "draft", "granted_on": None, "decision_reference": ""}
    assert event.new_values == {
        "status": "granted",
        "granted_on": "2025-09-01",
        "decision_reference": "B&W Borne",
        "version": grant.version,
    }


def test_granting_without_the_decision_date_is_refused(session):
    mandate = volmacht(session)
    borne = grant_of(mandate, "Borne")
    errors = refused(
        mandates.record_grant,
        session,
        actor(session, LEGAL),
        mandate.id,
        borne.grantor_id,
        {"status": "granted"},
        expected_version=borne.version,
    )
    assert set(errors) == {"granted_on"}
    assert borne.status == "draft"


def test_a_draft_grant_cannot_come_into_force_before_it_is_granted(session):
    mandate = volmacht(session)
    borne = grant_of(mandate, "Borne")
    errors = refused(
        mandates.record_grant,
        session,
        actor(session, LEGAL),
        mandate.id,
        borne.grantor_id,
        {"status": "active", "granted_on": "2025-09-01"},
        expected_version=borne.version,
    )
    assert errors == {
        "status": "Status: van 'concept' kan niet naar 'van kracht'; wel naar: verleend."
    }
    session.rollback()
    assert grant_of(volmacht(session), "Borne").status == "draft"


def test_a_grant_in_force_cannot_go_back_to_draft(session):
    mandate = volmacht(session)
    enschede = grant_of(mandate, "Enschede")
    errors = refused(
        mandates.record_grant,
        session,
        actor(session, LEGAL),
        mandate.id,
        enschede.grantor_id,
        {"status": "draft"},
        expected_version=enschede.version,
    )
    assert errors["status"].startswith("Status: van 'van kracht' kan niet naar 'concept'")


def test_revoking_needs_a_date_not_before_the_decision_and_is_final(session):
    legal = actor(session, LEGAL)
    mandate = volmacht(session)
    hengelo = grant_of(mandate, "Hengelo")
    errors = refused(
        mandates.record_grant,
        session,
        legal,
        mandate.id,
        hengelo.grantor_id,
        {"status": "revoked"},
        expected_version=hengelo.version,
    )
    assert errors == {"revoked_on": "Ingetrokken op: vul de datum van intrekking in."}
    errors = refused(
        mandates.record_grant,
        session,
        legal,
        mandate.id,
        hengelo.grantor_id,
        {"status": "revoked", "revoked_on": "2025-05-19"},
        expected_version=hengelo.version,
    )
    assert errors == {"revoked_on": "Ingetrokken op: ligt vóór de datum van het besluit."}
    grant = mandates.record_grant(
        session,
        legal,
        mandate.id,
        hengelo.grantor_id,
        {"status": "revoked", "revoked_on": "2025-12-01"},
        expected_version=hengelo.version,
    )
    assert grant.status == "revoked" and grant.revoked_on == date(2025, 12, 1)
    assert mandates.summary(mandate).text == "11 van 13 verleend"
    errors = refused(
        mandates.record_grant,
        session,
        legal,
        mandate.id,
        hengelo.grantor_id,
        {"status": "active"},
        expected_version=grant.version,
    )
    assert errors["status"].endswith("; dit is de eindstatus.")


def test_s28_recording_a_grant_on_a_stale_version_is_a_conflict_naming_what_changed(session):
    mandate = volmacht(session)
    enschede = grant_of(mandate, "Enschede")
    assert enschede.version == 4  # draft, granted, in force, linked to its decision dossier
    with pytest.raises(Conflict) as caught:
        mandates.record_grant(
            session,
            actor(session, LEGAL),
            mandate.id,
            enschede.grantor_id,
            {"decision_reference": "ander kenmerk"},
            expected_version=2,
        )
    assert caught.value.changed["status"] == "active"
    assert caught.value.changed["decision_id"] is not None
    session.rollback()
    assert "BV25000055" in grant_of(volmacht(session), "Enschede").decision_reference


def test_a_municipality_that_does_not_grant_the_mandate_has_no_grant_to_record(session):
    with pytest.raises(NotFound):
        mandates.record_grant(
            session,
            actor(session, LEGAL),
            volmacht(session).id,
            org(session, "Rijssen-Holten").id,
            {"status": "granted", "granted_on": "2025-09-01"},
            expected_version=1,
        )


def draft_mandate(session):
    """A mandate no grantor has decided on yet: its text may still change in place."""
    mandate = mandates.create(session, actor(session, LEGAL), mandate_values(session))
    session.commit()
    return mandate


def test_updating_a_mandate_is_audited_with_old_and_new_values(session):
    mandate = draft_mandate(session)
    version = mandate.version
    mandates.update(
        session,
        actor(session, LEGAL),
        mandate.id,
        {"valid_until": "2028-12-31", "version": version},
        expected_version=version,
        partial=True,
    )
    session.commit()
    event = events_for(session, "mandate", mandate.id)[-1]
    assert event.action == "update"
    assert event.old_values == {"valid_until": "2027-12-31"}
    assert event.new_values == {"valid_until": "2028-12-31", "version": version + 1}
    assert session.get(Mandate, mandate.id).valid_until == date(2028, 12, 31)


def test_s28_updating_a_mandate_on_a_stale_version_is_a_conflict(session):
    mandate = draft_mandate(session)
    with pytest.raises(Conflict):
        mandates.update(
            session,
            actor(session, LEGAL),
            mandate.id,
            {"title": "Andere titel"},
            expected_version=mandate.version - 1,
            partial=True,
        )


def test_updating_a_mandate_to_end_before_it_starts_is_refused(session):
    mandate = draft_mandate(session)
    errors = refused(
        update_fields,
        mandates.update,
        session,
        actor(session, LEGAL),
        mandate,
        {"valid_from": "2025-01-01", "valid_until": "2024-12-31"},
    )
    assert set(errors) == {"valid_until"}


# --- a granted mandate changes only by a new version ---------------------------------------


def test_granted_mandate_cannot_change_in_place(session):
    """Twelve colleges granted the demo volmacht: its acts, validity, ceiling and text are what
    they decided on. Changing any of them is refused, in Dutch, and nothing is saved."""
    mandate = volmacht(session)
    before = (mandate.version, mandate.valid_until, list(mandate.acts), mandate.description)
    for change in (
        {"valid_until": "2026-12-31"},
        {"acts": ["conclude_agreement", "run_tender"]},
        {"ceiling": "50.000,00"},
        {"description": "Een andere tekst."},
        {"grantee_id": org(session, "Enschede").id},
    ):
        errors = refused(
            update_fields,
            mandates.update,
            session,
            actor(session, LEGAL),
            mandate,
            change,
        )
        assert errors == {"status": mandates.FROZEN}
        assert "Maak een nieuwe versie" in errors["status"]
        session.rollback()
    stored = volmacht(session)
    assert (stored.version, stored.valid_until, list(stored.acts), stored.description) == before
    # The grantors' own decisions are still recorded on it: Borne decides later.
    borne = grant_of(stored, "Borne")
    mandates.record_grant(
        session,
        actor(session, LEGAL),
        stored.id,
        borne.grantor_id,
        {"status": "granted", "granted_on": "2025-09-01"},
        expected_version=borne.version,
    )
    session.commit()
    assert mandates.summary(volmacht(session)).text == "13 van 13 verleend"


def test_new_version_needs_own_grants(session):
    """A new version copies the granted volmacht into a draft that follows it, with a draft
    decision for each of its grantors; until they grant it, coverage rests on the old one."""
    old = volmacht(session)
    new = mandates.new_version(session, actor(session, LEGAL), old.id)
    session.commit()
    assert new.id != old.id and new.predecessor_id == old.id
    assert new.title == f"{demo.VOLMACHT_TITLE} (versie 2)"
    assert (new.kind, list(new.acts), new.grantee_id, new.includes_extensions) == (
        old.kind,
        list(old.acts),
        old.grantee_id,
        old.includes_extensions,
    )
    assert [p.id for p in new.phases] == [p.id for p in old.phases]
    assert new.ratifies_since == old.ratifies_since and new.description == old.description
    assert sorted(g.grantor_id for g in new.grants) == sorted(g.grantor_id for g in old.grants)
    assert {(g.status, g.granted_on, g.decision_id) for g in new.grants} == {("draft", None, None)}
    assert mandates.summary(new).text == "0 van 13 verleend"
    assert mandates.summary(volmacht(session)).text == "12 van 13 verleend"
    assert [m.id for m in mandates.versions(session, new)] == [old.id, new.id]
    assert [m.id for m in mandates.versions(session, old)] == [old.id, new.id]
    [event] = [e for e in events_for(session, "mandate", new.id) if e.action == "new_version"]
    assert event.new_values["predecessor_id"] == old.id

    # The draft version is changed in place; the granted one stays as it was decided.
    mandates.update(
        session,
        actor(session, LEGAL),
        new.id,
        {
            "acts": [*old.acts, "run_tender"],
            "phase_ids": [],
            "includes_extensions": False,
            "valid_from": "2026-01-02",
            "valid_until": "2027-12-31",
        },
        expected_version=new.version,
        partial=True,
    )
    session.commit()
    assert volmacht(session).valid_until is None
    assert "run_tender" not in volmacht(session).acts
    tender = rows_by_name(session, Act.RUN_TENDER, date(2026, 3, 1))
    assert not tender["Enschede"].covered
    extension = rows_by_name(session, Act.EXTEND_AGREEMENT, date(2025, 3, 1))
    assert extension["Enschede"].covered and extension["Enschede"].mandate_id == old.id

    # Enschede's decision on the new version makes it cover the tender for Enschede.
    enschede = grant_of(session.get(Mandate, new.id), "Enschede")
    mandates.record_grant(
        session,
        actor(session, LEGAL),
        new.id,
        enschede.grantor_id,
        {"status": "granted", "granted_on": "2025-09-02"},
        expected_version=enschede.version,
    )
    session.commit()
    tender = rows_by_name(session, Act.RUN_TENDER, date(2026, 3, 1))
    assert tender["Enschede"].covered and tender["Enschede"].mandate_id == new.id
    assert not tender["Hengelo"].covered


def test_a_granted_mandate_has_one_next_version_and_a_draft_needs_none(session):
    old = volmacht(session)
    new = mandates.new_version(session, actor(session, LEGAL), old.id)
    session.commit()
    errors = refused(mandates.new_version, session, actor(session, LEGAL), old.id)
    assert errors["status"].startswith(
        f"Er is al een nieuwe versie van deze volmacht: '{new.title}'."
    )
    session.rollback()
    errors = refused(mandates.new_version, session, actor(session, LEGAL), new.id)
    assert errors["status"].startswith("Deze volmacht is nog door geen volmachtgever verleend")


def test_only_those_who_edit_mandates_make_a_new_version(session):
    with pytest.raises(Forbidden):
        mandates.new_version(session, actor(session, POLICY), volmacht(session).id)


# --- agreements ------------------------------------------------------------------------------


def test_creating_an_agreement_starts_as_draft_and_derives_the_maximum_end(session):
    values = agreement_values(session)
    agreement = agreements.create(session, actor(session, PROJECT), values)
    session.commit()
    stored = agreements.get_visible(session, actor(session, POLICY), agreement.id)
    assert stored.status == "draft" and stored.version == 1
    assert stored.start_on == date(2026, 1, 2) and stored.end_on == date(2026, 12, 31)
    assert stored.maximum_end_on == date(2027, 12, 31)
    assert stored.tariff_occupied_day == Decimal("166.00")
    assert stored.tariff_vacant_day == Decimal("166.00")
    assert [m.title for m in stored.mandates] == [demo.VOLMACHT_TITLE]
    assert [b.location.name for b in stored.beds] == ["Humanitas"]
    [event] = events_for(session, "agreement", agreement.id)
    assert event.action == "create" and event.new_values["reference"] == "LOG-TW-2026-CR"


def test_a_framework_agreement_of_four_years_including_extensions_is_accepted(session):
    agreement = agreements.create(
        session,
        actor(session, PROJECT),
        agreement_values(
            session,
            kind="framework",
            start_on="2025-01-01",
            end_on="2026-12-31",
            extension_count=2,
            extension_months=12,
        ),
    )
    assert agreement.maximum_end_on == date(2028, 12, 31)


def test_a_framework_agreement_longer_than_four_years_is_refused_and_nothing_is_saved(session):
    before = counts(session)
    errors = refused(
        agreements.create,
        session,
        actor(session, PROJECT),
        agreement_values(
            session,
            kind="framework",
            start_on="2025-01-01",
            end_on="2026-12-31",
            extension_count=3,
            extension_months=12,
        ),
    )
    assert set(errors) == {"maximum_end_on"}
    assert "Aanbestedingswet 2012, art. 2.140" in errors["maximum_end_on"]
    assert errors["maximum_end_on"].endswith("uiterlijk 31 december 2028.")
    session.rollback()
    assert counts(session) == before


def test_an_agreement_cannot_start_before_the_arrangement(session):
    before = counts(session)
    errors = refused(
        agreements.create,
        session,
        actor(session, PROJECT),
        agreement_values(session, start_on="2024-01-31", end_on="2024-12-31"),
    )
    assert errors == {
        "start_on": (
            "Begindatum: de overeenkomst kan niet beginnen vóór de regeling (1 februari 2024)."
        )
    }
    session.rollback()
    assert counts(session) == before


def test_an_agreement_ending_before_it_starts_is_refused(session):
    errors = refused(
        agreements.create,
        session,
        actor(session, PROJECT),
        agreement_values(session, start_on="2026-06-01", end_on="2026-05-31"),
    )
    assert errors == {"end_on": "Einddatum: ligt vóór de begindatum."}


def test_an_agreement_reference_is_unique(session):
    errors = refused(
        agreements.create,
        session,
        actor(session, PROJECT),
        agreement_values(session, reference="LOG-TW-2025-CR"),
    )
    assert errors == {"reference": "Kenmerk: er is al een overeenkomst met dit kenmerk."}


def test_an_agreement_needs_a_provider_of_the_arrangement_and_a_municipality_as_party(session):
    errors = refused(
        agreements.create,
        session,
        actor(session, PROJECT),
        agreement_values(
            session,
            provider_id=org(session, "Enschede").id,
            contracting_party_id=org(session, "Liberein").id,
            bed_ids=[],
        ),
    )
    assert errors == {
        "provider_id": "Zorgaanbieder: kies een zorgaanbieder van Pilot logeerzorg Twente.",
        "contracting_party_id": "Contractpartij: kies een gemeente.",
    }


def test_an_agreement_can_only_hold_beds_of_its_own_provider(session):
    arrangement = twente(session)
    liberein_bed = next(b for b in arrangement.beds if b.location.name == "De Eschpoort")
    errors = refused(
        agreements.create,
        session,
        actor(session, PROJECT),
        agreement_values(session, bed_ids=[liberein_bed.id]),
    )
    assert errors == {"bed_ids": "Bedden: kies bedden van deze zorgaanbieder."}


def test_an_agreement_can_only_rely_on_mandates_of_its_arrangement(session):
    other = second_arrangement(session)
    foreign = mandates.create(
        session,
        system_actor("test"),
        mandate_values(
            session,
            arrangement_id=other.id,
            grantee_id=org(session, "Enschede").id,
            grantor_ids=[org(session, "Hengelo").id],
        ),
    )
    errors = refused(
        agreements.create,
        session,
        actor(session, PROJECT),
        agreement_values(session, mandate_ids=[foreign.id]),
    )
    assert errors == {"mandate_ids": "Volmachten: kies volmachten van deze regeling."}


def test_updating_an_agreement_is_audited_with_old_and_new_values(session):
    agreement = demo_agreement(session, "CR")
    version = agreement.version
    agreements.update(
        session,
        actor(session, PROJECT),
        agreement.id,
        {"tariff_occupied_day": "170,00", "notes": "Tarief geïndexeerd."},
        expected_version=version,
        partial=True,
    )
    session.commit()
    event = events_for(session, "agreement", agreement.id)[-1]
    assert event.action == "update" and event.result == "success"
    assert event.actor_label.endswith(f"<{PROJECT}>")
    assert event.old_values == {"tariff_occupied_day": "166.00", "notes": ""}
    assert event.new_values == {
        "tariff_occupied_day": "170.00",
        "notes": "Tarief geïndexeerd.",
        "version": version + 1,
    }
    assert demo_agreement(session, "CR").tariff_vacant_day == Decimal("166.00")


def test_updating_an_agreement_into_a_framework_longer_than_four_years_is_refused(session):
    agreement = demo_agreement(session, "CR")
    version = agreement.version
    errors = refused(
        agreements.update,
        session,
        actor(session, PROJECT),
        agreement.id,
        {"kind": "framework", "extension_count": 3, "maximum_end_on": None},
        expected_version=version,
        partial=True,
    )
    assert set(errors) == {"maximum_end_on"}
    assert "art. 2.140" in errors["maximum_end_on"]
    assert errors["maximum_end_on"].endswith("uiterlijk 31 december 2028.")
    session.rollback()
    stored = demo_agreement(session, "CR")
    assert (stored.kind, stored.extension_count, stored.version) == ("purchase", 1, version)


def test_updating_an_agreement_to_start_before_the_arrangement_is_refused(session):
    agreement = demo_agreement(session, "CR")
    errors = refused(
        update_fields,
        agreements.update,
        session,
        actor(session, PROJECT),
        agreement,
        {"start_on": "2024-01-01"},
    )
    assert set(errors) == {"start_on"}


def test_updating_an_agreement_may_keep_its_own_reference(session):
    agreement = demo_agreement(session, "CR")
    updated = update_fields(
        agreements.update,
        session,
        actor(session, PROJECT),
        agreement,
        {"reference": "LOG-TW-2025-CR", "title": "Nieuwe titel"},
    )
    assert updated.title == "Nieuwe titel"


def test_s11_a_provider_sees_only_its_own_agreements(session):
    listed = agreements.list_visible(session, actor(session, PROVIDER_CR))
    assert [a.reference for a in listed] == ["LOG-TW-2025-CR"]
    everyone = agreements.list_visible(session, actor(session, POLICY))
    assert len(everyone) == 5


def test_s11_another_providers_agreement_is_not_found_for_a_provider(session):
    carintreggeland = actor(session, PROVIDER_CR)
    own = demo_agreement(session, "CR")
    assert agreements.get_visible(session, carintreggeland, own.id).id == own.id
    with pytest.raises(NotFound):
        agreements.get_visible(session, carintreggeland, demo_agreement(session, "LI").id)
    with pytest.raises(NotFound):
        agreements.get_visible(session, actor(session, PROVIDER_LI), own.id)


def test_s11_a_provider_neither_edits_agreements_nor_sees_the_mandate_register(session):
    provider = actor(session, PROVIDER_CR)
    own = demo_agreement(session, "CR")
    with pytest.raises(Forbidden):
        update_fields(agreements.update, session, provider, own, {"notes": "x"})
    with pytest.raises(Forbidden):
        agreements.change_status(
            session, provider, own.id, "terminated", expected_version=own.version
        )
    with pytest.raises(Forbidden):
        mandates.list_visible(session, provider)
    with pytest.raises(Forbidden):
        coverage.answers(
            session, provider, twente(session).id, act=Act.RUN_TENDER, on=date(2026, 3, 1)
        )


def test_changing_status_twice_does_nothing_the_second_time(session):
    project = actor(session, PROJECT)
    agreement = demo_agreement(session, "CR")
    version = agreement.version
    agreements.change_status(session, project, agreement.id, "extended", expected_version=version)
    session.commit()
    events = len(events_for(session, "agreement", agreement.id))
    again = agreements.change_status(
        session, project, agreement.id, "extended", expected_version=version
    )
    session.commit()
    assert again.status == "extended" and again.version == version + 1
    assert len(events_for(session, "agreement", agreement.id)) == events


def test_extending_an_agreement_uses_one_of_its_extension_options(session):
    # The demo agreements have one option of twelve months; none is used yet.
    agreement = demo_agreement(session, "CR")
    assert (agreement.extension_count, agreement.extensions_used) == (1, 0)
    agreements.change_status(
        session,
        actor(session, PROJECT),
        agreement.id,
        "extended",
        expected_version=agreement.version,
    )
    session.commit()
    assert demo_agreement(session, "CR").extensions_used == 1


def test_an_illegal_status_transition_is_refused_with_a_dutch_message(session):
    agreement = demo_agreement(session, "CR")
    errors = refused(
        agreements.change_status,
        session,
        actor(session, PROJECT),
        agreement.id,
        "draft",
        expected_version=agreement.version,
    )
    assert errors["status"].startswith(
        "Status: van 'lopend' kan de overeenkomst niet naar 'concept'"
    )
    session.rollback()
    assert demo_agreement(session, "CR").status == "active"


def test_s28_a_status_change_on_a_stale_version_is_a_conflict(session):
    agreement = demo_agreement(session, "CR")
    with pytest.raises(Conflict) as caught:
        agreements.change_status(
            session,
            actor(session, PROJECT),
            agreement.id,
            "terminated",
            expected_version=agreement.version - 1,
        )
    assert caught.value.changed == {"status": "active"}


# --- phases ("Verlengen") ------------------------------------------------------------------


def test_extending_with_only_an_end_date_adds_verlenging_2_the_day_after_the_last_phase(session):
    arrangement = twente(session)
    phase = arrangements.add_phase(
        session, actor(session, PROJECT), arrangement.id, {"end_on": "2026-12-31"}
    )
    session.commit()
    assert (phase.name, phase.kind) == ("Verlenging 2", "extension")
    assert (phase.start_on, phase.end_on) == (date(2026, 1, 2), date(2026, 12, 31))
    [event] = events_for(session, "phase", phase.id)
    assert event.new_values["start_on"] == "2026-01-02"
    assert [p.name for p in twente(session).phases] == ["Pilot", "Verlenging 1", "Verlenging 2"]


def test_a_phase_overlapping_another_is_refused(session):
    arrangement = twente(session)
    errors = refused(
        arrangements.add_phase,
        session,
        actor(session, PROJECT),
        arrangement.id,
        {"start_on": "2025-12-01", "end_on": "2026-06-30"},
    )
    assert errors == {
        "start_on": (
            "Begindatum: de nieuwe fase overlapt met Verlenging 1 "
            "(1 januari 2025 t/m 1 januari 2026)."
        )
    }
    session.rollback()
    assert len(twente(session).phases) == 2


def test_a_phase_ending_before_it_starts_is_refused(session):
    arrangement = twente(session)
    errors = refused(
        arrangements.add_phase,
        session,
        actor(session, PROJECT),
        arrangement.id,
        {"end_on": "2025-12-31"},
    )
    assert errors == {"end_on": "Einddatum: ligt vóór de begindatum van de fase."}
    session.rollback()
    assert len(twente(session).phases) == 2


def test_adding_a_phase_needs_the_right_to_edit_arrangements(session):
    with pytest.raises(Forbidden):
        arrangements.add_phase(
            session, actor(session, LEGAL), twente(session).id, {"end_on": "2026-12-31"}
        )


# --- extension impact ------------------------------------------------------------------------


def test_extension_impact_lists_agreements_that_end_before_the_new_end(session):
    effects = extensions.extension_impact(
        session, actor(session, PROJECT), twente(session).id, new_end=date(2026, 12, 31)
    )
    on_agreements = [e for e in effects if e.register == "overeenkomst"]
    assert len(on_agreements) == 5
    assert all(e.needs_action for e in on_agreements)
    carintreggeland = next(e for e in on_agreements if e.subject.startswith("LOG-TW-2025-CR"))
    assert carintreggeland.subject == "LOG-TW-2025-CR – Carintreggeland"
    assert carintreggeland.text == (
        "eindigt op 1 januari 2026; verlengen met een optie (1 van 1 over), "
        "opzeggen uiterlijk 1 oktober 2025."
    )


def test_extension_impact_beyond_the_maximum_end_asks_for_a_new_agreement(session):
    effects = extensions.extension_impact(
        session, actor(session, PROJECT), twente(session).id, new_end=date(2027, 6, 30)
    )
    on_agreements = [e for e in effects if e.register == "overeenkomst"]
    assert len(on_agreements) == 5
    assert all(e.needs_action for e in on_agreements)
    assert all("loopt uiterlijk tot 1 januari 2027" in e.text for e in on_agreements)
    assert all("Aanbestedingswet 2.163b" in e.text for e in on_agreements)


def test_extension_impact_says_the_volmacht_covers_extensions(session):
    effects = extensions.extension_impact(
        session, actor(session, PROJECT), twente(session).id, new_end=date(2026, 12, 31)
    )
    [on_volmacht] = [e for e in effects if e.register == "volmacht"]
    assert on_volmacht.subject == demo.VOLMACHT_TITLE
    assert on_volmacht.text == "dekt de verlenging (ook eventuele verlengingen)."
    assert not on_volmacht.needs_action
    assert effects[-1].register == "termijnen" and not effects[-1].needs_action


def test_extension_impact_flags_a_volmacht_valid_until_before_the_new_end(session):
    # As if the colleges had granted it with an end date (a granted text is not edited).
    volmacht(session).valid_until = date(2026, 6, 30)
    session.flush()
    effects = extensions.extension_impact(
        session, actor(session, PROJECT), twente(session).id, new_end=date(2026, 12, 31)
    )
    [on_volmacht] = [e for e in effects if e.register == "volmacht"]
    assert on_volmacht.needs_action
    assert on_volmacht.text == "dekt verlengingen, maar is geldig tot 30 juni 2026."


def test_extension_impact_asks_for_a_new_mandaat_in_correct_dutch(session):
    pilot = twente(session).phases[0]
    mandates.create(
        session,
        actor(session, LEGAL),
        mandate_values(
            session,
            kind="mandaat",
            title="Mandaat Wmo-beschikkingen logeerzorg",
            acts=["decide_application"],
            phase_ids=[pilot.id],
            includes_extensions=False,
        ),
    )
    effects = extensions.extension_impact(
        session, actor(session, PROJECT), twente(session).id, new_end=date(2026, 12, 31)
    )
    [on_mandaat] = [e for e in effects if e.register == "mandaat"]
    assert on_mandaat.needs_action
    # "mandaat" is a het-word: een nieuw mandaat (not: een nieuwe mandaat).
    assert on_mandaat.text.endswith("een nieuw mandaat is nodig.")


def test_extension_impact_ignores_ended_and_terminated_agreements(session):
    project = actor(session, PROJECT)
    agreement = demo_agreement(session, "LI")
    agreements.change_status(
        session, project, agreement.id, "terminated", expected_version=agreement.version
    )
    effects = extensions.extension_impact(
        session, project, twente(session).id, new_end=date(2026, 12, 31)
    )
    subjects = [e.subject for e in effects if e.register == "overeenkomst"]
    assert len(subjects) == 4 and not any("Liberein" in s for s in subjects)


def test_extension_impact_refuses_a_new_end_before_the_extension_starts(session):
    errors = refused(
        extensions.extension_impact,
        session,
        actor(session, PROJECT),
        twente(session).id,
        new_end=date(2026, 1, 1),
    )
    assert errors == {
        "end_on": "Einddatum: de verlenging begint op 2 januari 2026 en moet daarna eindigen."
    }


# --- coverage --------------------------------------------------------------------------------


def rows_by_name(session, act, on):
    rows = coverage.answers(session, actor(session, POLICY), twente(session).id, act=act, on=on)
    return {row.municipality.name: row.answer for row in rows}


def test_coverage_has_one_row_per_participating_municipality_including_the_lead(session):
    rows = rows_by_name(session, Act.RUN_TENDER, date(2026, 3, 1))
    assert sorted(rows) == sorted(demo.MUNICIPALITIES)
    assert "Zorgkantoor Menzis" not in rows and "Carintreggeland" not in rows


def test_running_a_tender_in_2026_is_not_covered_by_the_volmacht_and_says_why(session):
    rows = rows_by_name(session, Act.RUN_TENDER, date(2026, 3, 1))
    hengelo = rows["Hengelo"]
    assert not hengelo.covered
    assert hengelo.mandate_id == volmacht(session).id
    assert hengelo.reason.startswith("De volmacht dekt de pilot en eventuele verlengingen, voor:")
    assert "niet voor 'aanbesteding uitvoeren'" in hengelo.reason
    others = [a for name, a in rows.items() if name != "Rijssen-Holten"]
    assert len(others) == 13 and not any(a.covered for a in others)


def test_the_lead_municipality_acts_for_itself_on_its_own_authority(session):
    for act, on in ((Act.RUN_TENDER, date(2026, 3, 1)), (Act.EXTEND_AGREEMENT, date(2025, 3, 1))):
        lead = rows_by_name(session, act, on)["Rijssen-Holten"]
        assert lead.covered and lead.mandate_id is None
        assert lead.reason == "eigen bevoegdheid"


def test_extending_agreements_in_march_2025_is_covered_by_ratification(session):
    rows = rows_by_name(session, Act.EXTEND_AGREEMENT, date(2025, 3, 1))
    enschede = rows["Enschede"]
    assert enschede.covered and enschede.ratified
    assert enschede.mandate_id == volmacht(session).id
    assert enschede.reason == (
        "bekrachtigd door Enschede op 27 mei 2025 (handelingen vanaf 1 januari 2025, BW 3:69)"
    )
    borne = rows["Borne"]
    assert not borne.covered and borne.reason == "Borne heeft nog niet besloten."
    assert sum(1 for a in rows.values() if a.covered) == 13


def test_after_its_decision_is_recorded_borne_is_covered_by_ratification_too(session):
    mandate = volmacht(session)
    borne = grant_of(mandate, "Borne")
    mandates.record_grant(
        session,
        actor(session, LEGAL),
        mandate.id,
        borne.grantor_id,
        {"status": "granted", "granted_on": "2025-09-01"},
        expected_version=borne.version,
    )
    session.commit()
    answer = rows_by_name(session, Act.EXTEND_AGREEMENT, date(2025, 3, 1))["Borne"]
    assert answer.covered and answer.ratified
    assert answer.reason.startswith("bekrachtigd door Borne op 1 september 2025")


def test_after_a_revocation_the_volmacht_no_longer_covers_that_municipality(session):
    mandate = volmacht(session)
    hengelo = grant_of(mandate, "Hengelo")
    mandates.record_grant(
        session,
        actor(session, LEGAL),
        mandate.id,
        hengelo.grantor_id,
        {"status": "revoked", "revoked_on": "2025-12-01"},
        expected_version=hengelo.version,
    )
    session.commit()
    before = rows_by_name(session, Act.EXTEND_AGREEMENT, date(2025, 11, 30))["Hengelo"]
    assert before.covered
    after = rows_by_name(session, Act.EXTEND_AGREEMENT, date(2025, 12, 1))["Hengelo"]
    assert not after.covered and after.reason == "Ingetrokken op 1 december 2025."
    assert rows_by_name(session, Act.EXTEND_AGREEMENT, date(2025, 12, 1))["Enschede"].covered


def test_a_tender_mandate_covers_running_the_tender_once_granted_and_valid(session):
    legal = actor(session, LEGAL)
    tender = mandates.create(
        session, legal, mandate_values(session, phase_ids=[], includes_extensions=False)
    )
    hengelo = grant_of(tender, "Hengelo")
    mandates.record_grant(
        session,
        legal,
        tender.id,
        hengelo.grantor_id,
        {"status": "granted", "granted_on": "2025-11-18"},
        expected_version=hengelo.version,
    )
    session.commit()
    rows = rows_by_name(session, Act.RUN_TENDER, date(2026, 3, 1))
    assert rows["Hengelo"].covered and rows["Hengelo"].mandate_id == tender.id
    assert rows["Hengelo"].reason == "volmacht van Hengelo"
    assert not rows["Enschede"].covered
    assert rows["Enschede"].reason == "Enschede heeft nog niet besloten."
    assert not rows["Almelo"].covered
    early = rows_by_name(session, Act.RUN_TENDER, date(2025, 12, 1))["Hengelo"]
    assert not early.covered and early.reason == "Geldig vanaf 1 januari 2026."


def test_after_the_decision_the_volmacht_covers_without_ratification(session):
    answer = rows_by_name(session, Act.EXTEND_AGREEMENT, date(2025, 6, 2))["Enschede"]
    assert answer.covered and not answer.ratified
    assert answer.reason == "volmacht van Enschede"


def test_coverage_reads_the_question_and_refuses_unknown_acts_and_impossible_dates(session):
    assert coverage.read_question("run_tender", "2026-03-01") == (
        Act.RUN_TENDER,
        date(2026, 3, 1),
    )
    with pytest.raises(InvalidInput) as caught:
        coverage.read_question("unknown", "31-02-2026")
    assert set(caught.value.errors) == {"act", "on"}
    assert caught.value.errors["on"] == "Datum: 31-02-2026 bestaat niet in de kalender."
    assert caught.value.errors["act"].startswith("Handeling: kies uit conclude_agreement")


def test_s28_two_saves_of_the_same_version_at_the_same_moment_keep_the_first(engine, backend):
    """On PostgreSQL two saves may both read version v before either commits; both pass the
    version check, and the later UPDATE ... WHERE version = v matches no row. Nothing of the
    second is written (the pages answer it with 409, tests/storage/test_faults.py)."""
    if backend == "sqlite":
        pytest.skip(reason="SQLite: the first transaction holds the write lock from its first read")
    sessions = session_factory(engine)
    actor = system_actor("test")
    with sessions() as first, sessions() as second:
        arrangement_id = find_arrangement_by_name(first, demo.ARRANGEMENT_NAME).id
        early = arrangements.visible(second, actor, arrangement_id)
        version = early.version  # the second has read v
        arrangements.update(
            first,
            actor,
            arrangement_id,
            {"description": "eerst"},
            expected_version=version,
            partial=True,
        )
        first.commit()
        with pytest.raises(StaleDataError):
            arrangements.update(
                second,
                actor,
                arrangement_id,
                {"description": "tweede"},
                expected_version=version,
                partial=True,
            )
            second.flush()
        second.rollback()
    with sessions() as check:
        stored = arrangements.visible(check, actor, arrangement_id)
        assert (stored.description, stored.version) == ("eerst", version + 1)
