"""The URL converter for record ids in paths such as ``/besluiten/<int:decision_id>``.

Werkzeug's own ``int`` converter matches any run of Unicode digits of any length, so
``/besluiten/99999999999999999999`` reached the database and crashed the query (an id column
holds at most 2^31-1 on PostgreSQL). This one takes ASCII digits only, bounded to what an id
column holds: anything else is simply no such page (404).
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter, Map, ValidationError

from workflows.rules.fields import MAX_ID


class IdConverter(IntegerConverter):
    regex = r"[0-9]+"

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = MAX_ID,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str) -> int:
        # A value longer than any id is refused before it is converted.
        if len(value) > len(str(self.max or MAX_ID)):
            raise ValidationError()
        return int(super().to_python(value))


def init_converters(app: Flask) -> None:
    """Replaces ``int`` before any route is added: rules take their converter when added."""
    app.url_map.converters["int"] = IdConverter
