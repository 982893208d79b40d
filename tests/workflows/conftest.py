"""Fixtures shared by the workflow tests."""

from __future__ import annotations

import pytest

from workflows.deadlines import signals


@pytest.fixture
def derived(monkeypatch):
    """The ids of the arrangements whose signals are derived, in order."""
    seen: list[int] = []
    derive_one = signals._for_arrangement

    def counted(arrangement, *args, **kwargs):
        seen.append(arrangement.id)
        return derive_one(arrangement, *args, **kwargs)

    monkeypatch.setattr(signals, "_for_arrangement", counted)
    return seen
