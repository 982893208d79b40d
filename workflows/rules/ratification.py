"""What is still possible when the decision comes after the act: bekrachtiging.

A private-law act done in the municipality's name without a sufficient volmacht binds it once it
ratifies the act afterwards (BW 3:69), in the form the volmacht itself needs: for a college, a
decision of the college, which in the register is the volmacht's "bekrachtigt handelingen vanaf"
date. Until then the counterparty (the provider, a tenderer) may set the municipality a
reasonable term for the ratification. Article 3:69 BW is about private-law acts: a public-law
decision taken "namens" the college without a mandaat is not ratified that way; the college
itself can take the decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from workflows.rules.acts import MandateKind
from workflows.rules.dutch_format import long_date


def route(kind: str, municipality: str, acting: str, since: date, *, done: bool) -> str:
    """The ratification route for ``municipality``: the act of ``acting`` from ``since`` on is
    done already (``done``) or will be done before the municipality decides."""
    if kind == MandateKind.MANDAAT:
        return (
            f"Een besluit dat {acting} zonder mandaat namens {municipality} neemt, is niet te "
            "bekrachtigen zoals een rechtshandeling (art. 3:69 BW geldt voor privaatrechtelijke "
            f"rechtshandelingen): het college van {municipality} kan het besluit alsnog zelf "
            "nemen."
        )
    what = (
        f"wat {acting} sinds {long_date(since)} zonder toereikende volmacht namens "
        f"{municipality} heeft gedaan"
        if done
        else f"wat {acting} vanaf {long_date(since)} vóór het besluit namens {municipality} doet"
    )
    return (
        f"Bekrachtiging (art. 3:69 BW): {municipality} kan {what} achteraf bekrachtigen, in de "
        "vorm die de volmacht vraagt: een collegebesluit dat de volmacht verleent en de "
        f"handelingen vanaf {long_date(since)} bekrachtigt. De wederpartij kan {municipality} "
        "een redelijke termijn voor die bekrachtiging stellen."
        + ("" if done else " Of stel de handeling uit tot na het besluit.")
    )


@dataclass(frozen=True)
class GapValidity:
    """From when a mandate drafted for a gap is valid, and from when it ratifies."""

    valid_from: date
    ratifies_since: date | None


def validity_for_gap(kind: str, act_on: date, *, today: date, in_time: bool) -> GapValidity:
    """The validity of a mandate drafted for a gap whose (first) act falls on ``act_on``.

    It is valid from the act's date: from "today" a volmacht would claim authority for acts
    nobody asked for, and a later date would leave the act itself uncovered. An act whose day
    has passed cannot be covered from then on by a grant still to come: the volmacht is valid
    from today and ratifies what was done since the act's date (BW 3:69). The same holds when
    the decision will come after the act (``in_time`` is false: the last meeting before it has
    been missed): valid from the act's date, ratified from it. A mandaat is never ratified
    that way (3:69 is private law): it can only be valid from today on."""
    valid_from = max(act_on, today)
    if kind == MandateKind.MANDAAT:
        return GapValidity(valid_from, None)
    late = act_on < today or not in_time
    return GapValidity(valid_from, act_on if late else None)
