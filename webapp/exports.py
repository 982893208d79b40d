"""CSV exports that Dutch Excel opens as they are: semicolons, UTF-8 with a byte-order mark."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from flask import Response
from openpyxl import Workbook

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


def xlsx_response(
    sheets: dict[str, tuple[Sequence[str], Iterable[Sequence[object]]]], *, name: str, today: date
) -> Response:
    """An Excel workbook with one sheet per table; amounts stay numbers, text stays text."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, (header, rows) in sheets.items():
        sheet = workbook.create_sheet(title=title[:31])
        sheet.append(list(header))
        for row in rows:
            sheet.append([_xlsx_cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return attachment(
        buffer.getvalue(),
        filename=f"{name}-{today.isoformat()}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _xlsx_cell(value: object) -> object:
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@"}:
        return "'" + value  # never a formula from typed text
    return value
