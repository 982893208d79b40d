"""audit.versioned_change, the one way a use case changes a stored record: a stale version is
refused before anything changes (S28), what differs is audited at the new version (S24), and a
change that fails leaves no audit event."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.audit import events_for
from storage.organisations import Organisation
from workflows import audit
from workflows.actors import system_actor
from workflows.errors import Conflict, InvalidInput

ACTOR = system_actor("test")


def _enschede(session) -> Organisation:
    return session.scalars(select(Organisation).where(Organisation.name == "Enschede")).one()


def _change(session, organisation: Organisation, expected: object):
    return audit.versioned_change(
        session,
        ACTOR,
        object_type="organisation",
        record=organisation,
        expected=expected,
        what="deze organisatie",
        seen=lambda: {"name": organisation.name},
    )


def test_s24_s28_a_change_at_the_current_version_is_audited_at_the_new_version(session):
    enschede = _enschede(session)
    read = enschede.version
    events = len(events_for(session, "organisation", enschede.id))
    with _change(session, enschede, read):
        enschede.name = "Enschede (gemeente)"
    assert enschede.version == read + 1
    [*_, last] = events_for(session, "organisation", enschede.id)
    assert len(events_for(session, "organisation", enschede.id)) == events + 1
    assert last.action == "update"
    assert last.old_values == {"name": "Enschede"}
    assert last.new_values == {"name": "Enschede (gemeente)", "version": read + 1}


def test_s28_a_stale_version_is_refused_before_the_change_runs(session):
    enschede = _enschede(session)
    ran = []
    with pytest.raises(Conflict), _change(session, enschede, enschede.version - 1):
        ran.append(True)
    assert ran == [] and enschede.name == "Enschede"


def test_s24_a_change_that_fails_leaves_no_audit_event(session):
    enschede = _enschede(session)
    events = len(events_for(session, "organisation", enschede.id))
    with pytest.raises(InvalidInput), _change(session, enschede, enschede.version):
        raise InvalidInput({"name": "Naam: ongeldig."})
    assert len(events_for(session, "organisation", enschede.id)) == events


def test_s24_a_change_that_changes_nothing_is_not_audited(session):
    enschede = _enschede(session)
    events = len(events_for(session, "organisation", enschede.id))
    with _change(session, enschede, enschede.version):
        enschede.name = "Enschede"
    assert len(events_for(session, "organisation", enschede.id)) == events
