"""The words a B&W decision uses to grant a volmacht, a mandaat or a machtiging.

A volmacht (BW 3:60) lets the attorney perform private-law legal acts *in naam van* the
municipality; a mandaat (Awb 10:1) lets the mandatary take decisions *namens* the college
(Awb 10:10). The decision that grants either says which it is, cites its own article and
none of the other's, so that the college knows what it gives away (docs/volmacht-en-mandaat.md).
"""

from __future__ import annotations

from collections.abc import Sequence

from workflows.rules.acts import MandateKind

GRANT_WORDS = {
    MandateKind.VOLMACHT: "verleent volmacht",
    MandateKind.MANDAAT: "verleent mandaat",
    MandateKind.MACHTIGING: "verleent machtiging",
}


def grant_words(kind: str) -> str:
    """``verleent volmacht`` / ``verleent mandaat`` / ``verleent machtiging``."""
    try:
        return GRANT_WORDS[MandateKind(kind)]
    except ValueError:
        return f"verleent {kind}"


def draft_point(
    kind: str,
    *,
    grantee: str,
    grantee_is_municipality: bool,
    acts: Sequence[str],
    further_allowed: bool,
    ratifies_since: str | None = None,
) -> str:
    """The point of the draft decision that grants it (``Volmacht te verlenen aan ...``),
    without its number. ``acts`` are the Dutch labels, ``ratifies_since`` a Dutch date."""
    listed = ", ".join(acts)
    if kind == MandateKind.VOLMACHT:
        to = f"de gemeente {grantee}" if grantee_is_municipality else grantee
        text = (
            f"Volmacht te verlenen aan {to} om in naam van de gemeente de volgende "
            f"privaatrechtelijke rechtshandelingen te verrichten: {listed} (artikel 3:60 "
            "Burgerlijk Wetboek); substitutie is "
            f"{'toegestaan' if further_allowed else 'niet toegestaan'} (artikel 3:64 Burgerlijk "
            "Wetboek)"
        )
        if ratifies_since:
            text += (
                f", en de rechtshandelingen die {to} sinds {ratifies_since} zonder volmacht in "
                "naam van de gemeente verrichtte te bekrachtigen (artikel 3:69 Burgerlijk "
                "Wetboek)"
            )
        return text + "."
    to = (
        f"het college van burgemeester en wethouders van {grantee}"
        if grantee_is_municipality
        else grantee
    )
    noun = "Machtiging" if kind == MandateKind.MACHTIGING else "Mandaat"
    what = (
        "de volgende handelingen te verrichten"
        if kind == MandateKind.MACHTIGING
        else "de volgende besluiten te nemen"
    )
    basis = "artikel 10:1 en 10:12 Awb" if kind == MandateKind.MACHTIGING else "artikel 10:1 Awb"
    return (
        f"{noun} te verlenen aan {to} om namens het college {what}: {listed} ({basis}), "
        "schriftelijk en met instemming van de gemandateerde voor zover die niet onder "
        "verantwoordelijkheid van het college werkt (artikel 10:4 Awb); ondermandaat is "
        f"{'toegestaan' if further_allowed else 'niet toegestaan'} (artikel 10:9 Awb)."
    )
