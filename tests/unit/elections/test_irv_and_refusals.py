"""IRV for one seat, and the inputs no count accepts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.unit.elections.ballots import election, votes
from unionvote.elections.count import CountRefused, irv, run_count, scottish_stv
from unionvote.elections.count.types import CountInput, RankedBallot


def test_a_first_preference_majority_wins_at_once() -> None:
    result = irv.count(election("Ann Bob Cath", 1, "6 x Ann", "3 x Bob", "2 x Cath Bob"))
    assert len(result.stages) == 1 and result.elected == ["Ann"]


def test_the_lowest_is_excluded_until_someone_has_a_majority_of_the_votes_still_in_the_count() -> None:
    result = irv.count(election("Ann Bob Cath Dev", 1, "40 x Ann", "35 x Bob Cath", "15 x Cath Bob", "10 x Dev"))
    s1, s2, s3 = result.stages
    assert s2.excluded == ("Dev",) and s2.non_transferable == Decimal(10)
    # 90 votes left in the count: Ann's 40 is not a majority, Cath goes and Bob reaches 50 of 90.
    assert s3.excluded == ("Cath",) and votes(s3, Ann="40", Bob="50")
    assert result.elected == ["Bob"]
    assert "more than 45 needed" in s3.note


def test_card_votes_count_their_weight() -> None:
    result = irv.count(election("Ann Bob", 1, "200 x Ann", "150 x Bob", "100 x Bob"))
    assert result.elected == ["Bob"] and result.stages[0].votes["Bob"] == Decimal(250)


def test_irv_refuses_more_than_one_seat() -> None:
    with pytest.raises(CountRefused, match="IRV fills one seat"):
        irv.count(election("Ann Bob Cath", 2, "1 x Ann"))


def test_a_count_with_fewer_candidates_than_seats_is_refused() -> None:
    with pytest.raises(CountRefused, match="2 candidate\\(s\\) stand for 3 seat\\(s\\)"):
        scottish_stv.count(election("Ann Bob Cath", 3, "1 x Ann", withdrawn=("Cath",)))


def test_a_ballot_ranking_a_candidate_twice_is_refused() -> None:
    bad = CountInput(("Ann", "Bob"), 1, (RankedBallot((0, 1)), RankedBallot((1, 1))))
    with pytest.raises(CountRefused, match="Ballot 2: Bob is ranked more than once"):
        run_count("irv", bad)


def test_preferences_for_a_withdrawn_candidate_are_skipped() -> None:
    result = scottish_stv.count(election("Ann Bob Cath", 1, "5 x Cath Bob", "4 x Ann", withdrawn=("Cath",)))
    assert "Cath" not in result.stages[0].votes
    assert result.stages[0].votes["Bob"] == Decimal("5.00000") and result.elected == ["Bob"]


def test_an_unknown_rule_is_refused_by_name() -> None:
    with pytest.raises(CountRefused, match="Unknown counting rule 'meek'"):
        run_count("meek", election("Ann Bob", 1, "1 x Ann"))


def test_as_many_candidates_as_seats_are_all_elected() -> None:
    for rule in ("scottish-stv", "ers97-stv"):
        result = run_count(rule, election("Ann Bob", 2, "3 x Ann", "1 x Bob"))
        assert sorted(result.elected) == ["Ann", "Bob"]


def test_an_exclusion_tie_never_broken_by_the_votes_is_decided_by_a_recorded_lot() -> None:
    result = scottish_stv.count(election("Ann Bob Cath", 1, "4 x Ann", "2 x Bob Ann", "2 x Cath"))
    tie = result.stages[1].tie_breaks[0]
    assert tie.method == "lot" and set(tie.tied) == {"Bob", "Cath"}
    again = scottish_stv.count(election("Ann Bob Cath", 1, "4 x Ann", "2 x Bob Ann", "2 x Cath"))
    assert again.stages[1].tie_breaks[0].chosen == tie.chosen  # a recount redraws the same lot
