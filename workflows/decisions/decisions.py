"""Decision dossiers: the B&W agenda form as a workflow, fanned out over the municipalities of
a regional arrangement, whose outcome applies its effects to the registers."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.orm import Session

from storage import decisions as store
from storage import paging
from storage.accounts import User
from storage.agreements import Agreement
from storage.arrangements import Arrangement, Phase
from storage.decisions import Decision, Effect, Transition
from storage.mandates import Grant, Mandate
from storage.organisations import Organisation
from storage.paging import Page, Window
from workflows import audit
from workflows.actors import Actor
from workflows.deadlines import notifications
from workflows.errors import Forbidden, InvalidInput, NotFound
from workflows.monitoring import monitoring
from workflows.registers import agreements, arrangements, equated_days, mandates
from workflows.registers.organisations import calendar_of
from workflows.rules import fields, grant_texts
from workflows.rules.acts import ACT_LABELS, Act
from workflows.rules.decisions import (
    APPLYING_OUTCOMES,
    OUTCOME_LABELS,
    TAKEN_STATUSES,
    DecisionStatus,
    EffectKind,
    Facts,
    Outcome,
    WooPublication,
    decision_date_problem,
    decision_points,
    numbering_problem,
    transition_problem,
)
from workflows.rules.dutch_format import long_date, money
from workflows.rules.gap_starters import may_start, who_can_start
from workflows.rules.mandates import GRANT_STATUS_LABELS, grant_path
from workflows.rules.planning import is_meeting_day, plan_backwards
from workflows.rules.roles import Permission, Role
from workflows.rules.termijnenwet import Equated
from workflows.rules.text import text_problem

WOO_LABELS = WooPublication.labels()
EFFECT_LABELS = EffectKind.labels()
SEES_ALL = {Role.ADMINISTRATOR, Role.AUDITOR}


@dataclass(frozen=True)
class Annexes:
    """The bijlagen table: one line per annex, ``Omschrijving; college; raad; niet actief
    publiceren; geheim`` with ja/nee, or a JSON list of objects."""

    label: str = "Bijlagen"
    # One annex per line: the form shows a text area, as for fields.Lines.
    multiline: bool = True

    def read(self, raw: Any) -> list[dict[str, object]]:
        if raw in (None, ""):
            return []
        rows: list[dict[str, object]] = []
        items = raw if isinstance(raw, list) else fields.split_lines(str(raw))
        for number, item in enumerate(items, start=1):
            if isinstance(item, dict):
                parts = [
                    item.get("description", ""),
                    item.get("college", False),
                    item.get("council", False),
                    item.get("not_public", False),
                    item.get("secret", False),
                ]
            else:
                if not str(item).strip():
                    continue
                problem = text_problem(str(item), label=f"Bijlage {number}", max_length=2000)
                if problem:
                    raise fields.FieldError(problem)
                parts = [p.strip() for p in str(item).split(";")]
                parts += ["nee"] * (5 - len(parts))
            description = fields.Text(f"Bijlage {number}", max_length=500, required=True).read(
                str(parts[0])
            )
            flags = [_yes(p, f"Bijlage {number}") for p in parts[1:5]]
            rows.append(
                {
                    "description": description,
                    "college": flags[0],
                    "council": flags[1],
                    "not_public": flags[2],
                    "secret": flags[3],
                }
            )
        return rows


def _yes(value: object, label: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"ja", "j", "yes", "true", "1", "x"}:
        return True
    if text in {"nee", "n", "no", "false", "0", ""}:
        return False
    raise fields.FieldError(f"{label}: '{text[:20]}' is geen ja of nee.")


TEXT = 20_000
EDITABLE: dict[str, Any] = {
    "meeting_on": fields.Day("B&W-vergadering"),
    "portfolio_holder": fields.Text("Portefeuillehouder", max_length=200),
    "agenda_letter": fields.Text("Agendaletter", max_length=10),
    "subject": fields.Text("Onderwerp", max_length=500, required=True),
    "public": fields.Flag("Openbaar"),
    "department": fields.Text("Organisatieonderdeel (cluster of afdeling)", max_length=300),
    "corsa_number": fields.Text("Corsanummer", max_length=50),
    "author": fields.Text("Schrijver", max_length=200),
    "case_number": fields.Text("Casenummer", max_length=50),
    "urgency": fields.Text("Urgentie", max_length=300),
    "council_decision_needed": fields.Flag("Raadsbesluit nodig"),
    "inform_council": fields.Flag("Raad informeren"),
    "secretary_advice": fields.Text("Advies gemeentesecretaris", max_length=TEXT, multiline=True),
    "draft_decision": fields.Text("Conceptbesluit", max_length=TEXT, multiline=True),
    "public_summary": fields.Text(
        "Publieksvriendelijke samenvatting", max_length=TEXT, multiline=True
    ),
    "introduction": fields.Text("Inleiding en voorgeschiedenis", max_length=TEXT, multiline=True),
    "desired_effect": fields.Text(
        "Gewenst effect in relatie tot de strategische opgaven", max_length=TEXT, multiline=True
    ),
    "arguments": fields.Text("Argumenten", max_length=TEXT, multiline=True),
    "risks": fields.Text("Risico's", max_length=TEXT, multiline=True),
    "costs": fields.Text("Kosten en financiële dekking", max_length=TEXT, multiline=True),
    "alternatives": fields.Text("Afweging en alternatieven", max_length=TEXT, multiline=True),
    "participation": fields.Text("Participatie", max_length=TEXT, multiline=True),
    "communication": fields.Text(
        "Communicatie met direct betrokkenen", max_length=TEXT, multiline=True
    ),
    "press_release": fields.Flag("Persbericht"),
    "follow_up": fields.Text("Vervolg", max_length=TEXT, multiline=True),
    "annexes": Annexes(),
    "secret": fields.Flag("Geheim"),
    "woo_publication": fields.Choice(
        "Actieve openbaarmaking (Woo art. 3.3)", WOO_LABELS, required=False
    ),
    "woo_ground": fields.Text(
        "Grond voor niet actief openbaar maken", max_length=2000, multiline=True
    ),
    "retention_category": fields.Text("Bewaartermijn (selectielijst)", max_length=300),
    "decide_by": fields.Day("Uiterlijk besloten op (regionaal)"),
}
LABELS = {name: reader.label for name, reader in EDITABLE.items()}
# What only a new dossier names: its arrangement, and the college (none: a regional dossier).
SCOPE_FIELDS: dict[str, fields.Reader] = {
    "arrangement_id": fields.Whole("Regeling", minimum=1, maximum=fields.MAX_ID),
    "municipality_id": fields.Whole("Gemeente", minimum=1, maximum=fields.MAX_ID),
}
# A register change the decision makes once taken: the record of its kind.
EFFECT_FIELDS: dict[str, fields.Reader] = {
    "kind": fields.Choice("Gevolg", EFFECT_LABELS),
    "mandate_id": fields.Whole("Volmacht", minimum=1, maximum=fields.MAX_ID),
    "phase_id": fields.Whole("Fase", minimum=1, maximum=fields.MAX_ID),
    "agreement_id": fields.Whole("Overeenkomst", minimum=1, maximum=fields.MAX_ID),
}
SECTIONS: dict[str, tuple[str, list[str]]] = {
    "kop": (
        "Agendaformulier: kop",
        [
            "subject",
            "meeting_on",
            "portfolio_holder",
            "agenda_letter",
            "public",
            "department",
            "corsa_number",
            "author",
            "case_number",
            "urgency",
            "council_decision_needed",
            "inform_council",
        ],
    ),
    "besluit": ("Conceptbesluit en samenvatting", ["draft_decision", "public_summary"]),
    "motivering": (
        "Inleiding, effect, argumenten en risico's",
        ["introduction", "desired_effect", "arguments", "risks"],
    ),
    "financien": ("Kosten, afweging en alternatieven", ["costs", "alternatives"]),
    "communicatie": (
        "Participatie, communicatie en vervolg",
        ["participation", "communication", "press_release", "follow_up"],
    ),
    "bijlagen": ("Bijlagen", ["annexes"]),
    "advies": ("Advies gemeentesecretaris", ["secretary_advice"]),
    "openbaarheid": (
        "Openbaarheid en archief",
        ["secret", "woo_publication", "woo_ground", "retention_category", "decide_by"],
    ),
}


def snapshot(decision: Decision) -> dict[str, Any]:
    return {name: getattr(decision, name) for name in EDITABLE}


# Who may see what ------------------------------------------------------------------------------


def may_see(actor: Actor, decision: Decision, arrangement_ids: set[int]) -> bool:
    """Secret dossiers only for the officers given access (docs/security.md S12); others by role
    and municipality."""
    if actor.is_provider or not actor.can(Permission.VIEW_DECISIONS):
        return False
    if decision.secret:
        return any(u.id == actor.user_id for u in decision.readers)
    if actor.role in SEES_ALL:
        return True
    in_arrangement = (
        decision.arrangement_id is not None and decision.arrangement_id in arrangement_ids
    )
    if actor.role is Role.PROJECT_GROUP:
        return in_arrangement or decision.municipality_id == actor.organisation_id
    if decision.municipality_id is None:
        return in_arrangement
    return decision.municipality_id == actor.organisation_id


def may_edit(actor: Actor, decision: Decision) -> bool:
    if not actor.can(Permission.EDIT_DECISIONS):
        return False
    if actor.role is Role.ADMINISTRATOR:
        return True
    if decision.municipality_id is None:
        return actor.role is Role.PROJECT_GROUP  # the project group drafts and fans out
    return decision.municipality_id == actor.organisation_id


def list_visible(session: Session, actor: Actor) -> list[Decision]:
    actor.require(Permission.VIEW_DECISIONS)
    ids = set(arrangements.visible_ids(session, actor))
    return [d for d in store.list_decisions(session) if may_see(actor, d, ids)]


def visible_clause(actor: Actor) -> ColumnElement[bool]:
    """``may_see`` in SQL, so that the lists filter, count and page in the database."""
    if actor.is_provider or not actor.can(Permission.VIEW_DECISIONS):
        return false()
    secret_seen = (
        Decision.readers.any(User.id == actor.user_id) if actor.user_id is not None else false()
    )
    if actor.role in SEES_ALL:
        open_seen: ColumnElement[bool] = true()
    else:
        in_arrangement = and_(
            Decision.arrangement_id.is_not(None),
            Decision.arrangement_id.in_(arrangements.visible_id_query(actor)),
        )
        own = (
            Decision.municipality_id == actor.organisation_id
            if actor.organisation_id is not None
            else Decision.municipality_id.is_(None)
        )
        if actor.role is Role.PROJECT_GROUP:
            open_seen = or_(in_arrangement, own)
        else:
            open_seen = or_(
                and_(Decision.municipality_id.is_(None), in_arrangement),
                and_(Decision.municipality_id.is_not(None), own),
            )
    return or_(
        and_(Decision.secret.is_(True), secret_seen),
        and_(Decision.secret.is_not(True), open_seen),
    )


@dataclass(frozen=True)
class ListFilters:
    """What the dossier lists filter on (page and API alike); ``meeting_on`` as typed."""

    status: str = ""
    municipality_id: int | None = None
    arrangement_id: int | None = None
    meeting_on: str = ""


def page_visible(
    session: Session, actor: Actor, window: Window, filters: ListFilters = ListFilters()
) -> Page[Decision]:
    """One page of the dossiers the actor may see, filtered, counted and limited in SQL; the
    list shows the municipality (loaded with the row) and nothing of the dossier's parts."""
    actor.require(Permission.VIEW_DECISIONS)
    query = select(Decision).where(visible_clause(actor)).order_by(Decision.meeting_on, Decision.id)
    if filters.status:
        query = query.where(Decision.status == filters.status)
    if filters.municipality_id is not None:
        query = query.where(Decision.municipality_id == filters.municipality_id)
    if filters.arrangement_id is not None:
        query = query.where(Decision.arrangement_id == filters.arrangement_id)
    if filters.meeting_on:
        try:
            day = date.fromisoformat(filters.meeting_on)
        except ValueError:
            query = query.where(false())  # no meeting is on a day that does not exist
        else:
            # Only the plain form names a day: '20250527' is no date typed in the filter.
            matches = day.isoformat() == filters.meeting_on
            query = query.where(Decision.meeting_on == day if matches else false())
    return paging.fetch(session, query, window)


