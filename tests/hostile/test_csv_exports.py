"""Formula injection: whatever text people put in, no cell of any CSV export starts like a formula."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

import unionvote
from unionvote.csvexport import FORMULA_STARTS, csv_bytes

SOURCE = Path(unionvote.__file__).parent
WRITES_CSV = re.compile(r"\bcsv\.(writer|DictWriter)\b")


@given(st.lists(st.lists(st.text(), min_size=1, max_size=4), max_size=4))
def test_no_cell_of_an_export_starts_like_a_formula_and_every_cell_reads_back(rows: list[list[str]]) -> None:
    width = max((len(row) for row in rows), default=1)
    rows = [row + [""] * (width - len(row)) for row in rows]
    written = csv_bytes([f"column {n}" for n in range(width)], rows).decode("utf-8").removeprefix("\ufeff")
    back = list(csv.reader(io.StringIO(written, newline="")))[1:]
    assert len(back) == len(rows)
    for sent, read in zip(rows, back, strict=True):
        for original, cell in zip(sent, read, strict=True):
            assert not cell.startswith(FORMULA_STARTS)
            assert cell in (original, "'" + original)  # nothing lost but the guard quote


def test_every_csv_the_application_writes_goes_through_csvexport() -> None:
    """A domain writing CSV with the csv module directly would skip the neutralising (add exports via csv_bytes)."""
    offenders = [str(path.relative_to(SOURCE)) for path in SOURCE.rglob("*.py")
                 if path.name != "csvexport.py" and WRITES_CSV.search(path.read_text(encoding="utf-8"))]
    assert not offenders, f"these modules write CSV without unionvote.csvexport.csv_bytes: {offenders}"
