"""Writing CSV files that people open in a spreadsheet, without letting a cell run as a formula.

A name such as `=HYPERLINK(...)` or `=cmd|' /C calc'!A0` in the register would otherwise be
evaluated by Excel or LibreOffice when staff open the export (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

# Spreadsheets treat a cell starting with one of these as a formula (tab and CR: some do after trimming).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Litestar appends "; charset=utf-8" to text/* itself; naming it here sent the parameter twice.
CSV_MEDIA_TYPE = "text/csv"


def neutralise(value: object) -> str:
    """The cell's text, with a leading single quote if a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_bytes(header: Iterable[str], rows: Iterable[Iterable[object]]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel shows accented names correctly; every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(cell) for cell in header])
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def attachment_headers(filename: str) -> dict[str, str]:
    """Download headers; exports hold personal data and links that log people in, so never cache them."""
    return {"content-disposition": f'attachment; filename="{filename}"', "cache-control": "no-store"}
