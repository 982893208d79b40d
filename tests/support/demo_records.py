"""The records of the Twente demo, found by the names the demo gives them. Each one asserts that
it is there, so that a changed demo fails at the look-up and not later on a None."""

from __future__ import annotations

from sqlalchemy.orm import Session

from storage.accounts import User, find_user_by_email
from storage.agreements import Agreement, find_agreement_by_reference
from storage.arrangements import Arrangement, find_arrangement_by_name
from storage.mandates import Mandate, find_mandate_by_title
from storage.organisations import Organisation, find_organisation_by_name
from workflows.accounts import accounts
from workflows.accounts.accounts import actor_for
from workflows.actors import Actor, system_actor
from workflows.demo import demo


def actor(session: Session, email: str) -> Actor:
    """The demo account as the actor of a use case."""
    user = find_user_by_email(session, email)
    assert user is not None
    return actor_for(user, "test")


def user_id(session: Session, email: str) -> int:
    user = find_user_by_email(session, email)
    assert user is not None
    return user.id


def twente(session: Session) -> Arrangement:
    arrangement = find_arrangement_by_name(session, demo.ARRANGEMENT_NAME)
    assert arrangement is not None
    return arrangement


def org(session: Session, name: str) -> Organisation:
    organisation = find_organisation_by_name(session, name)
    assert organisation is not None
    return organisation


def volmacht(session: Session) -> Mandate:
    mandate = find_mandate_by_title(session, twente(session).id, demo.VOLMACHT_TITLE)
    assert mandate is not None
    return mandate


def demo_agreement(session: Session, short: str) -> Agreement:
    """A demo agreement by the end of its reference: "CR" for LOG-TW-2025-CR."""
    agreement = find_agreement_by_reference(session, f"LOG-TW-2025-{short}")
    assert agreement is not None
    return agreement


def agreement_put_at(session: Session, short: str, status: str) -> int:
    """A demo agreement set straight to ``status`` in the database and committed (the demo's
    agreements are already running), as if it were at that step; its id."""
    agreement = demo_agreement(session, short)
    agreement.status = status
    session.commit()
    return agreement.id


# A second jurist of Enschede, who is not in the demo: made by the first test that needs one.
STAND_IN = "jurist2@enschede.example"


def stand_in(session: Session) -> User:
    """The second jurist of Enschede, to stand in for the first; committed, so that the app's
    own sessions find her."""
    user = find_user_by_email(session, STAND_IN)
    if user is None:
        user = accounts.create_user(
            session,
            system_actor("test"),
            email=STAND_IN,
            name="M. de Vries",
            role="legal_officer",
            organisation_id=org(session, "Enschede").id,
            password=demo.DEMO_PASSWORD,
        )
        session.commit()
    return user


def document_subjects(session: Session) -> dict[str, int]:
    """What the demo's documents are made from: the volmacht ("mandate"), the agreements with
    Carintreggeland ("CR") and Liberein ("LI"), and two granting municipalities."""
    return {
        "mandate": volmacht(session).id,
        "CR": demo_agreement(session, "CR").id,
        "LI": demo_agreement(session, "LI").id,
        "Hof van Twente": org(session, "Hof van Twente").id,
        "Enschede": org(session, "Enschede").id,
    }
