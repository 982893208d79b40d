"""The fields each document kind offers its template (docs/architecture.md §6).

A template may use only these placeholders: an uploaded template that names anything else is
refused with the unknown names listed (docs/security.md S7 — a misspelt field would otherwise be a
blank in a legal document). Placeholder names are Dutch because the people who edit the Word
templates read them; ``templates_docs/README.md`` lists them.

A catalogue maps a name to its description (a text value), to a nested catalogue (an object
whose parts are reached as ``naam.deel``), or to a one-element list holding the catalogue of each
item (a list used in ``{% for item in naam %}``).
"""

from __future__ import annotations

from typing import Any

from workflows.rules.vocabulary import Labelled

Catalogue = dict[str, Any]


class DocumentKind(Labelled):
    AGENDAFORMULIER = "agendaformulier", "Agendaformulier B&W"
    VOLMACHT = "volmacht", "Volmacht"
    INKOOPOVEREENKOMST = "inkoopovereenkomst", "Inkoopovereenkomst"
    VERLENGINGSBRIEF = "verlengingsbrief", "Verlengingsbrief"
    RAADSINFORMATIEBRIEF = "raadsinformatiebrief", "Raadsinformatiebrief"
    EVALUATIERAPPORTAGE = "evaluatierapportage", "Evaluatierapportage"


KIND_LABELS = DocumentKind.labels()


class TemplateStatus(Labelled):
    """A template version is checked as a candidate, then activated; the version it replaces
    is retired, never deleted (docs/architecture.md §6)."""

    CANDIDATE = "candidate", "kandidaat"
    ACTIVE = "active", "actief"
    RETIRED = "retired", "vervangen"


# What a document is made from, and for which party it is made (one per granting municipality,
# one per provider) when the subject alone does not say.
KIND_SUBJECTS = {
    "agendaformulier": "decision",
    "volmacht": "mandate",
    "inkoopovereenkomst": "agreement",
    "verlengingsbrief": "agreement",
    "raadsinformatiebrief": "arrangement",
    "evaluatierapportage": "arrangement",
}
KIND_PARTIES = {"volmacht": "municipality", "raadsinformatiebrief": "municipality"}
# Kinds made per year of monitoring figures rather than per party.
KIND_YEARS = frozenset({"evaluatierapportage"})


class SubjectType(Labelled):
    """The kind of record a document or bundle is made from."""

    DECISION = "decision", "besluitdossier"
    MANDATE = "mandate", "mandaat"
    AGREEMENT = "agreement", "overeenkomst"
    ARRANGEMENT = "arrangement", "regeling"


SUBJECT_LABELS = SubjectType.labels()

# The heading of the volmacht document for each kind of mandate: one template whose text
# follows the kind (docs/volmacht-en-mandaat.md says why one template and not two).
MANDATE_DOCUMENT_TITLES = {
    "volmacht": "Volmacht",
    "mandaat": "Mandaatbesluit",
    "machtiging": "Machtigingsbesluit",
}
MANDATE_BUNDLE_TITLES = {
    "volmacht": "Volmachtenbundel",
    "mandaat": "Mandaatbundel",
    "machtiging": "Machtigingenbundel",
}

_COMMON: Catalogue = {
    "opgemaakt_op": "Datum waarop het document is gemaakt, bijvoorbeeld 27 mei 2025",
    "plaats": "Plaats van ondertekening (de gemeente of de penvoerder)",
}

_PHASE: Catalogue = {
    "naam": "Naam van de fase",
    "van": "Begindatum van de fase",
    "tot": "Einddatum van de fase",
}

