"""The five Glasgow 2007 wards: our Scottish STV count reproduces every stage of the reference count."""

from __future__ import annotations

import pytest

from tests.unit.elections.droop_report import DATA, WARDS, read_report
from unionvote.elections.blt import parse_blt
from unionvote.elections.count import scottish_stv


@pytest.mark.parametrize("ward", WARDS)
def test_every_stage_matches_the_reference_count_to_the_last_decimal(ward: str) -> None:
    reference = read_report(ward)
    result = scottish_stv.count(parse_blt((DATA / f"{ward}.blt").read_text()))

    assert result.quota == reference.quota
    assert len(result.stages) == len(reference.snapshots)
    for ours, theirs in zip(result.stages, reference.snapshots, strict=True):
        assert {name: ours.votes[name] for name in theirs.votes} == theirs.votes, f"stage {ours.number}"
        assert ours.non_transferable == theirs.non_transferable, f"stage {ours.number}"
        assert ours.lost_to_fractions == theirs.residual, f"stage {ours.number}"
        assert ours.non_transferable.as_tuple().exponent == -5  # printed to 5 places, as the rules say
    assert set(result.elected) == reference.elected


def test_stage_kinds_follow_the_reference_actions() -> None:
    reference = read_report("Calton-2007")
    result = scottish_stv.count(parse_blt((DATA / "Calton-2007.blt").read_text()))
    kinds = {"Begin Count": "first preferences", "Surplus transferred": "surplus", "Transfer defeated": "exclusion"}
    assert [stage.kind for stage in result.stages] == [kinds[s.action] for s in reference.snapshots]
    assert result.stages[1].subject == ("George Redmond",)
    assert result.elected == ["George Redmond", "Alison E Thewliss", "Ruth Simpson"]