def get_visible(session: Session, actor: Actor, decision_id: int) -> Decision:
    actor.require(Permission.VIEW_DECISIONS)
    decision = store.get_decision(session, decision_id)
    if decision is None or not may_see(
        actor, decision, set(arrangements.visible_ids(session, actor))
    ):
        raise NotFound("Dit besluitvormingsdossier bestaat niet of u heeft er geen toegang toe.")
    return decision


def _editable(session: Session, actor: Actor, decision_id: int) -> Decision:
    decision = get_visible(session, actor, decision_id)
    if not may_edit(actor, decision):
        actor.require(Permission.MANAGE_USERS)  # raises Forbidden for everyone but the beheerder
    return decision


def get_editable(session: Session, actor: Actor, decision_id: int) -> Decision:
    """The dossier, for one who may change it: others get not found (cannot see it) or a
    refusal (may see it, not change it)."""
    return _editable(session, actor, decision_id)


# Reading and checking the fields ---------------------------------------------------------------


def _read(raw: dict[str, Any], *, partial: bool) -> tuple[dict[str, Any], dict[str, str]]:
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, reader in EDITABLE.items():
        if partial and name not in raw:
            continue
        try:
            values[name] = reader.read(raw.get(name))
        except fields.FieldError as error:
            errors[name] = str(error)
    return values, errors


