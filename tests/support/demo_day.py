"""The moment most web tests of the Twente demo are set at: Monday 2 June 2025, 09:30 UTC, with
the pilot running and the open college meetings still ahead. The ``on_demo_day`` fixture of
tests/conftest.py sets the web layer's clock to it; a test module asks for it with
``pytestmark = pytest.mark.usefixtures("on_demo_day")``."""

from __future__ import annotations

from datetime import UTC, datetime

NOW = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)  # Monday 2 June 2025
