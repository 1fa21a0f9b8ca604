"""Exports that staff open in a spreadsheet never carry a live formula."""

from __future__ import annotations

import csv
import io

import pytest

from unionvote.csvexport import csv_bytes, neutralise


@pytest.mark.parametrize("cell", ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_a_cell_a_spreadsheet_would_run_gets_a_leading_quote(cell: str) -> None:
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Ada Lovelace", "", "A12", "O'Brien", " =not first", "1=1"])
def test_ordinary_text_is_left_alone(cell: str) -> None:
    assert neutralise(cell) == cell


def test_a_file_is_utf8_with_a_byte_order_mark_and_every_cell_neutralised() -> None:
    data = csv_bytes(["name", "=header"], [["Zoë", "=HYPERLINK(\"http://evil\")"], [None, 7]])
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["name", "'=header"], ["Zoë", "'=HYPERLINK(\"http://evil\")"], ["", "7"]]