CATALOGUES: dict[str, Catalogue] = {
    "agendaformulier": {
        **_COMMON,
        "gemeente": "Gemeente waarvan het college besluit",
        "regeling": "Naam van de regeling (leeg als het dossier geen regeling heeft)",
        "vergaderdatum": "Datum van de collegevergadering",
        "portefeuillehouder": "Portefeuillehouder",
        "agendaletter": "Agendaletter",
        "onderwerp": "Onderwerp van het voorstel",
        "openbaar": "Openbaar: Ja of Nee",
        "organisatieonderdeel": "Organisatieonderdeel",
        "corsanummer": "Corsanummer",
        "schrijver": "Schrijver van het voorstel",
        "casenummer": "Casenummer",
        "urgentie": "Urgentie",
        "raadsbesluit_nodig": "Raadsbesluit nodig: Ja of Nee",
        "raad_informeren": "Raad informeren: Ja of Nee",
        "mee_geadviseerd_door": "Wie mee geadviseerd hebben, één per regel",
        "advies_gemeentesecretaris": "Advies van de gemeentesecretaris",
        "conceptbesluit": [{"nummer": "Nummer van het besluitpunt", "tekst": "Tekst"}],
        "publieksvriendelijke_samenvatting": "Publieksvriendelijke samenvatting",
        "besluit_datum": "Datum van het B&W-besluit, of een stippellijn zolang er geen is",
        "inleiding": "Inleiding en voorgeschiedenis",
        "gewenst_effect": "Gewenst effect",
        "argumenten": [{"nummer": "Nummer van het argument (1.1, 1.2, 2.1)", "tekst": "Tekst"}],
        "risicos": "Risico's",
        "kosten": "Kosten en financiële dekking",
        "alternatieven": "Afweging en alternatieven",
        "participatie": "Participatie",
        "communicatie": "Communicatie",
        "persbericht": "Persbericht: Ja of Nee",
        "vervolg": "Vervolg",
        "bijlagen": [
            {
                "nummer": "Volgnummer van de bijlage",
                "titel": "Titel van de bijlage",
                "college": "Ter inzage voor het college: Ja of Nee",
                "raad": "Ter inzage voor de raad: Ja of Nee",
                "niet_actief_publiceren": "Niet actief openbaar maken: Ja of Nee",
                "geheim": "Geheim: Ja of Nee",
            }
        ],
    },
    "volmacht": {
        **_COMMON,
        "soort": "Soort: volmacht, mandaat of machtiging (om de tekst op te laten afhangen)",
        "documentsoort": "Kop van het document: Volmacht, Mandaatbesluit of Machtigingsbesluit",
        "soort_met_lidwoord": "De soort met lidwoord: de volmacht, het mandaat of de machtiging",
        "gemeente": "Gemeente waarvan het college de volmacht of het mandaat verleent",
        "gevolmachtigde": "Gemeente of organisatie die de volmacht of het mandaat krijgt",
        "gevolmachtigde_functie": "Functie van de gevolmachtigde of gemandateerde "
        "(leeg als niet vastgelegd)",
        "regeling": "Naam van de regeling",
        "titel": "Titel van de volmacht of het mandaat",
        "omschrijving": "Omschrijving van de volmacht of het mandaat",
        "handelingen": [
            "Een handeling die de volmacht dekt (een rechtshandeling) of het mandaat (een besluit)"
        ],
        "fasen": [_PHASE],
        "geldig_van": "Begin van de geldigheid",
        "geldig_tot": "Einde van de geldigheid",
        "plafond": "Financieel plafond, of 'geen plafond'",
        "ondermandaat": "Of substitutie (volmacht, BW 3:64) of ondermandaat (mandaat, "
        "Awb 10:9) is toegestaan: 'toegestaan' of 'niet toegestaan'",
        "verlengingen": "Of de volmacht of het mandaat ook verlengingen dekt: Ja of Nee",
        "instemming_nodig": "Mandaat en machtiging: of de gemandateerde moet instemmen omdat hij "
        "niet onder verantwoordelijkheid van de mandaatgever werkt (Awb 10:4): Ja of Nee; leeg "
        "bij een volmacht",
        "grondslag": "Wettelijke grondslag zoals in het register vastgelegd (leeg als niet "
        "vastgelegd)",
        "bekrachtiging_sinds": "Datum vanaf welke eerdere handelingen bekrachtigd worden "
        "(bij een volmacht BW 3:69), leeg als er niets bekrachtigd wordt",
        "bekrachtigde_handelingen": ["Een bekrachtigde handeling"],
        "besluit_datum": "Datum van het collegebesluit, of een stippellijn zolang er geen is",
        "besluit_kenmerk": "Kenmerk van het collegebesluit (leeg als nog onbekend)",
    },
    "inkoopovereenkomst": {
        **_COMMON,
        "kenmerk": "Kenmerk van de overeenkomst",
        "titel": "Titel van de overeenkomst",
        "soort": "Inkoopovereenkomst of raamovereenkomst",
        "regeling": "Naam van de regeling",
        "opdrachtgever": "De gemeente die namens de andere gemeenten contracteert",
        "gemeenten": ["Een gemeente namens welke de opdrachtgever handelt"],
        "aanbieder": "De zorgaanbieder",
        "ingangsdatum": "Ingangsdatum",
        "einddatum": "Einddatum",
        "uiterste_einddatum": "Uiterste einddatum met alle verlengingen",
        "verlengingen": "Aantal verlengingsopties",
        "verlenging_maanden": "Duur van elke verlenging in maanden",
        "opzegtermijn_maanden": "Opzegtermijn in maanden",
        "tarief_bezet": "Tarief per bezette dag, bijvoorbeeld € 285,00",
        "tarief_leeg": "Tarief per leegstaande dag",
        "indexering": "Afspraak over indexering",
        "bedden": [
            {
                "locatie": "Locatie",
                "zorgsoort": "Soort zorg",
                "financiering": "Wmo of Wlz",
                "vanaf": "Beschikbaar vanaf",
                "tot": "Beschikbaar tot (of 'doorlopend')",
            }
        ],
        "volmachten": [
            {
                "gemeente": "Gemeente die volmacht verleende",
                "datum": "Datum van het besluit",
                "kenmerk": "Kenmerk van het besluit",
            }
        ],
    },
    "verlengingsbrief": {
        **_COMMON,
        "aanbieder": "De zorgaanbieder",
        "opdrachtgever": "De gemeente die de brief stuurt",
        "kenmerk": "Kenmerk van de overeenkomst",
        "titel": "Titel van de overeenkomst",
        "regeling": "Naam van de regeling",
        "ingangsdatum": "Oorspronkelijke ingangsdatum",
        "nieuwe_einddatum": "Einddatum na de verlenging",
        "verlenging_nummer": "Welke verlenging dit is (1, 2, ...)",
        "verlengingen": "Aantal verlengingsopties in totaal",
        "resterende_verlengingen": "Hoeveel verlengingsopties er nog over zijn",
        "uiterste_einddatum": "Uiterste einddatum",
        "besluit_datum": "Datum van het besluit tot verlengen, of een stippellijn",
    },
    "raadsinformatiebrief": {
        **_COMMON,
        "gemeente": "Gemeente aan wier raad de brief gericht is",
        "regeling": "Naam van de regeling",
        "omschrijving": "Omschrijving van de regeling",
        "penvoerder": "Penvoerende gemeente",
        "gemeenten": ["Een deelnemende gemeente"],
        "aantal_gemeenten": "Aantal deelnemende gemeenten",
        "fasen": [{**_PHASE, "status": "gepland, lopend of afgelopen"}],
        "evaluatiemomenten": [{"naam": "Naam", "datum": "Datum"}],
        "aantal_bedden": "Aantal bedden",
        "budget": "Budget van deze gemeente in het lopende jaar, of 'niet vastgelegd'",
        "opvolging": "Wat er na de regeling komt",
    },
    "evaluatierapportage": {
        **_COMMON,
        "regeling": "Naam van de regeling",
        "penvoerder": "Penvoerende gemeente",
        "aantal_gemeenten": "Aantal deelnemende gemeenten",
        "jaar": "Het jaar van de cijfers",
        "evaluatiemoment": "Het evaluatiemoment waarvoor de rapportage is, met datum",
        "aanvragen": "Aantal aanvragen in het jaar",
        "geplaatst": "Aantal geplaatste aanvragen",
        "niet_geplaatst": "Aantal niet geplaatste aanvragen",
        "onbekend": "Aantal aanvragen met onbekende afloop",
        "geannuleerd": "Aantal geannuleerde aanvragen",
        "plaatsingspercentage": "Geplaatst als deel van de aanvragen, bijvoorbeeld 77,7%",
        "aanvragen_per_aanbieder": [
            {
                "aanbieder": "Zorgaanbieder",
                "aanvragen": "Aanvragen",
                "geplaatst": "Geplaatst",
                "niet_geplaatst": "Niet geplaatst",
                "percentage": "Plaatsingspercentage",
            }
        ],
        "grafiek_plaatsing": "Staafgrafiek (afbeelding) van het plaatsingspercentage per aanbieder",
        "ligdagen_wmo": "Verblijfsdagen Wmo",
        "ligdagen_wlz": "Verblijfsdagen Wlz",
        "ligdagen_totaal": "Verblijfsdagen in totaal",
        "bedden": [
            {
                "locatie": "Locatie van het bed",
                "financiering": "Wmo of Wlz",
                "beschikbaar": "Dagen dat het bed in het jaar beschikbaar was",
                "bezet": "Dagen dat het bed bezet was",
                "bezetting": "Bezettingsgraad, bijvoorbeeld 64,4%",
            }
        ],
        "grafiek_bezetting": "Staafgrafiek (afbeelding) van de bezettingsgraad per bed",
        "clienten": [{"gemeente": "Gemeente", "wmo": "Cliënten Wmo", "wlz": "Cliënten Wlz"}],
        "kostenregel": "Volgens welke regel de kosten verdeeld zijn",
        "kosten": [
            {
                "gemeente": "Gemeente",
                "bezette_dagen": "Verblijfsdagen van inwoners",
                "kosten_bezetting": "Kosten van die dagen",
                "aandeel_leegstand": "Aandeel in leegstand of huisvesting",
                "totaal": "Totaal voor de gemeente",
                "budget": "Budget van de gemeente, of 'niet vastgelegd'",
                "verschil": "Budget min totaal, of '—'",
            }
        ],
        "kosten_totaal": "Totale kosten in het jaar",
        "grafiek_kosten": (
            "Staafgrafiek (afbeelding) van de kosten per gemeente, met haar budget als streep"
        ),
        "tekorten": "Welke gemeenten hun budget overschrijden, of dat geen gemeente tekortkomt",
    },
}


def catalogue(kind: str) -> Catalogue:
    return CATALOGUES[kind]


def field_names(kind: str) -> list[str]:
    """Every placeholder path of a kind, for the template README and the upload page."""
    return sorted(_paths(CATALOGUES[kind], ""))


def _paths(node: Catalogue, prefix: str) -> list[str]:
    paths = []
    for name, spec in node.items():
        path = f"{prefix}{name}"
        if isinstance(spec, dict):
            paths.extend(_paths(spec, f"{path}."))
        elif isinstance(spec, list) and isinstance(spec[0], dict):
            paths.append(f"{path}[]")
            paths.extend(_paths(spec[0], f"{path}[]."))
        elif isinstance(spec, list):
            paths.append(f"{path}[]")
        else:
            paths.append(path)
    return paths
