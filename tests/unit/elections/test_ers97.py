"""ERS97 counts worked by hand from the published rules, stage by stage."""

from __future__ import annotations

from decimal import Decimal

from tests.unit.elections.ballots import election, votes
from unionvote.elections.count import ers97


def test_a_later_surplus_comes_only_from_the_last_parcel_received() -> None:
    # 102 votes, 3 seats: quota 102/4 = 25.50, plus 0.01.
    result = ers97.count(election(
        "Ann Bob Cath Dev Eve", 3,
        "25 x Ann Bob Cath", "1 x Ann Dev", "4 x Ann",
        "22 x Bob Eve", "18 x Cath", "16 x Dev", "16 x Eve Dev",
    ))
    s1, s2, s3, s4 = result.stages
    assert result.quota == Decimal("25.51")
    assert votes(s1, Ann="30.00", Bob="22.00", Cath="18.00", Dev="16.00", Eve="16.00")
    assert s1.elected == ("Ann",)
    # Ann's surplus 4.49 over her 26 transferable papers: 0.1726..., so 0.17 each; the 4 papers
    # with no next preference stay with her.
    assert s2.kind == "surplus" and s2.transfer_value == Decimal("0.17")
    assert votes(s2, Ann="25.51", Bob="26.25", Dev="16.17", Eve="16.00")
    assert s2.lost_to_fractions == Decimal("0.07") and s2.non_transferable == Decimal("0.00")
    assert s2.elected == ("Bob",)
    # Bob's surplus 0.74 comes from the 25 papers he got from Ann, all going to Cath at 0.02:
    # his own first preferences (next: Eve) are not looked at.
    assert s3.subject == ("Bob",) and s3.transfer_value == Decimal("0.02")
    assert votes(s3, Bob="25.51", Cath="18.50", Eve="16.00")
    assert s3.lost_to_fractions == Decimal("0.31")
    assert s4.kind == "exclusion" and s4.excluded == ("Eve",)
    assert votes(s4, Dev="32.17", Eve="0.00")
    assert result.elected == ["Ann", "Bob", "Dev"]


def test_a_surplus_that_cannot_save_the_lowest_candidate_is_deferred() -> None:
    result = ers97.count(election(
        "Ann Bob Cath Dev", 2,
        "40 x Ann Bob", "28 x Bob", "20 x Cath Bob", "12 x Dev Cath",
    ))
    s1, s2, s3 = result.stages
    assert result.quota == Decimal("33.34")
    # Surplus 6.66 is less than Cath 20 - Dev 12: Dev is excluded first.
    assert s2.kind == "exclusion" and s2.excluded == ("Dev",) and s2.deferred == ("Ann",)
    assert votes(s2, Ann="40.00", Bob="28.00", Cath="32.00", Dev="0.00")
    # Now the surplus exceeds Cath 32 - Bob 28, so it moves: 6.66 / 40 papers = 0.16 each.
    assert s3.kind == "surplus" and s3.transfer_value == Decimal("0.16")
    assert votes(s3, Ann="33.34", Bob="34.40")
    assert result.elected == ["Ann", "Bob"]


def test_an_exclusion_tie_goes_back_to_the_earliest_unequal_stage_and_papers_move_by_value() -> None:
    # 101 votes, 2 seats: quota 33.67.
    result = ers97.count(election(
        "Ann Bob Cath Dev", 2,
        "40 x Ann Dev Bob", "25 x Bob", "21 x Cath", "15 x Dev",
    ))
    s1, s2, s3, s4, s5 = result.stages
    assert result.quota == Decimal("33.67")
    assert s2.transfer_value == Decimal("0.15") and votes(s2, Dev="21.00", Cath="21.00")
    # Dev and Cath tie on 21.00; at stage 1 Dev had fewer.
    assert s3.excluded == ("Dev",)
    [tie] = s3.tie_breaks
    assert (tie.method, tie.decided_at_stage, tie.chosen) == ("look-back", 1, "Dev")
    # Dev's papers move in sub-parcels, highest value first: his own 15 (no next preference), then Ann's 40 at 0.15.
    assert s3.transfer_value == Decimal("1.00") and s3.non_transferable == Decimal("15.00")
    assert votes(s3, Dev="6.00", Bob="25.00")
    assert s4.transfer_value == Decimal("0.15") and votes(s4, Dev="0.00", Bob="31.00")
    assert s5.excluded == ("Cath",) and s5.non_transferable == Decimal("36.00")


def test_when_the_quota_is_not_reached_the_last_continuing_candidates_are_elected() -> None:
    result = ers97.count(election("Ann Bob Cath Dev", 2, "40 x Ann Dev Bob", "25 x Bob", "21 x Cath", "15 x Dev"))
    last = result.stages[-1]
    assert last.elected == ("Bob",) and last.votes["Bob"] == Decimal("31.00") < result.quota
    assert "seats remain" in last.note
    assert result.elected == ["Ann", "Bob"]


def test_papers_worth_less_than_the_surplus_move_at_their_own_value() -> None:
    result = ers97.count(election("Ann Bob Cath", 2, "37 x Ann", "3 x Ann Bob", "30 x Bob", "30 x Cath"))
    s2 = result.stages[1]
    assert s2.transfer_value == Decimal("1.00")
    assert votes(s2, Ann="33.34", Bob="33.00") and s2.non_transferable == Decimal("3.66")
    assert result.elected == ["Ann", "Bob"]
