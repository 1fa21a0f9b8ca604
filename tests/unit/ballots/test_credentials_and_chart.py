"""Codes people can type, hashes that ignore how they typed them, and the turnout chart's geometry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from unionvote.ballots.chart import turnout_svg
from unionvote.ballots.credentials import CODE_ALPHABET, code_hash, format_code, new_code


def test_codes_avoid_letters_and_digits_that_look_alike() -> None:
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(code) == 10 and set(code) <= set(CODE_ALPHABET) for code in codes)
    assert not set("01ILO") & set("".join(codes))


def test_a_code_matches_however_it_is_typed_but_only_for_its_member() -> None:
    code = new_code()
    stored = code_hash("salt", "A12", code)
    assert code_hash("salt", "a12 ", format_code(code).lower()) == stored
    assert code_hash("salt", "A13", code) != stored
    assert code_hash("other-salt", "A12", code) != stored


def test_the_chart_rises_to_the_last_count_and_marks_the_threshold() -> None:
    start = datetime(2027, 3, 1, 9, tzinfo=UTC)
    chart = turnout_svg([(start, 10), (start + timedelta(hours=2), 50)], 100, 50)
    assert chart["empty"] is False
    assert chart["line"].split()[-1] == f"{chart['right']},{chart['height'] - chart['pad'] - 70}"
    assert chart["threshold_y"] == chart["height"] - chart["pad"] - 70
    assert turnout_svg([], 100, 50) == {"empty": True}