def _cross_checks(merged: dict[str, Any]) -> dict[str, str]:
    problems: dict[str, str] = {}
    points = len(decision_points(merged.get("draft_decision") or ""))
    for name, label in (("arguments", "Argumenten"), ("risks", "Risico's")):
        problem = numbering_problem(
            label, merged.get(name) or "", points if name == "arguments" else 0
        )
        if problem:
            problems[name] = problem
    if (
        merged.get("woo_publication") == WooPublication.NOT_PUBLISHED
        and not (merged.get("woo_ground") or "").strip()
    ):
        problems["woo_ground"] = (
            "Grond: noem de grond van art. 5.1 of 5.2 Woo waarom het besluit niet actief "
            "openbaar wordt gemaakt."
        )
    return problems


# Use cases -------------------------------------------------------------------------------------


def create(session: Session, actor: Actor, raw: dict[str, Any], *, now: datetime) -> Decision:
    actor.require(Permission.EDIT_DECISIONS)
    values, errors = _read(raw, partial=False)
    scope, more = fields.read_fields(SCOPE_FIELDS, raw)
    errors.update(more)
    if not errors:
        errors.update(_cross_checks(values))
        arrangement_id, municipality_id = scope.get("arrangement_id"), scope.get("municipality_id")
        if arrangement_id is not None and arrangement_id not in arrangements.visible_ids(
            session, actor
        ):
            errors["arrangement_id"] = "Regeling: kies een regeling die u mag zien."
        municipality = session.get(Organisation, municipality_id) if municipality_id else None
        if municipality_id is not None and (
            municipality is None or municipality.kind != "municipality"
        ):
            errors["municipality_id"] = "Gemeente: kies een gemeente."
        elif (
            municipality_id is None
            and actor.role is not Role.PROJECT_GROUP
            and actor.role is not Role.ADMINISTRATOR
        ):
            scope["municipality_id"] = actor.organisation_id  # one's own college
        elif (
            municipality_id is not None
            and actor.role not in {Role.ADMINISTRATOR, Role.PROJECT_GROUP}
            and municipality_id != actor.organisation_id
        ):
            errors["municipality_id"] = (
                "Gemeente: u stelt alleen dossiers op voor uw eigen gemeente."
            )
    if errors:
        raise InvalidInput(errors)
    decision = Decision(
        arrangement_id=scope.get("arrangement_id"),
        municipality_id=scope.get("municipality_id"),
        status="draft",
        **{k: v for k, v in values.items() if v is not None or k in {"meeting_on", "decide_by"}},
    )
    if decision.secret and actor.user_id is not None:
        decision.readers = [u for u in [session.get(User, actor.user_id)] if u is not None]
    session.add(decision)
    session.flush()
    _record(session, actor, decision, "create", None, "draft", now=now)
    return decision


def update(
    session: Session,
    actor: Actor,
    decision_id: int,
    raw: dict[str, Any],
    *,
    expected_version: object,
    partial: bool = True,
) -> Decision:
    decision = _editable(session, actor, decision_id)
    # A deferred decision goes to a later meeting: its date may still change.
    if decision.status == DecisionStatus.CLOSED or (
        decision.status == DecisionStatus.DECIDED and decision.outcome != Outcome.DEFERRED
    ):
        raise InvalidInput(
            {"status": "Een genomen besluit wijzigt u niet meer; het dossier is vastgelegd."}
        )
    values, errors = _read(raw, partial=partial)
    merged = {**snapshot(decision), **values}
    if not errors:
        errors.update(_cross_checks(merged))
    if errors:
        raise InvalidInput(errors)
    audit.expect_version(
        session,
        object_type="decision",
        object_id=decision.id,
        current=decision.version,
        expected=expected_version,
        what="dit dossier",
    )
    before = snapshot(decision)
    for name, value in values.items():
        if value is None and name not in {"meeting_on", "decide_by"}:
            continue
        setattr(decision, name, value)
    if (
        decision.secret
        and actor.user_id is not None
        and not any(u.id == actor.user_id for u in decision.readers)
    ):
        user = session.get(User, actor.user_id)
        if user is not None:
            decision.readers.append(user)
    session.flush()
    audit.record_update(
        session,
        actor,
        object_type="decision",
        object_id=decision.id,
        before=_auditable(decision, before),
        after=_auditable(decision, snapshot(decision)),
        version=decision.version,
    )
    return decision


