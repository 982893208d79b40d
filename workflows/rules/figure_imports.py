"""The kinds of monitoring figures a file can bring in (workflows/monitoring/imports.py)."""

from __future__ import annotations

from workflows.rules.vocabulary import Labelled


class ImportKind(Labelled):
    REQUESTS = "requests", "aanvragen per aanbieder"
    STAYS = "stays", "verblijven per bed"
    CLIENTS = "clients", "unieke cliënten per gemeente"
