"""BLT export re-imports to the same count; malformed files are refused line by line."""

from __future__ import annotations

import pytest

from tests.unit.elections.ballots import election
from tests.unit.elections.droop_report import DATA
from unionvote.elections.blt import BltError, export_blt, parse_blt
from unionvote.elections.count import run_count


@pytest.mark.parametrize("rule", ["scottish-stv", "ers97-stv"])
def test_an_exported_election_reimports_to_the_same_result(rule: str) -> None:
    original = parse_blt((DATA / "Hillhead-2007.blt").read_text())
    again = parse_blt(export_blt(original))
    assert again == original
    assert run_count(rule, again).to_record() == run_count(rule, original).to_record()


def test_withdrawn_candidates_and_awkward_names_survive_the_round_trip() -> None:
    original = election("Ann Bob Cath", 1, "3 x Ann Cath", "2 x Cath Bob", withdrawn=("Bob",))
    original = original.__class__(("Ann \"Nan\" Lee", "Bob", "Cath"), 1, original.ballots, original.withdrawn,
                                  title="Chair of standing orders")
    again = parse_blt(export_blt(original))
    assert again.candidates == original.candidates and again.withdrawn == original.withdrawn
    assert again.title == "Chair of standing orders"


def test_a_malformed_file_is_refused_with_every_bad_line_named() -> None:
    text = "3 1\n2 1 2 0\nx 1 0\n1 4 0\n1 2 2 0\n1 1=2 0\n0\n\"Ann\"\n\"Bob\"\n\"Cath\"\n\"Title\"\n"
    with pytest.raises(BltError) as refused:
        parse_blt(text)
    problems = refused.value.problems
    assert problems == [
        "line 3: the number of papers must be a whole number of at least 1, not 'x'",
        "line 4: '4' is not a candidate number (1 to 3)",
        "line 5: candidate 2 is ranked more than once",
        "line 6: equal preferences (1=2) cannot be counted by these rules",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("three 1\n", "line 1: the first line must be two whole numbers"),
        ("2 1\n1 1 0\n", "do not end with a line holding just 0"),
        ("2 1\n1 1 0\n0\n\"Ann\"\n", "2 candidate names expected"),
        ("2 1\n-3\n1 1 0\n0\n\"Ann\"\n\"Bob\"\n", "line 2: '-3' is not a withdrawn candidate number"),
        ("2 1\n1 1 2\n0\n\"Ann\"\n\"Bob\"\n", "line 2: a ballot line must end with 0"),
    ],
)
def test_broken_files_get_a_message_naming_the_problem(text: str, message: str) -> None:
    with pytest.raises(BltError, match=message):
        parse_blt(text)


OTHER_TOOL = """5 2
-4
[withdrawn 5]
[tie 3 1 2]
(a1) 4 1 2 0
3 2   3 0
2 3 4 0
1 5 1 0
0
"Ann    Smith"
"  Bob Jones "
"Cath\tLee"
"Dev Patel"
"Eve Moss"
"Regional executive 2026"
"Source: count sheets from the hall"
"Comment: entered twice and compared"
"""


def test_a_file_written_by_another_counting_tool_is_read_with_its_extensions() -> None:
    parsed = parse_blt(OTHER_TOOL)
    assert parsed.candidates == ("Ann Smith", "Bob Jones", "Cath Lee", "Dev Patel", "Eve Moss")
    assert parsed.withdrawn == frozenset({3, 4})  # -4 and [withdrawn 5]
    assert parsed.tie_order == (2, 0, 1)
    assert parsed.title == "Regional executive 2026"
    assert [(b.count, b.ranking) for b in parsed.ballots] == [(4, (0, 1)), (3, (1, 2)), (2, (2, 3)), (1, (4, 0))]
    # The tie order is written back out, so a recount elsewhere breaks ties the same way.
    assert parse_blt(export_blt(parsed)) == parsed.__class__(
        parsed.candidates, 2, parsed.ballots, parsed.withdrawn, title=parsed.title, tie_order=parsed.tie_order)


def test_a_tie_order_in_the_file_decides_where_a_lot_would() -> None:
    # Bob and Cath are equal at every stage; the lot is the file's tie order, Cath first: Cath is excluded.
    text = "3 1\n[tie 3 2]\n3 1 0\n2 2 0\n2 3 0\n0\n\"Ann\"\n\"Bob\"\n\"Cath\"\n\"Chair\"\n"
    result = run_count("ers97-stv", parse_blt(text))
    [tie] = [t for stage in result.stages for t in stage.tie_breaks]
    assert (tie.method, tie.chosen) == ("tie order", "Cath")


def test_options_and_withdrawals_are_checked_line_by_line_too() -> None:
    text = ("3 1\n[tie 1 4]\n[nick a b c]\n[withdrawn 2 2]\n-x\n[tie 1\n2 1 0\n0\n"
            "\"Ann\"\n\"Bob\"\n\"Ann\"\n\"Title\"\n")
    with pytest.raises(BltError) as refused:
        parse_blt(text)
    assert refused.value.problems == [
        "line 2: '4' in [tie ...] is not a candidate number (1 to 3)",
        "line 3: the option [nick ...] is not one this count understands (only [withdrawn ...] and [tie ...])",
        "line 4: candidate 2 is listed twice in [withdrawn ...]",
        "line 5: '-x' is not a withdrawn candidate number (-1 to -3)",
        "line 6: an option in square brackets must end with ]",
        "line 11: two candidates are called 'Ann'",
    ]
