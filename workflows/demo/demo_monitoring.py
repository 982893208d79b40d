"""The 2025 monitoring figures of the Twente demo (Kennispunt Twente, docs/domain.md) and a
plausible file of stays consistent with them: 101 placements, 1345 Wlz days and 403 Wmo days,
each stay within its bed's availability and no two stays in one bed at once."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.arrangements import Arrangement
from storage.monitoring import ClientCount, RequestFigure, Stay
from storage.organisations import Organisation

YEAR = 2025
# requested / placed / not placed / unknown / cancelled
REQUESTS = {
    "Carintreggeland": (11, 5, 6, 0, 0),
    "Liberein": (12, 8, 3, 0, 1),
    "TriviumMeulenbeltZorg": (52, 43, 3, 4, 2),
    "ZorgAccent": (20, 12, 7, 1, 0),
    "Zorggroep Sint Maarten": (35, 33, 2, 0, 0),
}
# unique clients (Wlz, Wmo)
CLIENTS = {
    "Almelo": (14, 7),
    "Borne": (5, 2),
    "Dinkelland": (0, 3),
    "Enschede": (10, 0),
    "Haaksbergen": (0, 0),
    "Hellendoorn": (13, 1),
    "Hengelo": (4, 1),
    "Hof van Twente": (3, 2),
    "Losser": (2, 0),
    "Oldenzaal": (1, 0),
    "Rijssen-Holten": (2, 0),
    "Tubbergen": (2, 0),
    "Twenterand": (3, 4),
    "Wierden": (2, 2),
}
DAYS = {"wlz": 1345, "wmo": 403}
PLACED = 101


def _lengths(rng: random.Random, count: int, total: int) -> list[int]:
    """``count`` stay lengths of at least 3 days that add up to ``total``."""
    base = [3] * count
    for _ in range(total - 3 * count):
        base[rng.randrange(count)] += 1
    return base


def seed(session: Session, arrangement: Arrangement) -> None:
    if session.scalars(
        select(RequestFigure).where(RequestFigure.arrangement_id == arrangement.id)
    ).first():
        return
    names = {o.name: o for o in session.scalars(select(Organisation))}
    for provider, (requested, placed, not_placed, unknown, cancelled) in REQUESTS.items():
        session.add(
            RequestFigure(
                arrangement_id=arrangement.id,
                year=YEAR,
                provider_id=names[provider].id,
                requested=requested,
                placed=placed,
                not_placed=not_placed,
                unknown=unknown,
                cancelled=cancelled,
            )
        )
    for municipality, (wlz, wmo) in CLIENTS.items():
        session.add(
            ClientCount(
                arrangement_id=arrangement.id,
                year=YEAR,
                municipality_id=names[municipality].id,
                wmo=wmo,
                wlz=wlz,
            )
        )
    rng = random.Random(YEAR)  # noqa: S311 - the same plausible demo file every time, no secret
    wmo_count = 30
    plan: list[tuple[str, int, str]] = []
    wmo_people = [m for m, (_, wmo) in CLIENTS.items() for _ in range(wmo)]
    wlz_people = [m for m, (wlz, _) in CLIENTS.items() for _ in range(wlz)]
    for length in _lengths(rng, wmo_count, DAYS["wmo"]):
        plan.append(("wmo", length, rng.choice(wmo_people)))
    for length in _lengths(rng, PLACED - wmo_count, DAYS["wlz"]):
        plan.append(("wlz", length, rng.choice(wlz_people)))
    rng.shuffle(plan)
    beds = list(arrangement.beds)
    free = {b.id: max(b.available_from, date(YEAR, 1, 2)) for b in beds}
    for financing, length, municipality in plan:
        for bed in sorted(beds, key=lambda b: (free[b.id], b.id)):
            start = free[bed.id]
            end = start + timedelta(days=length - 1)
            last = min(bed.available_until or date(YEAR, 12, 31), date(YEAR, 12, 31))
            if end <= last:
                session.add(
                    Stay(
                        arrangement_id=arrangement.id,
                        bed_id=bed.id,
                        municipality_id=names[municipality].id,
                        financing=financing,
                        start_on=start,
                        end_on=end,
                    )
                )
                free[bed.id] = end + timedelta(days=1 + rng.randrange(4))
                break
        else:  # pragma: no cover - the plan fits: 1748 days in about 2300 bed-days
            raise RuntimeError("demo stays do not fit in the beds")
    session.flush()
