"""Regional arrangements as their participants see them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from storage import arrangements as store
from storage.arrangements import Arrangement, Bed, Phase
from storage.organisations import Organisation
from workflows.actors import Actor
from workflows.errors import Forbidden, NotFound
from workflows.rules.phases import phase_status_on
from workflows.rules.roles import Permission, Role

PHASE_KIND_LABELS = {"pilot": "pilot", "extension": "verlenging", "structural": "structureel"}
PHASE_STATUS_LABELS = {"planned": "gepland", "active": "lopend", "ended": "afgelopen"}
FINANCING_LABELS = {"wmo": "Wmo", "wlz": "Wlz"}

# Who sees every arrangement rather than only those their organisation takes part in.
_SEES_ALL = {Role.ADMINISTRATOR, Role.AUDITOR}


@dataclass(frozen=True)
class Overview:
    arrangement: Arrangement
    municipalities: list[Organisation]
    providers: list[Organisation]
    others: list[Organisation]
    phases: list[Phase]
    beds: list[Bed]
    today: date

    def status_of(self, phase: Phase) -> str:
        return phase_status_on(phase.start_on, phase.end_on, today=self.today)

    def beds_available_on(self, day: date) -> list[Bed]:
        return [
            bed
            for bed in self.beds
            if bed.available_from <= day
            and (bed.available_until is None or day <= bed.available_until)
        ]


def list_visible(session: Session, actor: Actor) -> Sequence[Arrangement]:
    if not actor.can(Permission.VIEW_ARRANGEMENTS):
        raise Forbidden()
    if actor.role in _SEES_ALL:
        return store.list_arrangements(session)
    if actor.organisation_id is None:
        return []
    return store.list_arrangements(session, participant_id=actor.organisation_id)


def overview(session: Session, actor: Actor, arrangement_id: int, *, today: date) -> Overview:
    if not actor.can(Permission.VIEW_ARRANGEMENTS):
        raise Forbidden()
    arrangement = store.get_arrangement(session, arrangement_id)
    if arrangement is None or not _may_see(actor, arrangement):
        raise NotFound("Deze regeling bestaat niet of u heeft er geen toegang toe.")
    organisations = [p.organisation for p in arrangement.participants]
    beds = list(arrangement.beds)
    if actor.is_provider:
        # A provider sees the arrangement's frame, but of the capacity only its own beds.
        beds = [bed for bed in beds if bed.location.provider_id == actor.organisation_id]
    return Overview(
        arrangement=arrangement,
        municipalities=sorted(
            (o for o in organisations if o.kind == "municipality"), key=lambda o: o.name
        ),
        providers=sorted((o for o in organisations if o.kind == "provider"), key=lambda o: o.name),
        others=sorted(
            (o for o in organisations if o.kind not in {"municipality", "provider"}),
            key=lambda o: o.name,
        ),
        phases=list(arrangement.phases),
        beds=beds,
        today=today,
    )


def _may_see(actor: Actor, arrangement: Arrangement) -> bool:
    if actor.role in _SEES_ALL:
        return True
    return actor.organisation_id is not None and (
        arrangement.lead_organisation_id == actor.organisation_id
        or any(p.organisation_id == actor.organisation_id for p in arrangement.participants)
    )
