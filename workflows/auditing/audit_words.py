"""The audit log in words: what was done to which object, and each recorded value as the
registers show it — Dutch labels, Dutch dates, names for codes and organisations.

The audit log stores values as they were (ISO dates, codes, ids): that is the evidence, and
the hash chain covers it. Only what people read is put into words, here, for the auditor's
page and the history pages alike. A key without a Dutch word is shown as it is, so that the
test that scans every page for code finds it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.audit import AuditEvent
from storage.organisations import Organisation
from workflows.deadlines import deadlines
from workflows.decisions import decisions
from workflows.registers import agreements, arrangements, mandates, organisations
from workflows.rules import agreements as agreement_rules
from workflows.rules import decisions as decision_rules
from workflows.rules.acts import Act, MandateKind
from workflows.rules.costs import COST_RULE_LABELS
from workflows.rules.document_fields import KIND_LABELS as DOCUMENT_KIND_LABELS
from workflows.rules.dutch_format import amsterdam_date_time, long_date, money
from workflows.rules.mandates import GRANT_STATUS_LABELS
from workflows.rules.roles import Role

ACTION_WORDS = {
    "create": "aangemaakt",
    "update": "gewijzigd",
    "delete": "verwijderd",
    "export": "geëxporteerd",
    "upload": "geüpload",
    "login": "aanmelding",
    "logout": "afmelding",
    "generate": "gemaakt",
    "download": "gedownload",
    "access": "toegang gevraagd",
    "activate": "in gebruik genomen",
    "acknowledge": "gezien gemeld",
    "add_effect": "gevolg toegevoegd",
    "apply_effect": "gevolg verwerkt",
    "advice": "advies vastgelegd",
    "fan_out": "naar de colleges verdeeld",
    "grant_access": "toegang gegeven",
    "import_preview": "inlezen voorbereid",
    "import_confirm": "inlezen bevestigd",
    "password_change": "wachtwoord gewijzigd",
    "password_reset_link": "link voor nieuw wachtwoord gemaakt",
    "password_reset": "nieuw wachtwoord ingesteld met link",
    "second_factor_reset": "tweede factor gewist door beheerder",
    "end_sessions": "sessies beëindigd",
    "second_factor": "tweede factor gebruikt",
    "second_factor_enrol": "tweede factor ingesteld",
    "second_factor_off": "tweede factor uitgezet",
    "second_factor_recovery": "herstelcode gebruikt",
    "second_factor_recovery_codes": "nieuwe herstelcodes gemaakt",
    "transition": "status gewijzigd",
    "ask_advice": "mee-advies gevraagd",
    "withdraw_advice": "verzoek om mee-advies ingetrokken",
    "new_version": "aangemaakt als nieuwe versie",
    "revoke": "ingetrokken",
}

OBJECT_WORDS = {
    "agreement": "overeenkomst",
    "api_token": "API-sleutel",
    "arrangement": "regeling",
    "audit_log": "auditlogboek",
    "bed": "bed",
    "budget_line": "budgetregel",
    "bundle": "bundel",
    "cost_line": "kostenpost",
    "deadline": "termijn",
    "decision": "besluitdossier",
    "document": "document",
    "document_template": "sjabloon",
    "equated_day": "gelijkgestelde dag",
    "evaluation_moment": "evaluatiemoment",
    "figures": "cijfers",
    "import": "gegevens inlezen",
    "mandate": "volmacht of mandaat",
    "mandate_grant": "besluit van een volmachtgever",
    "organisation": "organisatie",
    "phase": "fase",
    "reminder_ladder": "herinneringsschema",
    "route": "pagina",
    "signed_copy": "getekend exemplaar",
    "user": "gebruiker",
}

RESULT_WORDS = {
    "success": "gelukt",
    "failed": "mislukt",
    "refused": "geweigerd",
    "denied": "geweigerd",
}

_SUBJECT_WORDS = {
    "decision": "besluitdossier",
    "mandate": "volmacht",
    "agreement": "overeenkomst",
    "arrangement": "regeling",
}

# Field words common to several objects; an object's own labels come first (see _FIELDS).
_COMMON_FIELDS = {
    "status": "Status",
    "version": "Versie",
    "name": "Naam",
    "kind": "Soort",
    "email": "E-mailadres",
    "role": "Rol",
    "organisation_id": "Organisatie",
    "active": "Actief",
    "rows": "Aantal regels",
    "year": "Jaar",
    "subject": "Onderwerp",
    "format": "Formaat",
    "sha256": "Controlegetal (sha256)",
    "reason": "Reden",
    "size": "Grootte (bytes)",
    "problems": "Problemen",
    "documents": "Documenten",
    "label": "Omschrijving",
    "user_id": "Gebruiker",
    "sessions_ended": "Beëindigde sessies",
    "session_started": "Sessie begonnen",
    "expires_at": "Geldig tot",
    "second_factor": "Tweede factor ingesteld",
    "arrangement_id": "Regeling",
    "municipality_id": "Gemeente",
    "decision_id": "Besluitdossier",
    "deadline_version": "Versie van de termijn",
    "participants": "Aantal deelnemers",
    "beds": "Aantal bedden",
    "phases": "Fasen",
    "grantor_ids": "Volmachtgevers",
    "fanned_out": "Naar de colleges verdeeld",
    "adviser": "Adviseur",
    "advice": "Advies",
    "effect": "Gevolg",
    "result": "Uitkomst",
    "created": "Aangemaakt",
    "stored": "Opgeslagen regels",
    "excluded": "Uitgesloten regels",
    "template_version": "Sjabloonversie",
    "active_version": "Actieve versie",
    "input_sha256": "Controlegetal van de invoer",
    "output_sha256": "Controlegetal van het document",
    "budget": "Begroting",
    "realised": "Realisatie",
    "amount": "Bedrag",
    "start_on": "Begindatum",
    "end_on": "Einddatum",
    "outcome": "Besluit",
    "decided_on": "Besloten op",
    "predecessor_id": "Nieuwe versie van",
    "unit": "Afdeling",
    "stand_in_id": "Plaatsvervanger",
    "adviser_id": "Mee-adviseur",
    "day": "Dag",
    "decree": "Besluit",
    "source": "Vindplaats",
    "note": "Opmerking",
    "scope": "Bereik",
}

_FIELDS: dict[str, Mapping[str, str]] = {
    "arrangement": arrangements.LABELS,
    "mandate": mandates.LABELS,
    "mandate_grant": {n: r.label for n, r in mandates.GRANT_FIELDS.items()},
    "agreement": {**agreements.LABELS, "status": "Status"},
    "decision": decisions.LABELS,
}

_STATUS_WORDS: dict[str, Mapping[str, str]] = {
    "agreement": agreement_rules.STATUS_LABELS,
    "decision": decision_rules.STATUS_LABELS,
    "mandate_grant": GRANT_STATUS_LABELS,
    "deadline": deadlines.STATUS_LABELS,
    "phase": arrangements.PHASE_STATUS_LABELS,
}

_KIND_WORDS: dict[str, Mapping[str, str]] = {
    "organisation": organisations.KIND_LABELS,
    "mandate": MandateKind.labels(),
    "agreement": agreement_rules.KIND_LABELS,
    "phase": arrangements.PHASE_KIND_LABELS,
    "deadline": deadlines.KIND_LABELS,
    "document": DOCUMENT_KIND_LABELS,
    "document_template": DOCUMENT_KIND_LABELS,
}

_CODE_WORDS: dict[str, Mapping[str, str]] = {
    "role": Role.labels(),
    "acts": Act.labels(),
    "outcome": decision_rules.OUTCOME_LABELS,
    "advice": decision_rules.ADVICE_LABELS,
    "effect": decisions.EFFECT_LABELS,
    "woo_publication": decisions.WOO_LABELS,
    "successor_kind": arrangements.SUCCESSOR_LABELS,
    "cost_rule": COST_RULE_LABELS,
    "format": {"docx": "Word", "pdf": "PDF"},
    "reason": {"throttled": "te veel mislukte pogingen"},
}

# Keys whose ids are organisations: shown by name.
_ORGANISATION_KEYS = frozenset(
    {
        "organisation_id",
        "grantee_id",
        "grantor_id",
        "grantor_ids",
        "provider_id",
        "contracting_party_id",
        "lead_organisation_id",
        "participant_ids",
        "municipality_id",
    }
)
_MONEY_KEYS = frozenset(
    {"tariff_occupied_day", "tariff_vacant_day", "ceiling", "amount", "budget", "realised"}
)
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?:T[0-9:.]+(?:[+-]\d{2}:\d{2}|Z)?)?\b")
_SUBJECT = re.compile(r"^(decision|mandate|agreement|arrangement):(\d+)$")


@dataclass(frozen=True)
class Change:
    label: str
    old: str | None
    new: str


@dataclass(frozen=True)
class Described:
    """One audit event as a person reads it."""

    event: AuditEvent
    action: str
    subject: str
    result: str
    changes: list[Change]


def organisation_names(session: Session) -> dict[int, str]:
    """Every organisation's name by id: a few dozen rows, read once per page."""
    return {id_: name for id_, name in session.execute(select(Organisation.id, Organisation.name))}


