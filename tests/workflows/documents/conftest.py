"""Fixtures of the document tests: a file store, the system as actor and the ids of the Twente
demo that documents are made from."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.agreements import find_agreement_by_reference
from storage.arrangements import find_arrangement_by_name
from storage.decisions import Decision
from storage.files import LocalFileStore
from storage.mandates import find_mandate_by_title
from storage.organisations import find_organisation_by_name
from workflows.actors import system_actor
from workflows.demo import demo


@pytest.fixture
def files(tmp_path):
    return LocalFileStore(tmp_path / "files")


@pytest.fixture
def actor():
    return system_actor("test")


@pytest.fixture
def ids(session):
    """The demo arrangement, its volmacht ("mandate"), Carintreggeland's agreement, four
    municipalities (Rijssen-Holten is the lead) and the dossiers of Enschede and Borne."""
    arrangement = find_arrangement_by_name(session, demo.ARRANGEMENT_NAME)
    mandate = find_mandate_by_title(session, arrangement.id, demo.VOLMACHT_TITLE)
    enschede = find_organisation_by_name(session, "Enschede")
    borne = find_organisation_by_name(session, "Borne")

    def dossier(municipality):
        return session.scalars(
            select(Decision.id).where(
                Decision.parent_id.is_not(None), Decision.municipality_id == municipality.id
            )
        ).one()

    found = {
        "arrangement": arrangement.id,
        "mandate": mandate.id,
        "agreement": find_agreement_by_reference(session, "LOG-TW-2025-CR").id,
        "Enschede": enschede.id,
        "Borne": borne.id,
        "Hof van Twente": find_organisation_by_name(session, "Hof van Twente").id,
        "Rijssen-Holten": find_organisation_by_name(session, "Rijssen-Holten").id,
        "Enschede dossier": dossier(enschede),
        "Borne dossier": dossier(borne),
    }
    # SQLite transactions begin IMMEDIATE: end this one, so that other sessions may write.
    session.rollback()
    return found
