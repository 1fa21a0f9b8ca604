"""Majority rules with worked cases: exact arithmetic, every base, quorum and tie rule."""

from __future__ import annotations

from fractions import Fraction

import pytest

from unionvote.errors import RuleViolation
from unionvote.voting.rules import (
    Base,
    Choices,
    Majority,
    Method,
    Quorum,
    Rule,
    Tally,
    TieRule,
    decide,
)

MOTION = Choices(Method.FOR_AGAINST)


def counted(votes_for: int | Fraction, against: int | Fraction, abstain: int | Fraction = 0, *,
            invalid: int = 0) -> Tally:
    tally = Tally()
    for key, weight in (("for", votes_for), ("against", against), ("abstain", abstain)):
        if weight:
            tally.weights[key] = Fraction(weight)
            tally.papers += Fraction(weight)
            tally.voters += int(weight) if Fraction(weight).denominator == 1 else 1
    tally.invalid = Fraction(invalid)
    tally.voters += invalid
    return tally


def outcome(rule: Rule, tally: Tally, *, present: int = 1000, entitled: int = 1000,
            casting_vote: str | None = None) -> str:
    return decide(rule, MOTION, tally, present=Fraction(present), entitled=Fraction(entitled),
                  casting_vote=casting_vote).outcome


TWO_THIRDS = Rule(majority=Majority.TWO_THIRDS)


def test_a_card_vote_of_200_for_and_100_against_passes_two_thirds() -> None:
    assert outcome(TWO_THIRDS, counted(200, 100)) == "carried"


def test_199_for_and_100_against_does_not_pass_two_thirds() -> None:
    assert outcome(TWO_THIRDS, counted(199, 100)) == "lost"


def test_abstentions_are_excluded_from_the_base_unless_the_rule_includes_them() -> None:
    tally = counted(60, 50, 20)
    assert outcome(Rule(), tally) == "carried"  # 60 > 110/2
    assert outcome(Rule(abstentions_in_base=True), tally) == "lost"  # 60 is not more than 130/2


def test_a_simple_majority_needs_more_than_half_not_half() -> None:
    assert outcome(Rule(abstentions_in_base=True), counted(50, 40, 10)) == "lost"
    assert outcome(Rule(abstentions_in_base=True), counted(51, 39, 10)) == "carried"


def test_an_absolute_majority_counts_against_everyone_entitled() -> None:
    assert outcome(Rule(majority=Majority.ABSOLUTE), counted(400, 10), entitled=1000) == "lost"
    assert outcome(Rule(majority=Majority.ABSOLUTE), counted(501, 10), entitled=1000) == "carried"


def test_a_custom_fraction_is_at_least_that_share_of_the_base() -> None:
    three_fifths = Rule(majority=Majority.FRACTION, fraction=Fraction(3, 5))
    assert outcome(three_fifths, counted(60, 40)) == "carried"
    assert outcome(three_fifths, counted(59, 41)) == "lost"


def test_the_present_and_cast_bases() -> None:
    assert outcome(Rule(base=Base.PRESENT), counted(55, 20), present=120) == "lost"  # 55 of 120 present
    # Invalid hall papers count in the 'cast' base only.
    assert outcome(Rule(base=Base.CAST), counted(51, 40, invalid=10)) == "carried"
    assert outcome(Rule(base=Base.CAST), counted(50, 40, invalid=11)) == "lost"


def test_card_votes_with_split_weights_are_exact() -> None:
    # A body of 1000 split three ways: thirds, which floats would get wrong.
    third = Fraction(1000, 3)
    tally = counted(third * 2, third)  # two of the three for
    assert outcome(TWO_THIRDS, tally) == "carried"
    assert decide(TWO_THIRDS, MOTION, tally, present=Fraction(1000), entitled=Fraction(1000)).base == 1000


def test_card_votes_with_block_weights() -> None:
    # Blocks of 1000, 600 and 400: London and Cardiff for, Manchester against.
    assert outcome(Rule(), counted(1400, 600)) == "carried"
    assert outcome(TWO_THIRDS, counted(1400, 600)) == "carried"  # 1400 >= 2000 * 2/3
    assert outcome(TWO_THIRDS, counted(1000, 600 + 400)) == "lost"


def test_a_tie_falls_under_the_falls_rule() -> None:
    decision = decide(Rule(), MOTION, counted(100, 100), present=Fraction(200), entitled=Fraction(200))
    assert (decision.outcome, decision.tie) == ("lost", True)


