"""The kinds of organisation the registers know (docs/architecture.md §2)."""

from __future__ import annotations

from workflows.rules.vocabulary import Labelled


class OrganisationKind(Labelled):
    MUNICIPALITY = "municipality", "gemeente"
    PROVIDER = "provider", "zorgaanbieder"
    CARE_OFFICE = "care_office", "zorgkantoor"
    KNOWLEDGE_PARTNER = "knowledge_partner", "kennispartner"
