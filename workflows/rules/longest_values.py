"""The longest values each document field can hold, for the test render of an uploaded template
with worst-case values (docs/security.md S2).

The test render with the demo data says little about a real dossier: an agenda form whose
introduction is 20 000 characters, an agreement with 300 participating municipalities. So an
uploaded template is also filled with the longest values the registers accept, and every list
at the most items it can have; a template that stays within the render limits then (output
size, work) stays within them with any real dossier that takes the same branches.

The lengths come from the readers that accept the values (``decisions.EDITABLE``, the readers
of mandates, agreements and arrangements; a test compares them). A field not named here is a
name, title or reference of at most ``SHORT_TEXT`` characters, or something Besluitwerk writes
itself (a date, an amount, a number, Ja or Nee) of at most ``WRITTEN`` characters.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from workflows.rules.acts import ACT_LABELS
from workflows.rules.document_fields import CATALOGUES, Catalogue


class Extent(NamedTuple):
    characters: int
    multiline: bool = False


# Names of organisations, phases and locations, titles, references (readers: 50 to 300).
SHORT_TEXT = 300
# decisions.TEXT and the descriptions of mandates and arrangements.
LONG_TEXT = 20_000
# Lists the registers do not cap (participants, providers, beds, phases, annexes): more than
# the 342 municipalities of the Netherlands.
REGISTER_ITEMS = 350
# A numbered text of LONG_TEXT characters (the draft decision, the arguments) holds at most
# this many items, one "1 a" line each; together the items hold the whole text.
NUMBERED_ITEMS = LONG_TEXT // 4
# mee_geadviseerd_door: at most 30 advisers of 300 characters, joined by ", ".
_ADVISERS = 30 * 300 + 29 * 2
# tekorten: every municipality with its shortfall ("Hengelo (€ 1.234,56 tekort)").
_SHORTFALLS = REGISTER_ITEMS * (200 + 40)

_LONG = Extent(LONG_TEXT, multiline=True)
_NUMBERED = Extent(LONG_TEXT // NUMBERED_ITEMS, multiline=True)
# What Besluitwerk writes itself rather than someone typing it: a date ("30 september 2025"),
# an amount, a number, a percentage, Ja or Nee.
WRITTEN = Extent(20)

# Per kind, the fields of at most WRITTEN characters.
_WRITTEN_FIELDS: dict[str, list[str]] = {
    "agendaformulier": [
        "opgemaakt_op",
        "vergaderdatum",
        "agendaletter",
        "openbaar",
        "raadsbesluit_nodig",
        "raad_informeren",
        "besluit_datum",
        "persbericht",
        "conceptbesluit[].nummer",
        "argumenten[].nummer",
        "bijlagen[].nummer",
        "bijlagen[].college",
        "bijlagen[].raad",
        "bijlagen[].niet_actief_publiceren",
        "bijlagen[].geheim",
    ],
    "volmacht": [
        "opgemaakt_op",
        "soort",
        "documentsoort",
        "soort_met_lidwoord",
        "instemming_nodig",
        "geldig_van",
        "geldig_tot",
        "plafond",
        "ondermandaat",
        "verlengingen",
        "bekrachtiging_sinds",
        "besluit_datum",
        "fasen[].van",
        "fasen[].tot",
    ],
    "inkoopovereenkomst": [
        "opgemaakt_op",
        "ingangsdatum",
        "einddatum",
        "uiterste_einddatum",
        "verlengingen",
        "verlenging_maanden",
        "opzegtermijn_maanden",
        "tarief_bezet",
        "tarief_leeg",
        "bedden[].financiering",
        "bedden[].vanaf",
        "bedden[].tot",
        "volmachten[].datum",
    ],
    "verlengingsbrief": [
        "opgemaakt_op",
        "ingangsdatum",
        "nieuwe_einddatum",
        "verlenging_nummer",
        "verlengingen",
        "resterende_verlengingen",
        "uiterste_einddatum",
        "besluit_datum",
    ],
    "raadsinformatiebrief": [
        "opgemaakt_op",
        "aantal_gemeenten",
        "fasen[].van",
        "fasen[].tot",
        "fasen[].status",
        "evaluatiemomenten[].datum",
        "aantal_bedden",
    ],
    "evaluatierapportage": [
        "opgemaakt_op",
        "jaar",
        "aanvragen",
        "geplaatst",
        "niet_geplaatst",
        "onbekend",
        "geannuleerd",
        "plaatsingspercentage",
        "aanvragen_per_aanbieder[].aanvragen",
        "aanvragen_per_aanbieder[].geplaatst",
        "aanvragen_per_aanbieder[].niet_geplaatst",
        "aanvragen_per_aanbieder[].percentage",
        "ligdagen_wmo",
        "ligdagen_wlz",
        "ligdagen_totaal",
        "bedden[].financiering",
        "bedden[].beschikbaar",
        "bedden[].bezet",
        "bedden[].bezetting",
        "clienten[].wmo",
        "clienten[].wlz",
        "kosten[].bezette_dagen",
        "kosten[].kosten_bezetting",
        "kosten[].aandeel_leegstand",
        "kosten[].totaal",
        "kosten[].budget",
        "kosten[].verschil",
        "kosten_totaal",
    ],
}

LONGEST: dict[str, dict[str, Extent]] = {
    "agendaformulier": {
        "onderwerp": Extent(500),
        "mee_geadviseerd_door": Extent(_ADVISERS),
        "advies_gemeentesecretaris": _LONG,
        "publieksvriendelijke_samenvatting": _LONG,
        "inleiding": _LONG,
        "gewenst_effect": _LONG,
        "risicos": _LONG,
        "kosten": _LONG,
        "alternatieven": _LONG,
        "participatie": _LONG,
        "communicatie": _LONG,
        "vervolg": _LONG,
        "conceptbesluit[].tekst": _NUMBERED,
        "argumenten[].tekst": _NUMBERED,
        "bijlagen[].titel": Extent(500),
    },
    "volmacht": {
        "omschrijving": _LONG,
        "grondslag": Extent(2000, multiline=True),
        "handelingen[]": Extent(max(len(label) for label in ACT_LABELS.values())),
        "bekrachtigde_handelingen[]": Extent(500),
    },
    "inkoopovereenkomst": {"indexering": Extent(1000, multiline=True)},
    "verlengingsbrief": {},
    "raadsinformatiebrief": {
        "omschrijving": _LONG,
        "opvolging": Extent(5000, multiline=True),
    },
    "evaluatierapportage": {"tekorten": Extent(_SHORTFALLS)},
}

MOST_ITEMS: dict[str, dict[str, int]] = {
    "agendaformulier": {"conceptbesluit": NUMBERED_ITEMS, "argumenten": NUMBERED_ITEMS},
    "volmacht": {"handelingen": len(ACT_LABELS), "bekrachtigde_handelingen": 200},
}

# Fields that hold a picture (a chart), not a text.
PICTURES: dict[str, frozenset[str]] = {
    "evaluatierapportage": frozenset({"grafiek_plaatsing", "grafiek_bezetting", "grafiek_kosten"}),
}


def longest_values(kind: str) -> dict[str, Any]:
    """Every field of the kind at its longest, every list at its most items. Texts are made of
    the characters that grow most when written into a document: a line break becomes forty
    characters of Word markup, an ampersand five. Picture fields hold their description here;
    the caller puts a picture there."""
    return _filled(CATALOGUES[kind], "", kind)


def _filled(catalogue: Catalogue, prefix: str, kind: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, spec in catalogue.items():
        path = f"{prefix}{name}"
        if isinstance(spec, dict):
            values[name] = _filled(spec, f"{path}.", kind)
        elif isinstance(spec, list):
            items = MOST_ITEMS.get(kind, {}).get(path, REGISTER_ITEMS)
            item: Any
            if isinstance(spec[0], dict):
                item = _filled(spec[0], f"{path}[].", kind)
            else:
                item = _text(kind, f"{path}[]")
            values[name] = [item] * items
        else:
            values[name] = _text(kind, path)
    return values


def extent(kind: str, path: str) -> Extent:
    """The longest value of one field, by its path (``bijlagen[].titel``)."""
    if path in _WRITTEN_FIELDS.get(kind, ()):
        return WRITTEN
    return LONGEST.get(kind, {}).get(path, Extent(SHORT_TEXT))


def _text(kind: str, path: str) -> str:
    extent_ = extent(kind, path)
    return ("\n" if extent_.multiline else "&") * extent_.characters