def _auditable(decision: Decision, values: dict[str, Any]) -> dict[str, Any]:
    """A secret dossier's texts never go into the audit log (docs/security.md S12, S26)."""
    if not decision.secret:
        return values
    return {k: ("(geheim)" if isinstance(v, str) and v else v) for k, v in values.items()}


def grant_access(session: Session, actor: Actor, decision_id: int, user_id: int) -> None:
    decision = _editable(session, actor, decision_id)
    user = session.get(User, user_id)
    if user is None or not user.active or user.role == Role.PROVIDER:
        raise InvalidInput({"user_id": "Toegang: kies een actief account van een gemeente."})
    if all(u.id != user.id for u in decision.readers):
        decision.readers.append(user)
        session.flush()
        audit.record(
            session,
            actor,
            action="grant_access",
            object_type="decision",
            object_id=decision.id,
            new_values={"user_id": user.id},
        )


def facts(decision: Decision, *, today: date, equated: Equated | None = None) -> Facts:
    agenda_open = in_calendar = False
    if decision.meeting_on is not None and decision.municipality is not None:
        calendar = calendar_of(decision.municipality)
        in_calendar = is_meeting_day(decision.meeting_on, calendar, equated)
        if in_calendar:
            day_after = decision.meeting_on + _ONE_DAY
            closes = plan_backwards(day_after, calendar, equated).agenda_closes_on
            agenda_open = today <= closes
    return Facts(
        status=decision.status,
        co_advisers=len(decision.advices),
        advices=sum(1 for a in decision.advices if a.advice is not None),
        meeting_set=decision.meeting_on is not None,
        meeting_in_calendar=in_calendar,
        agenda_open=agenda_open,
        outcome=decision.outcome,
        decided_on_set=decision.decided_on is not None,
        secretary_advice_set=bool(decision.secretary_advice.strip()),
    )


def transition(
    session: Session,
    actor: Actor,
    decision_id: int,
    target: str,
    *,
    today: date,
    now: datetime,
    outcome: str | None = None,
    decided_on: date | str | None = None,
    note: str = "",
) -> Decision:
    """Move the dossier along the workflow. The same transition twice does nothing the
    second time; an illegal one is refused with the reason. Recording the outcome applies
    the effects in the same transaction (conform or gewijzigd) or says why not."""
    decision = _editable(session, actor, decision_id)
    if decision.status == target:
        return decision
    if decision.municipality_id is None and target != DecisionStatus.DRAFT:
        raise InvalidInput(
            {
                "status": (
                    "Een regionaal dossier doorloopt de besluitvorming per gemeente: "
                    "spreid het eerst uit."
                )
            }
        )
    day = None
    if target == DecisionStatus.DECIDED:
        # Everything is checked before anything changes: a refusal leaves the dossier as it was.
        if outcome is not None and outcome not in OUTCOME_LABELS:
            raise InvalidInput(
                {"outcome": "Uitkomst: kies conform, gewijzigd, aangehouden of afgewezen."}
            )
        if decided_on:
            try:
                day = fields.Day("Datum besluit").read(decided_on)
            except fields.FieldError as error:
                raise InvalidInput({"decided_on": str(error)}) from None
        elif decision.decided_on is None:
            day = decision.meeting_on  # unless told otherwise: decided at its meeting
    proposed = replace(
        facts(decision, today=today, equated=equated_days.for_terms(session)),
        outcome=outcome or decision.outcome
        if target == DecisionStatus.DECIDED
        else decision.outcome,
        decided_on_set=day is not None or decision.decided_on is not None,
    )
    problem = transition_problem(target, proposed)
    if problem:
        raise InvalidInput({"status": problem})
    if day is not None:
        problem = decision_date_problem(day, meeting_on=decision.meeting_on, today=today)
        if problem:
            raise InvalidInput({"decided_on": problem})
    if target == DecisionStatus.DECIDED:
        decision.outcome = outcome or decision.outcome
        decision.decided_on = day or decision.decided_on
    previous = decision.status
    decision.status = target
    if target == DecisionStatus.SCHEDULED and previous == DecisionStatus.DECIDED:
        decision.outcome, decision.decided_on = None, None
    if target == DecisionStatus.DECIDED:
        _apply_effects(session, actor, decision, now=now)
    session.flush()
    _record(session, actor, decision, "transition", previous, target, now=now, note=note)
    if target == DecisionStatus.CO_ADVICE:
        notifications.ask_for_advice(
            session, decision, [a for a in decision.advices if a.advice is None], now=now
        )
    return decision


_ONE_DAY = date(2000, 1, 2) - date(2000, 1, 1)


def _record(
    session: Session,
    actor: Actor,
    decision: Decision,
    action: str,
    previous: str | None,
    target: str,
    *,
    now: datetime,
    note: str = "",
) -> None:
    if action == "transition":
        decision.transitions.append(
            Transition(
                from_status=previous or "",
                to_status=target,
                actor_id=actor.user_id,
                actor_label=actor.label,
                at=now,
                note=note,
            )
        )
    audit.record(
        session,
        actor,
        action=action,
        object_type="decision",
        object_id=decision.id,
        old_values={"status": previous} if previous else None,
        new_values={
            "status": target,
            "subject": "(geheim)" if decision.secret else decision.subject,
            **({"outcome": decision.outcome} if target == DecisionStatus.DECIDED else {}),
        },
    )


