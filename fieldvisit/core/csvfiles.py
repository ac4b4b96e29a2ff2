"""CSV files people open in a spreadsheet: every cell safe from formula injection."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask import Response

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """Neutralise a cell a spreadsheet would run as a formula, by a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_download(filename: str, header: list[str], rows: Iterable[Iterable[object]]) -> Response:
    """A CSV attachment, each cell made safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
