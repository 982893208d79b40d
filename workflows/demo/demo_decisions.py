"""The decision dossiers of the Twente demo: the regional dossier "Verlenen volmacht pilot
Logeerzorg", fanned out over the 14 colleges. Enschede's dossier holds the texts of its agenda
form of 27 May 2025 (seeds/000); the other colleges are in various states. Borne is still in
co-advice: its jurist (a demo account) is asked and has not advised yet."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from storage import decisions as store
from storage.accounts import find_user_by_email
from storage.arrangements import Arrangement
from storage.decisions import CoAdvice, Decision, Effect, Transition
from storage.mandates import Mandate
from workflows import audit
from workflows.actors import Actor
from workflows.decisions.decisions import PER_MUNICIPALITY
from workflows.rules.dutch_format import long_date

REGIONAL_SUBJECT = "Verlenen volmacht pilot Logeerzorg"

ENSCHEDE: dict[str, object] = {
    "meeting_on": date(2025, 5, 27),
    "portfolio_holder": "Niels van den Berg",
    "agenda_letter": "B",
    "subject": REGIONAL_SUBJECT,
    "public": True,
    "department": "Cluster Strategie en Beleid Sociaal",
    "corsa_number": "2500004409",
    "author": "L. Toebes",
    "case_number": "BV25000055",
    "urgency": "",
    "council_decision_needed": False,
    "inform_council": False,
    "secretary_advice": "Akkoord.",
    "draft_decision": (
        "1. Volmacht te verlenen aan de gemeente Rijssen-Holten voor alle "
        "vertegenwoordigingsbevoegdheden met betrekking tot de inkoopovereenkomsten gedurende de "
        "looptijd van de pilot logeerzorg en een eventuele verlenging daarvan;\n"
        "2. De (maximaal) verwachte kosten van € 28.400,- op jaarbasis te dekken uit GALA-middelen "
        "(onderdeel Mantelzorg) product Algemene Maatschappelijke Voorzieningen."
    ),
    "public_summary": (
        "In 2024 is in Twente een pilot logeerzorg gestart. Logeerzorg is een tijdelijke opvang "
        "voor mensen die zorg of ondersteuning nodig hebben, zodat hun mantelzorgers worden "
        "ontlast. De pilot is verlengd tot 1 januari 2026. Voor de uitvoering sluiten gemeenten "
        "contracten met vijf zorgaanbieders; de Twentse gemeenten geven de gemeente "
        "Rijssen-Holten via een volmacht de taak om als vertegenwoordiger op te treden."
    ),
    "introduction": (
        "In 2024 is in Twente de pilot logeerzorg gestart. Zorgaanbieders, het zorgkantoor "
        "(Menzis) en gemeenten werken samen om planbare logeerzorg beschikbaar te maken. De "
        "pilot liep van 1 februari 2024 t/m 31 december 2024 en is per 1 januari 2025 verlengd "
        "t/m 1 januari 2026. Om de pilot rechtmatig uit te voeren sluiten gemeenten "
        "inkoopovereenkomsten met 5 zorgaanbieders; via een volmacht treedt Rijssen-Holten op als "
        "vertegenwoordigingsbevoegde gemeente."
    ),
    "desired_effect": (
        "Rechtmatig uitvoeren van de pilot Logeerzorg. De pilot draagt bij aan de strategische "
        "opgave Gezond Enschede, doel 02.02: inwoners kijken naar elkaar om en dragen mede zorg "
        "voor elkaars welzijn en bestaan."
    ),
    "arguments": (
        "1.1 Pilot is noodzakelijk om logeerzorg te kunnen bieden\n"
        "Vanaf 2025 kunnen de 'Dakjes' uit het TOM-model niet meer worden ingezet voor "
        "kortdurend verblijf.\n"
        "1.2 Om de pilot rechtmatig te kunnen uitvoeren, is een aanbestedende dienst nodig\n"
        "Gemeenten moeten contracten afsluiten met 5 zorgaanbieders (ZorgAccent, "
        "Carintreggeland, Zorggroep Sint Maarten, TriviumMeulenbeltZorg en Liberein).\n"
        "1.3 Eén vertegenwoordigingsbevoegde dienst is efficiënter\n"
        "Rijssen-Holten neemt deze taak op zich via een gestandaardiseerde volmacht.\n"
        "2.1 De pilot voldoet aan de opdracht uit GALA\n"
        "In 2024 en 2025 is er ruimte in de GALA-middelen (onderdeel mantelzorg) voor deze pilot."
    ),
    "risks": (
        "1.1 De pilot loopt al sinds 1 januari 2025\n"
        "De volmacht bekrachtigt de (rechts)handelingen die Rijssen-Holten sinds 1 januari 2025 "
        "namens de andere Twentse gemeenten verrichtte.\n"
        "1.2 Volmacht en mandaat\n"
        "Vertegenwoordiging door een andere gemeente geeft afhankelijkheid; de volmacht is "
        "begrensd en de projectgroep houdt grip.\n"
        "1.3 Toekomstige aanbesteding\n"
        "Na 2026 kan een aanbestedingsprocedure aan de orde komen. De bestaande volmacht is "
        "daartoe ontoereikend; er moet tijdig worden gesignaleerd dat een nieuwe volmacht "
        "nodig is.\n"
        "1.4 Huidige pilot lijkt niet toereikend\n"
        "Voor sommige doelgroepen is lokaal maatwerk nodig; dat wordt eind 2025 meegewogen.\n"
        "2.1 Kosten zijn een voorlopige inschatting\n"
        "Gemeenten betalen kosten per etmaal maal ligduur voor hun inwoners; leegstand wordt "
        "verdeeld naar inwonertal."
    ),
    "costs": (
        "In 2024 waren de totale kosten voor de gemeente Enschede € 12.466,16 (beschikbaar was "
        "€ 26.000). In 2025 is € 28.400,- beschikbaar, gedekt uit het GALA-budget onderdeel "
        "Mantelzorg, product Algemene Maatschappelijke Voorzieningen."
    ),
    "alternatives": (
        "Zonder verlenging van de pilot moeten maatwerkcontracten worden afgesloten, met hogere "
        "administratieve lasten en het risico van regionaal verschillende werkwijzen en tarieven."
    ),
    "participation": "N.v.t.",
    "communication": "Het besluit wordt gedeeld met het Ambtelijk overleg Wmo Twentse Koers.",
    "press_release": False,
    "follow_up": (
        "De pilot wordt voortgezet in 2025. In mei 2025 en november 2025 wordt de pilot "
        "geëvalueerd met alle betrokken partijen."
    ),
    "annexes": [
        {
            "description": "Volmacht",
            "college": True,
            "council": False,
            "not_public": False,
            "secret": False,
        }
    ],
    "woo_publication": "actively_published",
    "retention_category": "Selectielijst gemeenten en intergemeentelijke organen: 10 jaar",
}

# "Mee geadviseerd door" on Enschede's agenda form (seeds/000): name, unit and the demo account
# that stands for Juridische Zaken. The other colleges asked their Juridische Zaken.
ENSCHEDE_ADVISERS = [
    ("N. Boll", "SBS", None),
    ("E. van 't Hoog en I. Lungu – van Twisk", "JZ", "jurist@enschede.example"),
    ("Twentse Koers", "", None),
]
OTHER_ADVISER = "Juridische Zaken"
# Borne's co-adviser: a demo account of Borne (added for the co-advice).
BORNE_JURIST = "jurist@borne.example"

# Indicative states of the other colleges (not from the seeds): decision dates as the grants.
CLOSED = {"Almelo", "Dinkelland", "Haaksbergen", "Losser", "Oldenzaal", "Hengelo", "Hellendoorn"}


def seed(
    session: Session,
    actor: Actor,
    arrangement: Arrangement,
    volmacht: Mandate,
    grant_dates: dict[str, date | None],
) -> None:
    regional = next(
        (
            d
            for d in store.list_decisions(session)
            if d.municipality_id is None and d.subject == REGIONAL_SUBJECT
        ),
        None,
    )
    if regional is not None:
        return
    moment = datetime(2025, 4, 1, 9, 0, tzinfo=UTC)
    shared = {k: v for k, v in ENSCHEDE.items() if k not in PER_MUNICIPALITY}
    regional = Decision(
        arrangement_id=arrangement.id,
        municipality_id=None,
        status="draft",
        decide_by=date(2025, 7, 31),
        **shared,
    )
    regional.effects.append(Effect(kind="grant_mandate", mandate_id=volmacht.id))
    session.add(regional)
    session.flush()
    grants = {g.grantor_id: g for g in volmacht.grants}
    for participant in sorted(arrangement.participants, key=lambda p: p.organisation.name):
        municipality = participant.organisation
        if municipality.kind != "municipality":
            continue
        is_lead = municipality.id == arrangement.lead_organisation_id
        values = dict(ENSCHEDE) if municipality.name == "Enschede" else dict(shared)
        decided_on = date(2025, 3, 18) if is_lead else grant_dates.get(municipality.name)
        child = Decision(
            arrangement_id=arrangement.id,
            municipality_id=municipality.id,
            parent_id=regional.id,
            **values,
        )
        asked = (
            [(name, unit) for name, unit, _ in ENSCHEDE_ADVISERS]
            if municipality.name == "Enschede"
            else [(OTHER_ADVISER, "")]
        )
        # Linked to their accounts by ``ask_advisers`` once the demo accounts exist.
        child.advices = [
            CoAdvice(adviser=name, unit=unit)
            if decided_on is None
            else CoAdvice(adviser=name, unit=unit, advice="agree", recorded_at=moment)
            for name, unit in asked
        ]
        if decided_on is None:
            child.status = "co_advice"  # Borne: still collecting co-advice
        else:
            child.meeting_on = decided_on
            child.decided_on = decided_on
            child.outcome = "as_proposed"
            child.status = "closed" if municipality.name in CLOSED else "decided"
            child.secretary_advice = child.secretary_advice or "Akkoord."
            child.transitions = [
                Transition(from_status=a, to_status=b, actor_label="demo", at=moment, note="")
                for a, b in (
                    ("draft", "co_advice"),
                    ("co_advice", "secretary_advice"),
                    ("secretary_advice", "scheduled"),
                    ("scheduled", "decided"),
                )
            ]
        if not is_lead:
            effect = Effect(kind="grant_mandate", mandate_id=volmacht.id)
            grant = grants.get(municipality.id)
            if decided_on is not None and grant is not None:
                effect.applied_at = moment
                effect.result = (
                    f"{volmacht.title}: verleend en van kracht vanaf {long_date(decided_on)}."
                )
            child.effects.append(effect)
        session.add(child)
        session.flush()
        if decided_on is not None and not is_lead and municipality.id in grants:
            grant = grants[municipality.id]
            grant.decision_id = child.id
            session.flush()
            audit.record_update(
                session,
                actor,
                object_type="mandate_grant",
                object_id=grant.id,
                before={"decision_id": None},
                after={"decision_id": child.id},
                version=grant.version,
            )
    audit.record(
        session,
        actor,
        action="create",
        object_type="decision",
        object_id=regional.id,
        new_values={"subject": REGIONAL_SUBJECT, "fanned_out": True},
    )


def ask_advisers(session: Session, actor: Actor) -> None:
    """Link the demo's co-advisers to the demo accounts that stand for them: Enschede's
    Juridische Zaken to its jurist, and Borne's (still to advise) to Borne's jurist. Runs after
    the accounts exist; what is linked already is left as it is."""
    regional = next(
        (
            d
            for d in store.list_decisions(session)
            if d.municipality_id is None and d.subject == REGIONAL_SUBJECT
        ),
        None,
    )
    if regional is None:
        return
    children = {
        c.municipality.name: c for c in store.children_of(session, regional.id) if c.municipality
    }
    links: list[tuple[str, str, str, str | None]] = [
        ("Enschede", name, email, None) for name, _, email in ENSCHEDE_ADVISERS if email
    ]
    links.append(("Borne", OTHER_ADVISER, BORNE_JURIST, "Juridische Zaken"))
    for municipality, name, email, unit in links:
        child = children.get(municipality)
        user = find_user_by_email(session, email)
        if child is None or user is None or user.organisation_id != child.municipality_id:
            continue
        advice = next(
            (a for a in child.advices if a.adviser == name and a.adviser_id is None), None
        )
        if advice is None or any(a.adviser_id == user.id for a in child.advices):
            continue
        advice.adviser_id = user.id
        if unit is not None:  # asked as the account itself, with its unit
            advice.adviser, advice.unit = user.name, unit
        session.flush()
        audit.record(
            session,
            actor,
            action="ask_advice",
            object_type="decision",
            object_id=child.id,
            new_values={"adviser_id": user.id, "adviser": advice.adviser, "unit": advice.unit},
        )
