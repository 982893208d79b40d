"""CSV exports that Dutch Excel opens as they are: semicolons, UTF-8 with a byte-order mark."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from flask import Response

from webapp.downloads import attachment


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    # A spreadsheet must not run a typed value as a formula (CSV injection).
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


def csv_response(
    header: Sequence[str], rows: Iterable[Sequence[object]], *, name: str, today: date
) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return attachment(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"),
        filename=f"{name}-{today.isoformat()}.csv",
        content_type="text/csv; charset=utf-8",
    )
