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