def test_a_tie_under_the_casting_vote_rule_needs_the_chairs_vote_and_follows_it() -> None:
    rule = Rule(tie_rule=TieRule.CASTING_VOTE)
    with pytest.raises(RuleViolation, match="casting vote"):
        outcome(rule, counted(100, 100))
    assert outcome(rule, counted(100, 100), casting_vote="for") == "carried"
    assert outcome(rule, counted(100, 100), casting_vote="against") == "lost"
    assert outcome(rule, counted(101, 100), casting_vote="against") == "carried"  # no tie: no casting vote


def test_quorum_of_voters_and_of_entitled_share() -> None:
    assert outcome(Rule(quorum=Quorum.VOTERS, quorum_value=Fraction(150)), counted(100, 49)) == "inquorate"
    assert outcome(Rule(quorum=Quorum.VOTERS, quorum_value=Fraction(150)), counted(100, 50)) == "carried"
    share = Rule(quorum=Quorum.SHARE, quorum_value=Fraction(1, 4))
    assert outcome(share, counted(200, 49), entitled=1000) == "inquorate"
    assert outcome(share, counted(200, 50), entitled=1000) == "carried"


def test_one_of_n_with_plurality_and_a_tie_for_first_place() -> None:
    choices = Choices(Method.ONE_OF, ("a", "b", "c"))
    tally = Tally()
    for choice, weight in (("a", 40), ("b", 40), ("c", 20)):
        tally.add([choice], Fraction(weight))
    plurality = Rule(majority=Majority.PLURALITY)
    tied = decide(plurality, choices, tally, present=Fraction(100), entitled=Fraction(100))
    assert (tied.outcome, tied.tied_options) == ("tied", ("a", "b"))
    chosen = decide(Rule(majority=Majority.PLURALITY, tie_rule=TieRule.CASTING_VOTE), choices, tally,
                    present=Fraction(100), entitled=Fraction(100), casting_vote="b")
    assert chosen.winners == ("b",)
    # Under a simple majority nobody has more than half: no decision.
    assert decide(Rule(), choices, tally, present=Fraction(100), entitled=Fraction(100)).outcome == "lost"


def test_up_to_k_of_n_elects_the_top_k_and_counts_papers_once_in_the_base() -> None:
    choices = Choices(Method.UP_TO, ("a", "b", "c", "d"), max_choices=2)
    tally = Tally()
    for choice in (["a", "b"], ["a", "c"], ["a"], ["b", "c"], []):
        tally.add(choices.check(choice), Fraction(1))
    decision = decide(Rule(majority=Majority.PLURALITY), choices, tally, present=Fraction(5), entitled=Fraction(5))
    assert decision.winners[0] == "a" and decision.outcome == "tied"  # b and c tie for the second place
    assert decision.base == 4  # four papers chose someone; the blank one is an abstention
    assert decide(Rule(), choices, tally, present=Fraction(5), entitled=Fraction(5)).winners == ("a",)  # 3 of 4


@pytest.mark.parametrize(("choice", "message"), [
    (["a", "b", "c"], "at most 2"),
    (["a", "a"], "twice"),
    (["z"], "not an option"),
    ("a", "list of option keys"),
])
def test_malformed_choices_are_refused_with_the_reason(choice: object, message: str) -> None:
    with pytest.raises(RuleViolation, match=message):
        Choices(Method.UP_TO, ("a", "b", "c"), max_choices=2).check(choice)  # type: ignore[arg-type]


def test_a_rule_survives_storage_and_prints_itself() -> None:
    rule = Rule(majority=Majority.FRACTION, fraction=Fraction(3, 5), base=Base.CAST, abstentions_in_base=True,
                quorum=Quorum.SHARE, quorum_value=Fraction(1, 4), tie_rule=TieRule.CASTING_VOTE)
    assert Rule.from_dict(rule.as_dict()) == rule
    assert rule.describe() == ("At least 3/5 of all votes cast, abstentions counted in the base; quorum: votes "
                               "cast carry at least 1/4 of the entitled vote; a tie is decided by the chair's "
                               "casting vote.")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"majority": Majority.FRACTION}, "fraction"),
    ({"majority": Majority.FRACTION, "fraction": Fraction(3, 2)}, "at most 1"),
    ({"quorum": Quorum.VOTERS, "quorum_value": Fraction(1, 2)}, "whole number"),
    ({"quorum_value": Fraction(3)}, "quorum kind"),
])
def test_impossible_rules_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(RuleViolation, match=message):
        Rule(**kwargs)  # type: ignore[arg-type]