def _apply_effects(session: Session, actor: Actor, decision: Decision, *, now: datetime) -> None:
    outcome = OUTCOME_LABELS.get(decision.outcome or "", "")
    for effect in decision.effects:
        if effect.applied_at is not None:
            continue
        if decision.outcome not in APPLYING_OUTCOMES:
            effect.result = f"Niet toegepast: het besluit is {outcome}."
            continue
        assert decision.decided_on is not None
        # Checked again now: the registers, the participants or the person deciding may have
        # changed since the effect was recorded (S11).
        target = writable_target(session, actor, decision, effect.kind, target_id(effect))
        if target is None:
            effect.result = f"Niet toegepast: {UNREACHABLE[effect.kind]}"
        else:
            effect.result = _apply(session, decision, effect, target)
        effect.applied_at = now
        audit.record(
            session,
            actor,
            action="apply_effect",
            object_type="decision",
            object_id=decision.id,
            result="success" if target is not None else "denied",
            new_values={"effect": effect.kind, "result": effect.result},
        )


def _apply(
    session: Session, decision: Decision, effect: Effect, target: Mandate | Phase | Agreement
) -> str:
    decided_on = decision.decided_on
    assert decided_on is not None
    reference = (
        f"B&W-besluit {decision.municipality.name if decision.municipality else ''} "
        f"{long_date(decided_on)}"
        + (f", casenummer {decision.case_number}" if decision.case_number else "")
        + (f", corsanummer {decision.corsa_number}" if decision.corsa_number else "")
    )
    if isinstance(target, Mandate):
        assert decision.municipality_id is not None  # a regional dossier is never decided
        grant = next((g for g in target.grants if g.grantor_id == decision.municipality_id), None)
        if grant is None:
            grant = Grant(grantor_id=decision.municipality_id, status="draft")
            target.grants.append(grant)
        path = grant_path(grant.status, "active")
        if path is None:
            name = decision.municipality.name if decision.municipality else ""
            return (
                f"Niet toegepast: het besluit van {name} is al {GRANT_STATUS_LABELS[grant.status]}."
            )
        # Granted, and in force from the day of the decision: each step one the table allows.
        for status in path:
            grant.status = status
        grant.granted_on = decided_on
        grant.decision_reference, grant.decision_id = reference[:300], decision.id
        return f"{target.title}: verleend en van kracht vanaf {long_date(decided_on)}."
    target.approved_on = decided_on
    name = target.reference if isinstance(target, Agreement) else target.name
    return f"{name}: goedgekeurd op {long_date(decided_on)}."


def effect_words(session: Session, effect: Effect) -> str:
    """What an effect does, in words: a grant says whether it grants a volmacht or a mandaat."""
    if effect.kind == EffectKind.GRANT_MANDATE and effect.mandate_id is not None:
        mandate = session.get(Mandate, effect.mandate_id)
        if mandate is not None:
            return grant_texts.grant_words(mandate.kind)
    return EFFECT_LABELS[effect.kind]


# What an effect writes to: the field naming it, its label, and the right a direct write there
# needs (the register's own edit permission).
EFFECT_TARGETS: dict[str, tuple[str, str, Permission]] = {
    "grant_mandate": ("mandate_id", "Volmacht", Permission.EDIT_MANDATES),
    "approve_phase": ("phase_id", "Fase", Permission.EDIT_ARRANGEMENTS),
    "approve_agreement": ("agreement_id", "Overeenkomst", Permission.EDIT_AGREEMENTS),
}
# The same words whether the record does not exist or the person may not write it: a foreign
# id reveals nothing (S11).
UNREACHABLE = {
    "grant_mandate": "deze volmacht bestaat niet of u heeft er geen toegang toe.",
    "approve_phase": "deze fase bestaat niet of u heeft er geen toegang toe.",
    "approve_agreement": "deze overeenkomst bestaat niet of u heeft er geen toegang toe.",
}


def target_id(effect: Effect) -> int | None:
    value: int | None = getattr(effect, EFFECT_TARGETS[effect.kind][0])
    return value


def writable_target(
    session: Session, actor: Actor, decision: Decision, kind: str, record_id: int | None
) -> Mandate | Phase | Agreement | None:
    """The register record an effect of this dossier writes to, if the actor may write it there
    (docs/security.md S11); None, as for a record that does not exist, otherwise.

    The record is looked up through its register, as the actor sees it, and must belong to the
    dossier's arrangement, in which the dossier's municipality takes part. Writing needs the
    register's own edit right, or it is the college's own decision, recorded by one of its
    officers: the college grants its own volmacht and approves for itself."""
    if decision.arrangement_id is None or record_id is None or kind not in EFFECT_TARGETS:
        return None
    try:
        arrangement = arrangements.visible(session, actor, decision.arrangement_id)
        target: Mandate | Phase | Agreement | None
        if kind == EffectKind.GRANT_MANDATE:
            target = mandates.get_visible(session, actor, record_id)
        elif kind == EffectKind.APPROVE_AGREEMENT:
            target = agreements.get_visible(session, actor, record_id)
        else:
            target = next((p for p in arrangement.phases if p.id == record_id), None)
    except (NotFound, Forbidden):
        return None
    if target is None or target.arrangement_id != arrangement.id:
        return None
    if decision.municipality_id is not None and not _takes_part(
        arrangement, decision.municipality_id
    ):
        return None
    own_college = (
        decision.municipality_id is not None
        and decision.municipality_id == actor.organisation_id
        and may_edit(actor, decision)
    )
    if not (own_college or actor.can(EFFECT_TARGETS[kind][2])):
        return None
    return target


def _takes_part(arrangement: Arrangement, municipality_id: int) -> bool:
    return arrangement.lead_organisation_id == municipality_id or any(
        p.organisation_id == municipality_id and p.organisation.kind == "municipality"
        for p in arrangement.participants
    )


