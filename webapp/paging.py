"""The page of a list a visitor asks for (``?pagina=``), read the same way on every list."""

from __future__ import annotations

from flask import request

from workflows.rules import fields

# More pages than any list will have: a larger number, like any other text, gives the first page.
MOST_PAGES = 10**8


def page_number() -> int:
    """The page asked for, from 1; anything that is not a page number gives the first page."""
    number = fields.whole_or_none(request.args.get("pagina", "1"), minimum=1, maximum=MOST_PAGES)
    return number or 1
