"""The lists of the API (issue 15): each takes ``limit`` and ``offset`` and answers with the
total of the whole list, in as many statements however long the list is."""

from __future__ import annotations

API_LISTS = [
    "/api/v1/arrangements",
    "/api/v1/mandates",
    "/api/v1/agreements",
    "/api/v1/decisions",
    "/api/v1/deadlines",
    "/api/v1/organisations",
    "/api/v1/signals",
]