def add_effect(session: Session, actor: Actor, decision_id: int, raw: dict[str, Any]) -> Effect:
    decision = _editable(session, actor, decision_id)
    if decision.status in TAKEN_STATUSES:
        raise InvalidInput({"kind": "Een genomen besluit krijgt geen nieuwe gevolgen."})
    values, errors = fields.read_fields(EFFECT_FIELDS, raw)
    if not errors:
        name, label, _ = EFFECT_TARGETS[values["kind"]]
        if decision.arrangement_id is None:
            errors["kind"] = (
                "Gevolg: alleen een dossier over een regeling verandert de registers; dit "
                "dossier hoort bij geen regeling."
            )
        elif writable_target(session, actor, decision, values["kind"], values.get(name)) is None:
            errors[name] = f"{label}: kies er een van de regeling van dit dossier."
    if errors:
        raise InvalidInput(errors)
    # Only the record of its kind: an id posted beside it is not stored unchecked.
    effect = Effect(kind=values["kind"], **{name: values[name]})
    decision.effects.append(effect)
    session.flush()
    audit.record(
        session,
        actor,
        action="add_effect",
        object_type="decision",
        object_id=decision.id,
        new_values={
            "kind": effect.kind,
            "mandate_id": effect.mandate_id,
            "phase_id": effect.phase_id,
            "agreement_id": effect.agreement_id,
        },
    )
    return effect


# Regional fan-out ------------------------------------------------------------------------------

# What each college fills in for itself when a regional dossier fans out: its own meeting and
# agenda letter, its own numbers (casenummer, corsanummer), its portfolio holder, writer and
# organisation unit, the urgency for its own agenda, and the advice of its own secretary; its
# co-advisers are accounts of its own organisation. "Decide by" belongs to the regional dossier.
PER_MUNICIPALITY = frozenset(
    {
        "meeting_on",
        "portfolio_holder",
        "agenda_letter",
        "department",
        "corsa_number",
        "author",
        "case_number",
        "urgency",
        "secretary_advice",
        "decide_by",
    }
)
COPIED = [n for n in EDITABLE if n not in PER_MUNICIPALITY]


def fan_out(
    session: Session,
    actor: Actor,
    decision_id: int,
    *,
    now: datetime,
    only: Collection[int] | None = None,
) -> list[Decision]:
    """One dossier per participating municipality, with the regional texts and effects; each
    college then completes its own fields and decides for itself. Running it again adds only
    the municipalities that were missing. ``only``: just these municipalities (those of a gap
    signal, say)."""
    regional = _editable(session, actor, decision_id)
    if regional.municipality_id is not None or regional.arrangement_id is None:
        raise InvalidInput(
            {"status": "Alleen een regionaal dossier van een regeling kan worden uitgespreid."}
        )
    arrangement = session.get(Arrangement, regional.arrangement_id)
    assert arrangement is not None
    created: list[Decision] = []
    for municipality in fan_out_state(session, regional).missing:
        if only is not None and municipality.id not in only:
            continue
        child = Decision(
            arrangement_id=arrangement.id,
            municipality_id=municipality.id,
            parent_id=regional.id,
            status="draft",
            **{name: getattr(regional, name) for name in COPIED},
        )
        for effect in regional.effects:
            if (
                effect.kind == EffectKind.GRANT_MANDATE
                and municipality.id == arrangement.lead_organisation_id
            ):
                continue  # the lead acts on its own authority: it grants itself nothing
            child.effects.append(
                Effect(
                    kind=effect.kind,
                    mandate_id=effect.mandate_id,
                    phase_id=effect.phase_id,
                    agreement_id=effect.agreement_id,
                )
            )
        child.readers = list(regional.readers)
        session.add(child)
        created.append(child)
    session.flush()
    for child in created:
        _record(session, actor, child, "create", None, "draft", now=now)
    audit.record(
        session,
        actor,
        action="fan_out",
        object_type="decision",
        object_id=regional.id,
        new_values={"created": len(created)},
    )
    return created


@dataclass(frozen=True)
class FanOutState:
    """Which participating municipalities have no dossier of their own under a regional
    dossier yet (by name), and whether some have: after a fan-out for some of them (from a gap
    signal) the page offers the rest, and after a full one it offers nothing."""

    missing: list[Organisation]
    started: bool


def fan_out_state(session: Session, regional: Decision) -> FanOutState:
    if regional.municipality_id is not None or regional.arrangement_id is None:
        return FanOutState(missing=[], started=False)
    arrangement = session.get(Arrangement, regional.arrangement_id)
    assert arrangement is not None
    existing = {d.municipality_id for d in store.children_of(session, regional.id)}
    missing = sorted(
        (
            p.organisation
            for p in arrangement.participants
            if p.organisation.kind == "municipality" and p.organisation.id not in existing
        ),
        key=lambda o: o.name,
    )
    return FanOutState(missing=missing, started=bool(existing))


@dataclass(frozen=True)
class Progress:
    regional: Decision
    children: list[Decision]
    decided: int
    late: set[int]

    @property
    def text(self) -> str:
        return f"{self.decided} van {len(self.children)} colleges besloten"


def progress(session: Session, actor: Actor, decision_id: int, *, today: date) -> Progress:
    regional = get_visible(session, actor, decision_id)
    ids = set(arrangements.visible_ids(session, actor))
    children = sorted(
        (
            c
            for c in store.children_of(session, regional.id)
            if may_see(actor, c, ids) or (actor.role is Role.PROJECT_GROUP and not c.secret)
        ),
        key=lambda c: c.municipality.name if c.municipality else "",
    )
    decided = sum(
        1 for c in children if c.status in TAKEN_STATUSES and c.outcome != Outcome.DEFERRED
    )
    late: set[int] = set()
    if regional.decide_by is not None:
        equated = equated_days.for_terms(session)
        for child in children:
            if child.status in TAKEN_STATUSES and child.outcome != Outcome.DEFERRED:
                continue
            plan = plan_backwards(regional.decide_by, calendar_of(child.municipality), equated)
            behind = child.meeting_on is None and today > plan.agenda_closes_on
            if (
                behind
                or (child.meeting_on is not None and child.meeting_on >= regional.decide_by)
                or today >= regional.decide_by
            ):
                late.add(child.id)
    return Progress(regional, children, decided, late)


