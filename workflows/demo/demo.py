"""The Twente demo: pilot logeerzorg Twente as in docs/domain.md, and one account per role.

Idempotent: what exists (by name or e-mail address) is left as it is, so running it again
keeps every change made since. Figures marked indicative in docs/domain.md are indicative here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from storage import accounts as account_store
from storage import agreements as agreement_store
from storage import arrangements as arrangement_store
from storage import mandates as mandate_store
from storage import organisations as organisation_store
from storage.arrangements import (
    Arrangement,
    Bed,
    BudgetLine,
    EvaluationMoment,
    Location,
    Participant,
    Phase,
)
from storage.organisations import Organisation
from workflows import audit
from workflows.accounts import accounts
from workflows.actors import Actor
from workflows.demo import demo_decisions, demo_monitoring
from workflows.registers import agreements, mandates
from workflows.rules.acts import Act
from workflows.rules.roles import ROLE_LABELS, Role

ARRANGEMENT_NAME = "Pilot logeerzorg Twente"
LEAD_MUNICIPALITY = "Rijssen-Holten"
# One password for every demo account, printed by seed-demo and shown in the README.
DEMO_PASSWORD = "Logeren-in-Twente-2025"  # noqa: S105 - published on purpose, demo only
INHABITANTS_ON = date(2025, 1, 1)

# Rounded and indicative (docs/domain.md): replaceable by the administrator.
MUNICIPALITIES: dict[str, int] = {
    "Almelo": 74_000,
    "Borne": 24_000,
    "Dinkelland": 26_700,
    "Enschede": 161_000,
    "Haaksbergen": 24_600,
    "Hellendoorn": 36_500,
    "Hengelo": 82_000,
    "Hof van Twente": 35_500,
    "Losser": 22_900,
    "Oldenzaal": 32_000,
    "Rijssen-Holten": 38_500,
    "Tubbergen": 21_700,
    "Twenterand": 34_000,
    "Wierden": 25_000,
}

PROVIDERS: dict[str, str] = {
    "Carintreggeland": "CR",
    "TriviumMeulenbeltZorg": "TMZ",
    "ZorgAccent": "ZA",
    "Zorggroep Sint Maarten": "ZSM",
    "Liberein": "Li",
}

OTHERS: list[tuple[str, str, str]] = [
    ("Zorgkantoor Menzis", "care_office", "Financiert de Wlz-logeerzorg."),
    ("Kennispunt Twente", "knowledge_partner", "Monitoring van de pilot."),
    ("Alerta", "knowledge_partner", "Coördinatie van de logeerbedden."),
]


@dataclass(frozen=True)
class DemoBed:
    provider: str
    location: str
    care_type: str
    financing: str
    available_from: date
    available_until: date | None = None


PILOT_START = date(2024, 2, 1)
# Which single bed is the Wmo bed is not in the seeds; we chose Humanitas (indicative).
BEDS: list[DemoBed] = [
    DemoBed("TriviumMeulenbeltZorg", "Theresia Hof", "verzorgingshuis", "wlz", PILOT_START),
    DemoBed("TriviumMeulenbeltZorg", "Meulenbelt", "verpleeghuis gesloten PG", "wlz", PILOT_START),
    DemoBed("Carintreggeland", "Humanitas", "verzorgingshuis", "wmo", PILOT_START),
    DemoBed("ZorgAccent", "Liefderdinck", "verzorgingshuis", "wlz", PILOT_START),
    DemoBed("ZorgAccent", "Stadskwartier", "verpleeghuis somatiek", "wlz", date(2025, 4, 14)),
    DemoBed("Liberein", "Ariënshuis", "verzorgingshuis", "wlz", PILOT_START, date(2025, 9, 7)),
    DemoBed("Liberein", "De Eschpoort", "verpleeghuis somatiek", "wlz", date(2025, 9, 8)),
    DemoBed("Zorggroep Sint Maarten", "Bloemenhof", "verpleeghuis somatiek", "wlz", PILOT_START),
]


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    role: Role
    organisation: str
    password: str = DEMO_PASSWORD

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]


def _provider_email(name: str) -> str:
    return "aanbieder@" + name.lower().replace(" ", "") + ".example"


ACCOUNTS: list[DemoAccount] = [
    DemoAccount(
        "beleid@enschede.example", "Beleidsmedewerker Enschede", Role.POLICY_OFFICER, "Enschede"
    ),
    DemoAccount("jurist@enschede.example", "Jurist Enschede", Role.LEGAL_OFFICER, "Enschede"),
    # Borne's dossier is still in co-advice: its jurist is the co-adviser asked.
    DemoAccount("jurist@borne.example", "Jurist Borne", Role.LEGAL_OFFICER, "Borne"),
    DemoAccount(
        "projectgroep@rijssen-holten.example",
        "Projectgroep logeerzorg",
        Role.PROJECT_GROUP,
        LEAD_MUNICIPALITY,
    ),
    DemoAccount(
        "beheer@rijssen-holten.example", "Functioneel beheer", Role.ADMINISTRATOR, LEAD_MUNICIPALITY
    ),
    DemoAccount("auditor@enschede.example", "Informatiebeveiliging", Role.AUDITOR, "Enschede"),
    *[
        DemoAccount(_provider_email(name), f"Contractbeheer {name}", Role.PROVIDER, name)
        for name in PROVIDERS
    ],
]


def seed_demo(session: Session, actor: Actor, *, today: date) -> list[DemoAccount]:
    organisations = _seed_organisations(session, actor)
    _seed_arrangement(session, actor, organisations, today=today)
    arrangement = arrangement_store.find_arrangement_by_name(session, ARRANGEMENT_NAME)
    assert arrangement is not None
    _seed_registers(session, actor, arrangement, organisations)
    for account in ACCOUNTS:
        if account_store.find_user_by_email(session, account.email) is None:
            accounts.create_user(
                session,
                actor,
                email=account.email,
                name=account.name,
                role=account.role,
                organisation_id=organisations[account.organisation].id,
                password=account.password,
            )
    demo_decisions.ask_advisers(session, actor)
    return ACCOUNTS


def _seed_organisations(session: Session, actor: Actor) -> dict[str, Organisation]:
    wanted: list[Organisation] = [
        Organisation(
            kind="municipality",
            name=name,
            description="",
            inhabitants=inhabitants,
            inhabitants_on=INHABITANTS_ON,
            meeting_weekday=1,  # Tuesday (indicative, docs/domain.md)
            agenda_lead_working_days=10,
            co_advice_working_days=10,
            recess_weeks=[30, 31, 32],
            no_meetings_christmas_to_new_year=True,
        )
        for name, inhabitants in MUNICIPALITIES.items()
    ]
    wanted += [
        Organisation(kind="provider", name=name, short_name=short, description="", recess_weeks=[])
        for name, short in PROVIDERS.items()
    ]
    wanted += [
        Organisation(kind=kind, name=name, description=text, recess_weeks=[])
        for name, kind, text in OTHERS
    ]
    found: dict[str, Organisation] = {}
    for organisation in wanted:
        existing = organisation_store.find_organisation_by_name(session, organisation.name)
        if existing is None:
            session.add(organisation)
            session.flush()
            audit.record(
                session,
                actor,
                action="create",
                object_type="organisation",
                object_id=organisation.id,
                new_values={"name": organisation.name, "kind": organisation.kind},
            )
            existing = organisation
        found[organisation.name] = existing
    return found


def _seed_arrangement(
    session: Session, actor: Actor, organisations: dict[str, Organisation], *, today: date
) -> None:
    if arrangement_store.find_arrangement_by_name(session, ARRANGEMENT_NAME) is not None:
        return
    phases = [
        ("Pilot", "pilot", PILOT_START, date(2024, 12, 31)),
        ("Verlenging 1", "extension", date(2025, 1, 1), date(2026, 1, 1)),
    ]
    arrangement = Arrangement(
        name=ARRANGEMENT_NAME,
        description=(
            "Regionale pilot met planbare logeerzorg in verpleeg- en verzorgingshuizen, zodat "
            "mantelzorgers worden ontlast. Gefinancierd uit de Wmo (gemeenten) en de Wlz "
            "(zorgkantoor Menzis). Rijssen-Holten treedt op namens de andere Twentse gemeenten."
        ),
        lead_organisation_id=organisations[LEAD_MUNICIPALITY].id,
        # Risk 1.3 of the Enschede agenda form: a tender is expected after 2026.
        successor_kind="tender",
        successor_start_on=date(2027, 1, 1),
        successor_description=(
            "Regionale aanbesteding van structurele logeerzorg; het agendaformulier van "
            "Enschede (risico 1.3) verwacht een aanbestedingsprocedure na 2026."
        ),
        participants=[Participant(organisation_id=o.id) for o in organisations.values()],
        phases=[
            Phase(
                name=name,
                kind=kind,
                start_on=start,
                end_on=end,
            )
            for name, kind, start, end in phases
        ],
        evaluation_moments=[
            EvaluationMoment(
                name="Evaluatie met alle partijen (mei)",
                due_on=date(2025, 5, 31),
                description=(
                    "Eerste evaluatie van de verlenging met aanbieders, zorgkantoor en gemeenten."
                ),
            ),
            EvaluationMoment(
                name="Evaluatie met alle partijen (november)",
                due_on=date(2025, 11, 30),
                description="Basis voor het besluit over verdere verlenging of een aanbesteding.",
            ),
            EvaluationMoment(
                name="Eindrapportage monitoring 2025",
                due_on=date(2026, 5, 20),
                description="Monitoringsrapportage over 2025 door Kennispunt Twente.",
            ),
        ],
    )
    for demo_bed in BEDS:
        provider = organisations[demo_bed.provider]
        location = arrangement_store.find_location(session, provider.id, demo_bed.location)
        if location is None:
            location = Location(
                provider_id=provider.id, name=demo_bed.location, care_type=demo_bed.care_type
            )
            session.add(location)
            session.flush()
        arrangement.beds.append(
            Bed(
                location_id=location.id,
                financing=demo_bed.financing,
                available_from=demo_bed.available_from,
                available_until=demo_bed.available_until,
            )
        )
    session.add(arrangement)
    session.flush()
    audit.record(
        session,
        actor,
        action="create",
        object_type="arrangement",
        object_id=arrangement.id,
        new_values={
            "name": arrangement.name,
            "lead_organisation_id": arrangement.lead_organisation_id,
            "phases": [f"{p.name}: {p.start_on} t/m {p.end_on}" for p in arrangement.phases],
            "participants": len(arrangement.participants),
            "beds": len(arrangement.beds),
        },
    )


VOLMACHT_TITLE = "Volmacht inkoopovereenkomsten pilot logeerzorg Twente"
ENSCHEDE_DECISION = (
    "B&W-besluit Enschede 27 mei 2025, casenummer BV25000055, corsanummer 2500004409"
)
# Decision dates of the other colleges are not in the seeds: indicative, spread over 2025.
# Borne has not decided yet, so the register shows "12 van 13 verleend".
GRANT_DATES: dict[str, date | None] = {
    "Almelo": date(2025, 4, 15),
    "Borne": None,
    "Dinkelland": date(2025, 5, 13),
    "Enschede": date(2025, 5, 27),
    "Haaksbergen": date(2025, 4, 22),
    "Hellendoorn": date(2025, 6, 3),
    "Hengelo": date(2025, 5, 20),
    "Hof van Twente": date(2025, 6, 10),
    "Losser": date(2025, 4, 29),
    "Oldenzaal": date(2025, 5, 6),
    "Tubbergen": date(2025, 6, 17),
    "Twenterand": date(2025, 6, 24),
    "Wierden": date(2025, 7, 1),
}
TARIFF = Decimal("166.00")  # indicative (docs/domain.md): the Hoeksche Waard day tariff


def _seed_registers(
    session: Session, actor: Actor, arrangement: Arrangement, organisations: dict[str, Organisation]
) -> None:
    volmacht = mandate_store.find_mandate_by_title(session, arrangement.id, VOLMACHT_TITLE)
    if volmacht is None:
        pilot = next(p for p in arrangement.phases if p.kind == "pilot")
        volmacht = mandates.create(
            session,
            actor,
            {
                "arrangement_id": arrangement.id,
                "kind": "volmacht",
                "title": VOLMACHT_TITLE,
                "grantee_id": organisations[LEAD_MUNICIPALITY].id,
                "grantee_function": "college van burgemeester en wethouders",
                "acts": [
                    Act.CONCLUDE_AGREEMENT,
                    Act.AMEND_AGREEMENT,
                    Act.EXTEND_AGREEMENT,
                    Act.TERMINATE_AGREEMENT,
                ],
                "phase_ids": [pilot.id],
                "includes_extensions": True,
                "legal_basis": (
                    "Volmacht naar burgerlijk recht (art. 3:60 BW); het college besluit over "
                    "privaatrechtelijke rechtshandelingen (art. 160 lid 1 onder e Gemeentewet). "
                    "Bekrachtiging van eerdere handelingen: art. 3:69 BW."
                ),
                "ratifies_since": date(2025, 1, 1),
                "ratified_acts": [
                    "Inkoopovereenkomsten met de vijf zorgaanbieders voor de verlenging vanaf "
                    "1 januari 2025, gesloten door Rijssen-Holten namens de Twentse gemeenten",
                ],
                "description": (
                    "Alle vertegenwoordigingsbevoegdheden met betrekking tot de "
                    "inkoopovereenkomsten gedurende de looptijd van de pilot logeerzorg en een "
                    "eventuele verlenging daarvan. Dekt geen toekomstige aanbesteding."
                ),
                "grantor_ids": [organisations[name].id for name in GRANT_DATES],
            },
        )
        for grant in volmacht.grants:
            granted_on = GRANT_DATES[grant.grantor.name]
            if granted_on is None:
                continue
            mandates.record_grant(
                session,
                actor,
                volmacht.id,
                grant.grantor_id,
                {
                    "status": "granted",
                    "granted_on": granted_on,
                    "decision_reference": ENSCHEDE_DECISION
                    if grant.grantor.name == "Enschede"
                    else f"B&W-besluit {grant.grantor.name} (indicatief, demo)",
                },
                expected_version=grant.version,
            )
            mandates.record_grant(
                session,
                actor,
                volmacht.id,
                grant.grantor_id,
                {"status": "active"},
                expected_version=grant.version,
            )
    extension = next(p for p in arrangement.phases if p.kind == "extension")
    for name, short in PROVIDERS.items():
        reference = f"LOG-TW-2025-{short.upper()}"
        if agreement_store.find_agreement_by_reference(session, reference) is not None:
            continue
        provider = organisations[name]
        agreement = agreements.create(
            session,
            actor,
            {
                "arrangement_id": arrangement.id,
                "kind": "purchase",
                "reference": reference,
                "title": f"Inkoopovereenkomst logeerzorg {name} – verlenging pilot",
                "provider_id": provider.id,
                "contracting_party_id": organisations[LEAD_MUNICIPALITY].id,
                "start_on": extension.start_on,
                "end_on": extension.end_on,
                "extension_count": 1,
                "extension_months": 12,
                "notice_months": 3,
                "tariff_occupied_day": TARIFF,
                "tariff_vacant_day": TARIFF,
                "indexation": "Het tarief volgt het NZa-tarief.",
                "mandate_ids": [volmacht.id],
                "bed_ids": [
                    b.id for b in arrangement.beds if b.location.provider_id == provider.id
                ],
            },
        )
        for status in ("sent", "signed_by_provider", "signed", "active"):
            agreements.change_status(
                session, actor, agreement.id, status, expected_version=agreement.version
            )
    demo_decisions.seed(session, actor, arrangement, volmacht, GRANT_DATES)
    demo_monitoring.seed(session, arrangement)
    budgets = {(b.municipality_id, b.year) for b in arrangement.budgets}
    enschede = organisations["Enschede"]
    source = "GALA-middelen, onderdeel Mantelzorg; product Algemene Maatschappelijke Voorzieningen"
    for year, amount in ((2024, Decimal("26000.00")), (2025, Decimal("28400.00"))):
        if (enschede.id, year) not in budgets:
            arrangement.budgets.append(
                BudgetLine(municipality_id=enschede.id, year=year, amount=amount, source=source)
            )
    session.flush()