def field_word(object_type: str, key: str) -> str:
    own = _FIELDS.get(object_type, {})
    return own.get(key) or _COMMON_FIELDS.get(key) or key


def _dates_in(text: str) -> str:
    def spoken(match: re.Match[str]) -> str:
        try:
            if "T" in match.group(0):
                return amsterdam_date_time(datetime.fromisoformat(match.group(0)))
            return long_date(date(*(int(part) for part in match.groups())))
        except ValueError:
            return match.group(0)

    return _ISO_DATE.sub(spoken, text)


def value_words(object_type: str, key: str, value: Any, names: Mapping[int, str]) -> str:
    """A recorded value as the registers would show it."""
    if value is None or value == "" or value == []:
        return "leeg"
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, list):
        return ", ".join(value_words(object_type, key, item, names) for item in value)
    if isinstance(value, dict):
        return "; ".join(
            f"{field_word(object_type, k)}: {value_words(object_type, k, v, names)}"
            for k, v in value.items()
        )
    if key in _ORGANISATION_KEYS and isinstance(value, int):
        return names.get(value, f"organisatie nr. {value}")
    if (key.endswith("_id") or key.endswith("_ids")) and isinstance(value, int):
        return f"nr. {value}"
    text = str(value)
    if key in _MONEY_KEYS:
        try:
            return money(Decimal(text))
        except InvalidOperation:
            return text
    words = (
        _STATUS_WORDS.get(object_type, {})
        if key == "status"
        else _KIND_WORDS.get(object_type, {})
        if key == "kind"
        else _CODE_WORDS.get(key, {})
    )
    if text in words:
        return words[text]
    subject = _SUBJECT.match(text)
    if subject:
        return f"{_SUBJECT_WORDS[subject.group(1)]} nr. {subject.group(2)}"
    return _dates_in(text)


def describe(
    event: AuditEvent, names: Mapping[int, str], *, subject: str | None = None
) -> Described:
    old, new = event.old_values or {}, event.new_values or {}
    keys = [k for k in new if k != "version"] + [k for k in old if k not in new and k != "version"]
    changes = [
        Change(
            field_word(event.object_type, key),
            value_words(event.object_type, key, old[key], names) if key in old else None,
            value_words(event.object_type, key, new.get(key), names),
        )
        for key in keys
    ]
    if subject is None:
        what = OBJECT_WORDS.get(event.object_type, event.object_type)
        subject = f"{what} nr. {event.object_id}" if event.object_id else what
    return Described(
        event,
        ACTION_WORDS.get(event.action, event.action),
        subject,
        RESULT_WORDS.get(event.result, event.result),
        changes,
    )
