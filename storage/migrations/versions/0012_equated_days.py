"""days equated with holidays by Royal Decree (Algemene termijnenwet art. 3 lid 3)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24

The table starts with the days of every decree known when this was written, so that a
production database has them after ``besluitwerk db upgrade`` alone (without the demo). The
beheerder keeps them up to date afterwards (Beheer > Gelijkgestelde dagen).
docs/algemene-termijnenwet.md says what each row rests on.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

import storage.base

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_DECREE_2016 = "Besluit van 24 oktober 2016, nr. 2016001827"
_SOURCE_2016 = "Stcrt. 2016, 58653; https://wetten.overheid.nl/BWBR0038666"
_DECREE_2022 = "Besluit gelijkstelling 2023–2025, te bevestigen"
_SOURCE_2022 = "Staatscourant, nummer te bevestigen"
_NOTE_2022 = (
    "De dag staat in openbare overzichten; het besluit en zijn vindplaats in de Staatscourant "
    "zijn nog niet nagezien. Vul ze aan zodra ze bevestigd zijn."
)
_DECREE_2025 = "Besluit gelijkstelling 2026–2028, te bevestigen"
_SOURCE_2025 = "https://wetten.overheid.nl/BWBR0051300/2025-07-22 (te bevestigen)"
_NOTE_2025 = (
    "De dag staat in openbare overzichten; de vindplaats is overgenomen uit een verwijzing en "
    "de tekst van het besluit is nog niet nagezien. Vul datum en nummer aan zodra ze "
    "bevestigd zijn."
)

KNOWN_DAYS = (
    (date(2017, 4, 28), _DECREE_2016, _SOURCE_2016, ""),
    (date(2017, 5, 26), _DECREE_2016, _SOURCE_2016, ""),
    (date(2018, 5, 11), _DECREE_2016, _SOURCE_2016, ""),
    (date(2018, 12, 24), _DECREE_2016, _SOURCE_2016, ""),
    (date(2018, 12, 31), _DECREE_2016, _SOURCE_2016, ""),
    (date(2019, 5, 31), _DECREE_2016, _SOURCE_2016, ""),
    (date(2019, 12, 27), _DECREE_2016, _SOURCE_2016, ""),
    (date(2023, 4, 28), _DECREE_2022, _SOURCE_2022, _NOTE_2022),
    (date(2023, 5, 19), _DECREE_2022, _SOURCE_2022, _NOTE_2022),
    (date(2024, 5, 10), _DECREE_2022, _SOURCE_2022, _NOTE_2022),
    (date(2024, 12, 27), _DECREE_2022, _SOURCE_2022, _NOTE_2022),
    (date(2025, 5, 30), _DECREE_2022, _SOURCE_2022, _NOTE_2022),
    (date(2026, 1, 2), _DECREE_2025, _SOURCE_2025, _NOTE_2025),
    (date(2026, 5, 15), _DECREE_2025, _SOURCE_2025, _NOTE_2025),
    (date(2027, 5, 7), _DECREE_2025, _SOURCE_2025, _NOTE_2025),
    (date(2028, 4, 28), _DECREE_2025, _SOURCE_2025, _NOTE_2025),
    (date(2028, 5, 26), _DECREE_2025, _SOURCE_2025, _NOTE_2025),
)


def upgrade() -> None:
    table = op.create_table(
        "equated_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("decree", sa.String(length=300), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_equated_days")),
        sa.UniqueConstraint("day", name=op.f("uq_equated_days_day")),
    )
    loaded_at = datetime(2026, 11, 24, tzinfo=UTC)
    op.bulk_insert(
        table,
        [
            {
                "day": day,
                "decree": decree,
                "source": source,
                "note": note,
                "created_at": loaded_at,
                "updated_at": loaded_at,
                "version": 1,
            }
            for day, decree, source, note in KNOWN_DAYS
        ],
    )


def downgrade() -> None:
    op.drop_table("equated_days")
