from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from storage.accounts import ApiToken, LoginSession
from storage.audit import AuditEvent
from storage.organisations import find_organisation_by_name
from tests.conftest import PASSWORD, POLICY
from workflows.accounts import accounts
from workflows.actors import system_actor
from workflows.errors import InvalidInput

NOW = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
LIMITS = accounts.SessionLimits(idle=timedelta(minutes=30), absolute=timedelta(hours=10))


def test_correct_password_authenticates(session):
    user = accounts.authenticate(session, email=POLICY, password=PASSWORD, origin="t")
    assert user is not None and user.email == POLICY


def test_email_is_matched_case_insensitively(session):
    assert accounts.authenticate(session, email=POLICY.upper(), password=PASSWORD, origin="t")


def test_s27_failed_login_is_audited_with_the_address_tried_and_never_the_password(session):
    assert (
        accounts.authenticate(session, email=POLICY, password="fout-wachtwoord", origin="t") is None
    )
    assert (
        accounts.authenticate(session, email="niemand@x.nl", password="geheim-123", origin="t")
        is None
    )
    session.commit()
    failures = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "login", AuditEvent.result == "failed")
    ).all()
    # An unknown name outside our domains may be a password: only a marker (issue #14, S26).
    assert [f.actor_label for f in failures] == [POLICY, accounts.UNRECOGNISED_LOGIN_NAME]
    dumped = repr([(f.old_values, f.new_values, f.actor_label) for f in failures])
    assert "fout-wachtwoord" not in dumped and "geheim-123" not in dumped


def test_disabled_account_cannot_log_in(session):
    user = accounts.authenticate(session, email=POLICY, password=PASSWORD, origin="t")
    user.active = False
    session.flush()
    assert accounts.authenticate(session, email=POLICY, password=PASSWORD, origin="t") is None


def test_s17_a_session_ends_for_good_at_logout(session):
    user = accounts.authenticate(session, email=POLICY, password=PASSWORD, origin="t")
    token = accounts.start_login_session(session, user, origin="t", now=NOW)
    assert accounts.resolve_login_session(session, token, now=NOW, limits=LIMITS) is user
    accounts.end_login_session(session, token, now=NOW, origin="t")
    assert accounts.resolve_login_session(session, token, now=NOW, limits=LIMITS) is None


def test_s17_only_a_hash_of_the_session_token_is_stored(session):
    user = accounts.authenticate(session, email=POLICY, password=PASSWORD, origin="t")
    token = accounts.start_login_session(session, user, origin="t", now=NOW)
    stored = session.scalars(select(LoginSession.token_hash)).all()
    assert token not in stored and accounts.token_digest(token) in stored


def test_s18_session_ends_after_inactivity_and_after_the_absolute_limit(session):
    user = accounts.authenticate(session, email=POLICY, password=PASSWORD, origin="t")
    idle = accounts.start_login_session(session, user, origin="t", now=NOW)
    assert (
        accounts.resolve_login_session(
            session, idle, now=NOW + timedelta(minutes=31), limits=LIMITS
        )
        is None
    )
    busy = accounts.start_login_session(session, user, origin="t", now=NOW)
    moment = NOW
    while moment < NOW + timedelta(hours=10):
        assert accounts.resolve_login_session(session, busy, now=moment, limits=LIMITS) is user
        moment += timedelta(minutes=20)
    # Active every twenty minutes, yet over after ten hours.
    assert accounts.resolve_login_session(session, busy, now=moment, limits=LIMITS) is None


def test_s17_disabling_an_account_ends_its_sessions(session):
    user = accounts.authenticate(session, email=POLICY, password=PASSWORD, origin="t")
    token = accounts.start_login_session(session, user, origin="t", now=NOW)
    user.active = False
    assert accounts.resolve_login_session(session, token, now=NOW, limits=LIMITS) is None


def test_api_token_resolves_to_its_user_and_only_its_hash_is_stored(session):
    token = accounts.create_api_token(
        session, system_actor("t"), email=POLICY, scope="read", now=NOW
    )
    assert token.startswith("bw_")
    assert accounts.resolve_api_token(session, token, now=NOW).user.email == POLICY
    assert accounts.resolve_api_token(session, token + "x", now=NOW) is None
    assert token not in session.scalars(select(ApiToken.token_hash)).all()


def test_create_user_names_every_wrong_field_in_dutch_and_saves_nothing(session):
    borne = find_organisation_by_name(session, "Borne")
    with pytest.raises(InvalidInput) as caught:
        accounts.create_user(
            session,
            system_actor("t"),
            email="geen-adres",
            name="",
            role="koning",
            organisation_id=borne.id,
            password="kort",
        )
    assert set(caught.value.errors) == {"email", "name", "role", "password"}
    assert "E-mailadres" in caught.value.errors["email"]


def test_a_provider_role_belongs_to_a_provider_organisation_only(session):
    borne = find_organisation_by_name(session, "Borne")
    with pytest.raises(InvalidInput) as caught:
        accounts.create_user(
            session,
            system_actor("t"),
            email="nieuw@borne.example",
            name="Nieuw",
            role="provider",
            organisation_id=borne.id,
            password="paarse olifant fietst langs de Dinkel",
        )
    assert set(caught.value.errors) == {"role"}


@pytest.mark.parametrize(
    ("role", "organisation", "allowed"),
    [
        ("legal_officer", "Zorgkantoor Menzis", False),
        ("auditor", "Kennispunt Twente", False),
        ("project_group", "Kennispunt Twente", True),
    ],
)
def test_a_new_account_follows_the_same_role_pairing_as_an_edited_one(
    session, role, organisation, allowed
):
    kwargs = {
        "email": "nieuw@partner.example",
        "name": "Nieuw",
        "role": role,
        "organisation_id": find_organisation_by_name(session, organisation).id,
        "password": "paarse olifant fietst langs de Dinkel",
    }
    if allowed:
        assert accounts.create_user(session, system_actor("t"), **kwargs).role == role
        return
    with pytest.raises(InvalidInput) as caught:
        accounts.create_user(session, system_actor("t"), **kwargs)
    assert "hoort bij een gemeente" in caught.value.errors["role"]


def test_s20_new_passwords_are_hashed_with_argon2id(session):
    borne = find_organisation_by_name(session, "Borne")
    user = accounts.create_user(
        session,
        system_actor("t"),
        email="Nieuw@Borne.example",
        name="Nieuwe Collega",
        role="policy_officer",
        organisation_id=borne.id,
        password="paarse olifant fietst langs de Dinkel",
    )
    assert user.email == "nieuw@borne.example"
    assert user.password_hash.startswith("$argon2id$")