# Prefill and the list of decisions ---------------------------------------------------------------


def prefill(session: Session, actor: Actor, arrangement_id: int, *, today: date) -> dict[str, Any]:
    """Values for a new dossier about an arrangement, from the registers and from the previous
    decision on the same arrangement, so the officer edits rather than retypes."""
    arrangement = arrangements.visible(session, actor, arrangement_id)
    phases = "; ".join(
        f"{p.name} van {long_date(p.start_on)} t/m {long_date(p.end_on)}"
        for p in arrangement.phases
    )
    providers = ", ".join(
        sorted(
            p.organisation.name
            for p in arrangement.participants
            if p.organisation.kind == "provider"
        )
    )
    municipality = actor.organisation_id
    budget = next(
        (
            b
            for b in sorted(arrangement.budgets, key=lambda b: -b.year)
            if b.municipality_id == municipality and b.year <= today.year
        ),
        None,
    )
    values: dict[str, Any] = {
        "subject": arrangement.name,
        "introduction": (
            f"{arrangement.description}\n\nFasen: {phases}. Zorgaanbieders: {providers}. "
            f"Penvoerder: {arrangement.lead_organisation.name}."
        ),
        "costs": (
            f"Voor {budget.year} is {money(budget.amount)} "
            f"beschikbaar{f' ({budget.source})' if budget.source else ''}."
        )
        if budget
        else "",
        "public": True,
        "woo_publication": "actively_published",
    }
    realised = _realised_costs(session, actor, arrangement.id, municipality, year=today.year - 1)
    if realised:
        values["costs"] = f"{realised} {values['costs']}".strip()
    previous = [
        d
        for d in list_visible(session, actor)
        if d.arrangement_id == arrangement.id and (d.municipality_id in (None, municipality))
    ]
    taken = [d for d in previous if d.status in TAKEN_STATUSES]
    if taken or previous:
        # The previous *decision*: a decided dossier if there is one, not the latest draft.
        last = max(
            taken or previous, key=lambda d: (d.decided_on or d.meeting_on or date.min, d.id)
        )
        for name in (
            "subject",
            "public_summary",
            "introduction",
            "desired_effect",
            "arguments",
            "risks",
            "alternatives",
            "participation",
            "communication",
            "follow_up",
            "draft_decision",
            "department",
            "portfolio_holder",
            "author",
        ):
            if getattr(last, name):
                values[name] = getattr(last, name)
    return values


@dataclass(frozen=True)
class ListEntry:
    decision: Decision
    published: bool
    ground: str


def decision_list(
    session: Session, actor: Actor, *, municipality_id: int, meeting_on: date
) -> list[ListEntry]:
    """The besluitenlijst of one college meeting: every decision taken, and whether it is
    actively published (Woo art. 3.3) or, if not, on which ground."""
    entries = []
    for decision in list_visible(session, actor):
        if decision.municipality_id != municipality_id or decision.decided_on != meeting_on:
            continue
        if decision.status not in TAKEN_STATUSES:
            continue
        published = (
            decision.woo_publication == WooPublication.ACTIVELY_PUBLISHED
            and not decision.secret
            and decision.public
        )
        ground = ""
        if not published:
            ground = decision.woo_ground or ("geheim" if decision.secret else "niet openbaar")
        entries.append(ListEntry(decision, published, ground))
    return entries


def meetings_with_decisions(session: Session, actor: Actor) -> list[tuple[Organisation, date]]:
    """The (municipality, meeting day) pairs of decided dossiers the actor may see; one query."""
    actor.require(Permission.VIEW_DECISIONS)
    query = (
        select(Decision.municipality_id, Decision.decided_on)
        .where(
            visible_clause(actor),
            Decision.municipality_id.is_not(None),
            Decision.decided_on.is_not(None),
            Decision.status.in_(["decided", "closed"]),
        )
        .distinct()
    )
    pairs = [(row.municipality_id, row.decided_on) for row in session.execute(query)]
    wanted = {municipality_id for municipality_id, _ in pairs}
    named = {
        o.id: o for o in session.scalars(select(Organisation).where(Organisation.id.in_(wanted)))
    }
    seen = [(named[municipality_id], day) for municipality_id, day in pairs]
    return sorted(seen, key=lambda x: (x[0].name, x[1]))


def outstanding(children: Sequence[Decision]) -> list[Decision]:
    return [c for c in children if c.status not in TAKEN_STATUSES]


# What starts the work of a gap: the signal's arrangement, act, date and municipalities, as the
# signals page's form and the API's body send them (GET /api/v1/signals lists them).
GAP_FIELDS: dict[str, fields.Reader] = {
    "arrangement_id": fields.Whole("Regeling", minimum=1, maximum=fields.MAX_ID, required=True),
    "act": fields.Choice("Handeling", {a.value: a.label for a in Act}, coerce=Act),
    "act_on": fields.Day("Datum van de handeling", required=True),
    "municipality_ids": fields.Ids("Gemeenten"),
}


@dataclass(frozen=True)
class Gap:
    arrangement_id: int
    act: Act
    act_on: date
    municipality_ids: list[int]


def read_gap(raw: dict[str, Any]) -> Gap:
    values, errors = fields.read_fields(GAP_FIELDS, raw)
    if errors:
        raise InvalidInput(errors)
    return Gap(**values)


def start_from_gap(
    session: Session, actor: Actor, gap: Gap, *, today: date, now: datetime
) -> tuple[Decision, bool]:
    """``dossier_for_gap`` for a gap as read by ``read_gap``, and whether the dossier was
    already in progress (then nothing new was made)."""
    kept = dossier_in_progress(
        session, actor, gap.arrangement_id, act=gap.act, municipality_ids=gap.municipality_ids
    )
    decision = dossier_for_gap(
        session,
        actor,
        gap.arrangement_id,
        act=gap.act,
        act_on=gap.act_on,
        municipality_ids=gap.municipality_ids,
        today=today,
        now=now,
    )
    return decision, kept is not None


