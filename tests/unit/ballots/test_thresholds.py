"""Threshold analysis: exact integers, and the boundary cases organisers care about."""

from __future__ import annotations

from unionvote.ballots.thresholds import analyse, percent_text, required


def test_500_of_1000_meets_a_50_percent_turnout_threshold() -> None:
    result = analyse("Everyone", 1000, 500, turnout_percent=50)
    assert result.turnout.met
    assert result.turnout.short_by == 0


def test_499_of_1000_does_not_and_is_one_vote_short() -> None:
    result = analyse("Everyone", 1000, 499, turnout_percent=50)
    assert not result.turnout.met
    assert result.turnout.short_by == 1
    assert "1 more vote needed" in result.turnout.words()


def test_an_odd_electorate_rounds_the_votes_needed_up() -> None:
    assert required(50, 1001) == 501
    assert not analyse("Acme", 1001, 500, turnout_percent=50).turnout.met
    assert analyse("Acme", 1001, 501, turnout_percent=50).turnout.met


def test_yes_votes_at_40_percent_of_those_entitled_count_the_entitled_not_the_voters() -> None:
    result = analyse("Acme", 1000, 900, turnout_percent=50, yes_percent=40, yes_votes=399)
    assert result.turnout.met and result.yes is not None
    assert not result.yes.met and result.yes.short_by == 1
    assert not result.met


def test_nobody_entitled_never_meets_a_threshold() -> None:
    assert not analyse("Empty", 0, 0, turnout_percent=50).turnout.met


def test_percentages_round_half_up_from_integers() -> None:
    assert percent_text(1, 3) == "33.3%"
    assert percent_text(2, 3) == "66.7%"
    assert percent_text(1, 8) == "12.5%"
    assert percent_text(0, 0) == "–"
