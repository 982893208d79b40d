"""the equated days of 2023–2028 named by their decrees' citation titles

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03

Migration 0012 loaded the days of 2023–2028 under a placeholder ("…, te bevestigen"). The two
decrees' citation titles have since been found in a public overview; each title enumerates its
days, and they are exactly the days loaded, so the days are confirmed complete (no 4 May 2026,
no 26 April 2027). Their place of publication was not read and the source says so.
docs/algemene-termijnenwet.md gives the reasoning.

Only rows that still carry 0012's placeholder are changed: a beheerder who already corrected a
row keeps their own words.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import storage.base

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

_OVERVIEW = "openbaar overzicht: sterfgeval.nl, vraag 70745 (4 oktober 2025)"

# (placeholder decree of 0012, placeholder source, placeholder note) → (title, source, note)
_RENAMES = (
    (
        (
            "Besluit gelijkstelling 2023–2025, te bevestigen",
            "Staatscourant, nummer te bevestigen",
        ),
        (
            "Besluit gelijkstelling van 28 april 2023, 19 mei 2023, 10 mei 2024, 27 december 2024 "
            "en 30 mei 2025 met een algemeen erkende feestdag",
            f"Citeertitel uit een {_OVERVIEW}; vindplaats in de Staatscourant niet nagezien",
            "De citeertitel noemt precies de vijf dagen van dit besluit. Vul de vindplaats aan "
            "zodra die is nagezien.",
        ),
    ),
    (
        (
            "Besluit gelijkstelling 2026–2028, te bevestigen",
            "https://wetten.overheid.nl/BWBR0051300/2025-07-22 (te bevestigen)",
        ),
        (
            "Besluit gelijkstelling van 2 januari 2026, 15 mei 2026, 7 mei 2027, 28 april 2028 "
            "en 26 mei 2028 met een algemeen erkende feestdag",
            f"Citeertitel uit een {_OVERVIEW}; https://wetten.overheid.nl/BWBR0051300 "
            "(vindplaats niet nagezien)",
            "De citeertitel noemt precies de vijf dagen van dit besluit. Vul de vindplaats aan "
            "zodra die is nagezien.",
        ),
    ),
)

_days = sa.table(
    "equated_days",
    sa.column("decree", sa.String),
    sa.column("source", sa.String),
    sa.column("note", sa.Text),
    sa.column("updated_at", storage.base.UTCDateTime(timezone=True)),
    sa.column("version", sa.Integer),
)


def upgrade() -> None:
    changed_at = datetime(2026, 12, 3, tzinfo=UTC)
    for (old_decree, old_source), (decree, source, note) in _RENAMES:
        op.execute(
            _days.update()
            .where(_days.c.decree == old_decree, _days.c.source == old_source)
            .values(
                decree=decree,
                source=source,
                note=note,
                updated_at=changed_at,
                version=_days.c.version + 1,
            )
        )


def downgrade() -> None:
    # The note stays as 0020 wrote it: it describes the day truthfully under either name.
    for (old_decree, old_source), (decree, source, _note) in _RENAMES:
        op.execute(
            _days.update()
            .where(_days.c.decree == decree, _days.c.source == source)
            .values(decree=old_decree, source=old_source, version=_days.c.version + 1)
        )
