"""Issue 16, point 2: counts read as Dutch writes them, "1 dossier", "2 dossiers", "geen
signalen", through one rule (count_phrase) that every page uses as the ``aantal`` filter."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from workflows.rules.dutch_format import PLURALS, count_phrase

TEMPLATES = Path(__file__).resolve().parents[3] / "webapp" / "templates"


@pytest.mark.parametrize(
    ("count", "noun", "expected"),
    [
        (1, "dossier", "1 dossier"),
        (2, "dossier", "2 dossiers"),
        (1, "besluit", "1 besluit"),
        (3, "besluit", "3 besluiten"),
        (0, "signaal", "geen signalen"),
        (1, "signaal", "1 signaal"),
        (1, "gebeurtenis", "1 gebeurtenis"),
        (2, "gebeurtenis", "2 gebeurtenissen"),
        (1250, "besluit", "1.250 besluiten"),
    ],
)
def test_a_count_reads_as_dutch(count: int, noun: str, expected: str) -> None:
    assert count_phrase(count, noun) == expected


def test_none_may_be_said_otherwise() -> None:
    assert count_phrase(0, "regel", none="niets") == "niets"
    assert count_phrase(1, "regel", none="niets") == "1 regel"


def test_a_noun_without_a_known_plural_is_an_error_not_a_guess() -> None:
    with pytest.raises(KeyError):
        count_phrase(2, "fiets")


def test_no_page_puts_a_plural_noun_after_a_bare_count() -> None:
    """``{{ rows | length }} dossiers`` reads "1 dossiers" for one row: a count followed by a
    noun goes through ``aantal``."""
    plurals = "|".join(re.escape(p) for p in sorted(PLURALS.values(), key=len, reverse=True))
    bare = re.compile(r"\{\{[^{}]*\|\s*length\s*\}\}\s+(" + plurals + r")\b")
    found = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0)}"
        for path in TEMPLATES.rglob("*.html")
        for match in bare.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []
