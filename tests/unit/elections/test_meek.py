"""Meek STV against the published reference counts of the PR Foundation's Meek reference rule."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import pytest

from tests.unit.elections.ballots import election
from unionvote.elections.blt import parse_blt
from unionvote.elections.count import meek
from unionvote.elections.count.types import CountInput

DATA = Path(__file__).resolve().parents[2] / "data" / "meek"


def reference_input(name: str) -> CountInput:
    """The file's election, with ties broken in file order as the reference count did."""
    parsed = parse_blt((DATA / name).read_text())
    return dataclasses.replace(parsed, tie_order=tuple(range(len(parsed.candidates))))


# Round by round: who was elected (+) or excluded (-), "|" between names; the quota; every candidate's votes,
# in file order.
SC_ROUNDS = [
    ("+Pat LaMarche|+Rebecca Rotzler", "18.800000001",
     "6 3 8 22 2 0 33 1 1 0 0 0 18"),
    ("-Write-In 2", "18.800000001",
     "8.006073598 3.232685848 9.408174589 18.800000609 2.759954125 0 18.800000299 13.000470959 1.435843893 0 0 0 "
     "18.556796080"),
    ("-Write-In 1", "18.800000001",
     "8.006073598 3.232685848 9.408174589 18.800000609 2.759954125 0 18.800000299 13.000470959 1.435843893 0 0 0 "
     "18.556796080"),
    ("-Steve Greenfield", "18.800000001",
     "8.006073598 3.232685848 9.408174589 18.800000609 2.759954125 0 18.800000299 13.000470959 1.435843893 0 0 0 "
     "18.556796080"),
    ("-Jimmy Leas", "18.800000001",
     "8.006073598 3.232685848 9.408174589 18.800000609 2.759954125 0 18.800000299 13.000470959 1.435843893 0 0 0 "
     "18.556796080"),
    ("-Jason Jones", "18.800000001",
     "8.006073598 3.232685848 9.408174589 18.800000609 2.759954125 0 18.800000299 13.000470959 1.435843893 0 0 0 "
     "18.556796080"),
    ("-Michael Piacsek", "18.800000001",
     "8.006073598 3.232685848 9.408174589 18.800000609 2.759954125 0 18.800000299 14.436314852 0 0 0 0 "
     "18.556796080"),
    ("+Steve Kramer", "18.800000001",
     "9.006073598 3.394740964 9.408174589 19.165213770 0 0 18.800000299 14.506945584 0 0 0 0 19.718851196"),
    ("-Kirit Mookerjee", "18.799133306",
     "9.427381450 3.730149807 9.774255128 18.799133460 0 0 18.799133416 14.666479770 0 0 0 0 18.799133497"),
    ("-Budd Dickinson", "18.789719295",
     "10.204118384 0 11.498644230 18.789719457 0 0 18.789719396 15.876675538 0 0 0 0 18.789719467"),
    ("+Kristen Olsen", "18.586296861",
     "0 0 16.482212783 19.087429756 0 0 19.073682122 19.085721549 0 0 0 0 19.202438090"),
]


def test_the_green_party_steering_committee_count_matches_the_reference_round_by_round() -> None:
    count_input = reference_input("SC.blt")
    result = meek.count(count_input)
    assert len(result.stages) == len(SC_ROUNDS)
    for stage, (actions, quota, votes) in zip(result.stages, SC_ROUNDS, strict=True):
        moved = [f"+{name}" for name in stage.elected] + [f"-{name}" for name in stage.excluded]
        assert sorted(moved) == sorted(actions.split("|")), f"round {stage.number}"
        assert stage.quota == Decimal(quota), f"round {stage.number}"
        assert [stage.votes[name] for name in count_input.candidates] == [Decimal(v) for v in votes.split()], (
            f"round {stage.number}")
    # Elected in the order they reached the quota, the higher vote first within a round.
    assert result.elected == ["Rebecca Rotzler", "Pat LaMarche", "Steve Kramer", "Kristen Olsen"]
    assert result.stages[1].tie_breaks[0].tied == ("Write-In 2", "Write-In 1", "Steve Greenfield", "Jimmy Leas")


@pytest.mark.parametrize(("name", "castor", "pollux", "helen", "quota"), [
    ("42.blt", "2.000000004", "1.999999996", "2.000000000", "2.000000001"),
    ("513.blt", "3.000000005", "2.999999995", "3.000000000", "3.000000001"),
])
def test_near_ties_are_settled_to_the_reference_tolerance(name: str, castor: str, pollux: str, helen: str,
                                                          quota: str) -> None:
    result = meek.count(reference_input(name))
    first, second = result.stages
    assert first.elected == ("Castor",)
    assert second.excluded == ("Pollux",) and second.elected == ("Helen",)
    assert (second.votes["Castor"], second.votes["Pollux"], second.votes["Helen"]) == (
        Decimal(castor), Decimal(pollux), Decimal(helen))
    assert second.quota == Decimal(quota)
    assert result.elected == ["Castor", "Helen"]


def test_an_elected_candidates_keep_value_passes_on_exactly_what_is_over_the_quota() -> None:
    # 10 papers, 2 seats: quota 3.333333334 at first. Ann keeps about 0.55 of each of her 6 papers, passes the
    # rest to Bob, and the record states every keep value (0 for those left when the seats are filled).
    result = meek.count(election("Ann Bob Cath Dev", 2, "6 x Ann Bob", "2 x Bob", "1 x Cath", "1 x Dev"))
    assert result.elected == ["Ann", "Bob"]
    last = result.stages[-1]
    assert Decimal("0.55") < last.keep_values["Ann"] < Decimal("0.56")
    assert last.votes["Ann"] - last.quota < Decimal("0.000001")
    assert last.to_record()["keep_values"]["Dev"] == "0.000000000"
