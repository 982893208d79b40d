import logging

import pytest
from flask import Blueprint
from sqlalchemy import select

from storage.audit import AuditEvent
from tests.conftest import ADMIN, AUDITOR, LEGAL, POLICY, PROJECT, PROVIDER_CR, login
from webapp.access import (
    PUBLIC,
    AccessDeclarationError,
    collect_route_access,
    public,
    requires,
    route_access,
    signed_in,
)
from workflows.rules.roles import Permission


def test_s13_every_route_declares_its_access_in_one_table(app):
    table = route_access(app)
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    undeclared = sorted(e for e in endpoints if e not in table)
    assert undeclared == [], f"routes without declared access: {undeclared}"
    stale = sorted(e for e in table if e not in endpoints)
    assert stale == [], f"declared access for routes that do not exist: {stale}"


def test_s13_a_route_missing_from_the_table_is_refused_for_everyone(app):
    @app.get("/vergeten-route")
    def forgotten():
        return "zou niet zichtbaar mogen zijn"

    collect_route_access(app)
    client = app.test_client()
    login(client, ADMIN)
    response = client.get("/vergeten-route")
    assert response.status_code == 403
    assert "zichtbaar" not in response.get_data(as_text=True)


def test_s13_the_access_declared_next_to_a_route_is_what_the_table_enforces(app):
    extra = Blueprint("extra", __name__)

    @extra.get("/extra/gebruikersbeheer")
    @requires(Permission.MANAGE_USERS)
    def for_administrators():
        return "alleen voor beheer"

    app.register_blueprint(extra)
    collect_route_access(app)
    assert route_access(app)["extra.for_administrators"] == Permission.MANAGE_USERS
    client = app.test_client()
    login(client, POLICY)
    assert client.get("/extra/gebruikersbeheer").status_code == 403
    client = app.test_client()
    login(client, ADMIN)
    assert client.get("/extra/gebruikersbeheer").status_code == 200


def test_s13_a_route_declared_twice_stops_the_app_from_starting():
    with pytest.raises(AccessDeclarationError, match="declared twice"):

        @requires(Permission.VIEW_MANDATES)
        @public
        def twice():
            return "?"

    with pytest.raises(AccessDeclarationError, match="declared twice"):

        @signed_in
        @signed_in
        def same_twice():
            return "?"


@pytest.mark.parametrize("permission", ["edit_mandates", "edit_mandate", PUBLIC, None])
def test_s13_a_route_with_an_unknown_permission_stops_the_app_from_starting(permission):
    # Only a member of Permission names a permission: not its text, a typo or the word public.
    with pytest.raises(AccessDeclarationError, match="unknown permission"):
        requires(permission)


def test_s13_only_login_health_static_api_description_calendar_feed_and_reset_link_are_public(app):
    public_routes = sorted(e for e, rule in route_access(app).items() if rule == PUBLIC)
    # The calendar feed and the one-time password link authenticate by the secret token in
    # their address.
    assert public_routes == [
        "api.openapi",
        "auth.login",
        "auth.second_step",
        "deadlines.calendar",
        "pages.health",
        "static",
        "users.set_password",
    ]


def test_pages_need_a_login_and_send_you_back_afterwards(client):
    response = client.get("/organisaties/")
    assert response.status_code == 302
    assert "/login?next=/organisaties/" in response.headers["Location"]


@pytest.mark.parametrize("email", [POLICY, LEGAL, PROJECT, AUDITOR, PROVIDER_CR])
def test_only_the_administrator_manages_users(client, email):
    login(client, email)
    assert client.get("/gebruikers/").status_code == 403


def test_s27_refused_authorization_is_logged_and_audited_with_actor_and_object(app, client, caplog):
    login(client, POLICY)
    with caplog.at_level(logging.WARNING, logger="besluitwerk.access"):
        assert client.get("/gebruikers/nieuw").status_code == 403
    assert any(
        POLICY in r.getMessage() and "users.create" in r.getMessage() for r in caplog.records
    )
    from webapp.database import sessions

    with sessions(app)() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.result == "denied").order_by(AuditEvent.id.desc())
        ).first()
    assert event is not None
    assert POLICY in event.actor_label and event.object_id == "users.create"