def dossier_for_gap(
    session: Session,
    actor: Actor,
    arrangement_id: int,
    *,
    act: Any,
    act_on: date,
    municipality_ids: Sequence[int],
    today: date,
    now: datetime,
) -> Decision:
    """One click from a ``mandate_needed`` signal: one draft volmacht for the missing act, for
    all municipalities of the gap, valid so that it covers the act, and the dossier that grants
    it. The project group gets one regional dossier, fanned out at once to the colleges of those
    municipalities; a municipal officer gets the dossier of their own college. A gap clicked
    again (by anyone) shows the dossier in progress instead of making a second one."""
    actor.require(Permission.EDIT_DECISIONS)
    if not municipality_ids:
        raise InvalidInput(
            {
                "municipality_ids": (
                    "Gemeenten: het signaal noemt geen gemeente; laad de pagina opnieuw."
                )
            }
        )
    draft = mandates.draft_in_progress(
        session, actor, arrangement_id, act=act, municipality_ids=municipality_ids
    )
    if actor.role is None or not may_start(
        actor.role, actor.organisation_id, municipality_ids, draft_exists=draft is not None
    ):
        names = sorted(
            o.name for i in municipality_ids if (o := session.get(Organisation, i)) is not None
        )
        raise InvalidInput({"municipality_ids": who_can_start(names)})
    in_progress = dossier_in_progress(
        session, actor, arrangement_id, act=act, municipality_ids=municipality_ids
    )
    if in_progress is not None:
        return in_progress  # a second click shows the dossier in progress, it makes none
    # The draft in progress, or a new one (which needs the mandate register's edit right).
    mandate = draft or mandates.draft_for_signal(
        session,
        actor,
        arrangement_id,
        act=act,
        act_on=act_on,
        municipality_ids=municipality_ids,
        today=today,
    )
    values = prefill(session, actor, arrangement_id, today=today)
    values.update(
        {
            "subject": "Verlenen " + _lower_first(mandate.title.replace(" (concept)", "")),
            # The college grants a volmacht (BW 3:60) or a mandaat (Awb 10:1) in its own
            # words and article; the drafted volmacht or mandaat says the same.
            "draft_decision": "1. "
            + grant_texts.draft_point(
                mandate.kind,
                grantee=mandate.grantee.name,
                grantee_is_municipality=mandate.grantee.kind == "municipality",
                acts=[ACT_LABELS[Act(a)] for a in mandate.acts],
                further_allowed=mandate.sub_mandate_allowed,
                ratifies_since=(
                    long_date(mandate.ratifies_since) if mandate.ratifies_since else None
                ),
            ),
            "decide_by": act_on,
            "arguments": "",
            "risks": "",
        }
    )
    values["arrangement_id"] = arrangement_id
    regional = _drafts_for_the_region(actor)
    if not regional:
        values["municipality_id"] = actor.organisation_id
    decision = create(session, actor, values, now=now)
    add_effect(session, actor, decision.id, {"kind": "grant_mandate", "mandate_id": mandate.id})
    if regional:
        # A college whose officer started its own dossier for this volmacht keeps that one.
        started = {d.municipality_id for d in _open_grants_of(session, mandate.id)}
        fan_out(session, actor, decision.id, now=now, only=set(municipality_ids) - started)
    return decision


def _drafts_for_the_region(actor: Actor) -> bool:
    return actor.role is Role.PROJECT_GROUP or actor.role is Role.ADMINISTRATOR


def _open_grants_of(session: Session, mandate_id: int) -> list[Decision]:
    """The undecided dossiers that grant this mandate, oldest first."""
    return list(
        session.scalars(
            select(Decision)
            .join(Effect, Effect.decision_id == Decision.id)
            .where(
                Effect.kind == "grant_mandate",
                Effect.mandate_id == mandate_id,
                Decision.status.not_in(("decided", "closed")),
            )
            .order_by(Decision.id)
        )
    )


def dossier_in_progress(
    session: Session,
    actor: Actor,
    arrangement_id: int,
    *,
    act: Any,
    municipality_ids: Sequence[int],
) -> Decision | None:
    """The dossier a gap already led to for this actor: undecided, granting the draft in
    progress; the regional one for the project group, their own college's for an officer."""
    mandate = mandates.draft_in_progress(
        session, actor, arrangement_id, act=act, municipality_ids=municipality_ids
    )
    if mandate is None:
        return None
    wanted = None if _drafts_for_the_region(actor) else actor.organisation_id
    return next(
        (d for d in _open_grants_of(session, mandate.id) if d.municipality_id == wanted), None
    )


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _realised_costs(
    session: Session, actor: Actor, arrangement_id: int, municipality_id: int | None, *, year: int
) -> str:
    """The municipality's part of last year's costs by the arrangement's rule, for the
    "kosten en financiële dekking" section (empty when there are no figures)."""
    if municipality_id is None or not actor.can(Permission.VIEW_SIGNALS):
        return ""
    try:
        found = monitoring.figures(session, actor, arrangement_id, year=year)
        if found.days_wmo + found.days_wlz == 0:
            return ""  # no monitoring data for that year: no realised costs to report
        allocation = monitoring.costs(session, actor, arrangement_id, year=year)
    except InvalidInput:
        return ""
    row = next((r for r in allocation.rows if r.municipality.id == municipality_id), None)
    if row is None or allocation.bed_days == 0:
        return ""
    spent = money(row.total)
    budget = f" (beschikbaar was {money(row.budget)})" if row.budget is not None else ""
    fixed_part = (
        "de huisvesting van elke beschikbare dag"
        if allocation.rule == "housing_and_stay"
        else "de leegstand"
    )
    return (
        f"In {year} waren de kosten voor de gemeente {row.municipality.name} {spent}{budget}: "
        f"{row.occupied_days} ligdagen van eigen inwoners en een aandeel in {fixed_part} naar "
        "inwonertal."
    )
