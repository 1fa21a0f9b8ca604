"""The decision rule stored with every ballot, and the count that applies it. Pure: no database.

`unionvote audit verify` recounts exported ballots with these same functions, and
docs/audit-format.md states the rule in words so an outsider can write their own.
All arithmetic is exact: integers and Fractions, never floats.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import Any

from unionvote.errors import RuleViolation
from unionvote.i18n import _


class Method(StrEnum):
    FOR_AGAINST = "for_against_abstain"
    ONE_OF = "one_of"  # one of N options
    UP_TO = "up_to_k"  # up to K of N options
    RANKED = "ranked"  # preferences in order, counted by the elections domain


class Majority(StrEnum):
    SIMPLE = "simple"  # more than half of the base
    ABSOLUTE = "absolute"  # more than half of those entitled to vote, whatever the base says
    TWO_THIRDS = "two_thirds"  # at least two thirds of the base
    FRACTION = "fraction"  # at least a stated fraction of the base
    PLURALITY = "plurality"  # options only: the most votes wins


class Base(StrEnum):
    CAST = "cast"  # every vote cast, invalid hall papers included
    VALID = "valid"  # valid votes
    PRESENT = "present"  # the electorate frozen when the ballot opened (checked in), plus the hall's present count
    ENTITLED = "entitled"  # every accredited voting credential of the conference


class TieRule(StrEnum):
    FALLS = "falls"  # a tied motion is lost; tied options give no result
    CASTING_VOTE = "casting_vote"  # the chair's casting vote decides, and is recorded


class Quorum(StrEnum):
    NONE = "none"
    VOTERS = "voters"  # at least this many people voted (online and in the hall)
    SHARE = "share"  # votes cast carry at least this share of the entitled weight


FOR, AGAINST, ABSTAIN = "for", "against", "abstain"
FOR_AGAINST_KEYS = (FOR, AGAINST, ABSTAIN)


def parse_fraction(text: str, what: str) -> Fraction:
    try:
        value = Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise RuleViolation(_("%(what)s must be a whole number or a fraction such as 2/3, not '%(text)s'.")
                            % {"what": what, "text": text}) from None
    return value


def fraction_text(value: Fraction | int) -> str:
    """Weights and totals travel as exact text: '200', '3/2'."""
    return str(Fraction(value))


@dataclass(frozen=True)
class Rule:
    majority: Majority = Majority.SIMPLE
    fraction: Fraction | None = None  # for Majority.FRACTION
    base: Base = Base.VALID
    abstentions_in_base: bool = False
    quorum: Quorum = Quorum.NONE
    quorum_value: Fraction | None = None
    tie_rule: TieRule = TieRule.FALLS

    def __post_init__(self) -> None:
        if self.majority is Majority.FRACTION:
            if self.fraction is None or not 0 < self.fraction <= 1:
                raise RuleViolation(_("A custom majority needs a fraction above 0 and at most 1, such as 3/5."))
        elif self.fraction is not None:
            raise RuleViolation(_("Only a custom majority takes a fraction."))
        if self.quorum is Quorum.NONE and self.quorum_value is not None:
            raise RuleViolation(_("A quorum value needs a quorum kind."))
        if self.quorum is Quorum.VOTERS and (self.quorum_value is None or self.quorum_value.denominator != 1
                                              or self.quorum_value < 1):
            raise RuleViolation(_("A quorum of voters must be a whole number of at least 1."))
        if self.quorum is Quorum.SHARE and (self.quorum_value is None or not 0 < self.quorum_value <= 1):
            raise RuleViolation(_("A quorum share must be a fraction above 0 and at most 1, such as 1/4."))

    @property
    def effective_base(self) -> Base:
        return Base.ENTITLED if self.majority is Majority.ABSOLUTE else self.base

    def as_dict(self) -> dict[str, Any]:
        return {
            "majority": str(self.majority),
            "fraction": None if self.fraction is None else fraction_text(self.fraction),
            "base": str(self.base),
            "abstentions_in_base": self.abstentions_in_base,
            "quorum": str(self.quorum),
            "quorum_value": None if self.quorum_value is None else fraction_text(self.quorum_value),
            "tie_rule": str(self.tie_rule),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Rule:
        def frac(key: str) -> Fraction | None:
            return None if data.get(key) is None else Fraction(data[key])

        try:
            return cls(majority=Majority(data["majority"]), fraction=frac("fraction"), base=Base(data["base"]),
                       abstentions_in_base=bool(data["abstentions_in_base"]), quorum=Quorum(data["quorum"]),
                       quorum_value=frac("quorum_value"), tie_rule=TieRule(data["tie_rule"]))
        except (KeyError, ValueError) as exc:
            raise RuleViolation(_("The stored rule is not readable: %(why)s.") % {"why": exc}) from None

    def describe(self) -> str:
        """The rule in words, printed with every result."""
        needed = {
            Majority.SIMPLE: "more than half",
            Majority.ABSOLUTE: "more than half",
            Majority.TWO_THIRDS: "at least two thirds",
            Majority.FRACTION: f"at least {self.fraction}",
            Majority.PLURALITY: "the most votes",
        }[self.majority]
        base = {
            Base.CAST: "of all votes cast",
            Base.VALID: "of the valid votes",
            Base.PRESENT: "of those present when the vote opened",
            Base.ENTITLED: "of all those entitled to vote",
        }[self.effective_base]
        text = needed if self.majority is Majority.PLURALITY else f"{needed} {base}"
        if self.effective_base in (Base.CAST, Base.VALID) and self.majority is not Majority.PLURALITY:
            text += ", abstentions counted in the base" if self.abstentions_in_base else ", abstentions not counted"
        if self.quorum is Quorum.VOTERS:
            text += f"; quorum: at least {self.quorum_value} voters"
        elif self.quorum is Quorum.SHARE:
            text += f"; quorum: votes cast carry at least {self.quorum_value} of the entitled vote"
        text += "; a tie is decided by the chair's casting vote" if self.tie_rule is TieRule.CASTING_VOTE \
            else "; a tied vote falls"
        return text[0].upper() + text[1:] + "."


@dataclass(frozen=True)
class Choices:
    """What may be chosen on a ballot: the method, its option keys, and K for up-to-K."""

    method: Method
    options: tuple[str, ...] = FOR_AGAINST_KEYS
    max_choices: int = 1

    def check(self, choice: Sequence[str]) -> tuple[str, ...]:
        """A voter's choice as stored (a tuple of option keys), or a RuleViolation saying what is wrong."""
        if not isinstance(choice, list | tuple) or not all(isinstance(key, str) for key in choice):
            raise RuleViolation(_("A choice is a list of option keys."))
        unknown = [key for key in choice if key not in self.options]
        if unknown:
            raise RuleViolation(_("'%(key)s' is not an option on this ballot.") % {"key": unknown[0]})
        if len(set(choice)) != len(choice):
            raise RuleViolation(_("The same option was chosen twice."))
        if self.method in (Method.FOR_AGAINST, Method.ONE_OF):
            if len(choice) != 1:
                raise RuleViolation(_("Choose exactly one option.") if self.method is Method.ONE_OF
                                    else _("Choose for, against or abstain."))
            return tuple(choice)
        if self.method is Method.UP_TO:
            if len(choice) > self.max_choices:
                raise RuleViolation(_("Choose at most %(most)s options; you chose %(chosen)s.")
                                    % {"most": self.max_choices, "chosen": len(choice)})
            return tuple(sorted(choice, key=self.options.index))  # order carries nothing: store it canonical
        if not choice:
            raise RuleViolation(_("Rank at least one candidate."))
        return tuple(choice)  # ranked: the order is the preference


@dataclass
class Tally:
    """Weighted votes per option key, and the ballot papers behind them.

    `papers` is the weight of valid papers (each counted once, however many options it
    ticks); `blank` the part of it that chose nothing; `invalid` spoilt hall papers.
    """

    weights: dict[str, Fraction] = field(default_factory=dict)
    voters: int = 0  # people or papers that voted, valid or not
    papers: Fraction = Fraction(0)
    blank: Fraction = Fraction(0)
    invalid: Fraction = Fraction(0)

    def add(self, choice: Iterable[str], weight: Fraction) -> None:
        keys = list(choice)
        for key in keys:
            self.weights[key] = self.weights.get(key, Fraction(0)) + weight
        self.papers += weight
        if not keys:
            self.blank += weight
        self.voters += 1

    def merged(self, other: Tally) -> Tally:
        weights = dict(self.weights)
        for key, value in other.weights.items():
            weights[key] = weights.get(key, Fraction(0)) + value
        return Tally(weights, self.voters + other.voters, self.papers + other.papers, self.blank + other.blank,
                     self.invalid + other.invalid)

    def of(self, key: str) -> Fraction:
        return self.weights.get(key, Fraction(0))

    @property
    def cast(self) -> Fraction:
        return self.papers + self.invalid

    def as_dict(self, options: Sequence[str]) -> dict[str, Any]:
        return {"choices": {key: fraction_text(self.of(key)) for key in options}, "voters": self.voters,
                "papers": fraction_text(self.papers), "blank": fraction_text(self.blank),
                "invalid": fraction_text(self.invalid)}


@dataclass(frozen=True)
class Decision:
    outcome: str  # carried | lost | inquorate | tied | decided
    winners: tuple[str, ...]
    base: Fraction
    threshold_text: str
    quorum_met: bool | None
    tie: bool
    tied_options: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "winners": list(self.winners), "base": fraction_text(self.base),
                "threshold": self.threshold_text, "quorum_met": self.quorum_met, "tie": self.tie,
                "tied_options": list(self.tied_options)}


def _meets(votes: Fraction, base: Fraction, rule: Rule) -> bool:
    if rule.majority in (Majority.SIMPLE, Majority.ABSOLUTE):
        return votes * 2 > base
    if rule.majority is Majority.TWO_THIRDS:
        return votes * 3 >= base * 2
    if rule.majority is Majority.FRACTION:
        assert rule.fraction is not None
        return votes >= rule.fraction * base
    return True  # plurality: the ranking decides


def _threshold_text(rule: Rule, base: Fraction) -> str:
    if rule.majority in (Majority.SIMPLE, Majority.ABSOLUTE):
        return f"more than {fraction_text(base / 2)}"
    if rule.majority is Majority.TWO_THIRDS:
        return f"at least {fraction_text(base * 2 / 3)}"
    if rule.majority is Majority.FRACTION:
        assert rule.fraction is not None
        return f"at least {fraction_text(base * rule.fraction)}"
    return "the most votes"


def base_of(rule: Rule, choices: Choices, tally: Tally, present: Fraction, entitled: Fraction) -> Fraction:
    base = rule.effective_base
    if base is Base.ENTITLED:
        return entitled
    if base is Base.PRESENT:
        return present
    if choices.method is Method.FOR_AGAINST:
        valid = tally.of(FOR) + tally.of(AGAINST) + (tally.of(ABSTAIN) if rule.abstentions_in_base else 0)
    else:
        valid = tally.papers - (0 if rule.abstentions_in_base else tally.blank)
    return valid + tally.invalid if base is Base.CAST else valid


def quorum_met(rule: Rule, tally: Tally, entitled: Fraction) -> bool | None:
    if rule.quorum is Quorum.NONE:
        return None
    assert rule.quorum_value is not None
    if rule.quorum is Quorum.VOTERS:
        return tally.voters >= rule.quorum_value
    return tally.cast >= rule.quorum_value * entitled


def decide(rule: Rule, choices: Choices, tally: Tally, *, present: Fraction, entitled: Fraction,
           casting_vote: str | None = None) -> Decision:
    """Apply the stored rule to a combined tally. A tie under the casting-vote rule needs `casting_vote`."""
    if choices.method is Method.RANKED:
        raise RuleViolation(_("Ranked ballots are counted by the election's count, not by a majority rule."))
    base = base_of(rule, choices, tally, present, entitled)
    threshold = _threshold_text(rule, base)
    met = quorum_met(rule, tally, entitled)
    if met is False:
        return Decision("inquorate", (), base, threshold, met, False)
    if choices.method is Method.FOR_AGAINST:
        votes_for, votes_against = tally.of(FOR), tally.of(AGAINST)
        tie = rule.majority is Majority.SIMPLE and votes_for == votes_against and votes_for > 0 \
            and not _meets(votes_for, base, rule)
        if tie:
            if rule.tie_rule is TieRule.FALLS:
                return Decision("lost", (), base, threshold, met, True)
            if casting_vote not in (FOR, AGAINST):
                raise RuleViolation(_("The vote is tied: the chair's casting vote (for or against) must be recorded."),
                                    409)
            carried = casting_vote == FOR
            return Decision("carried" if carried else "lost", (FOR,) if carried else (), base, threshold, met, True)
        carried = base > 0 and _meets(votes_for, base, rule)
        return Decision("carried" if carried else "lost", (FOR,) if carried else (), base, threshold, met, False)
    return _decide_options(rule, choices, tally, base, threshold, met, casting_vote)


def _decide_options(rule: Rule, choices: Choices, tally: Tally, base: Fraction, threshold: str,
                    met: bool | None, casting_vote: str | None) -> Decision:
    seats = 1 if choices.method is Method.ONE_OF else choices.max_choices
    ranked = sorted(choices.options, key=lambda key: (-tally.of(key), choices.options.index(key)))
    qualified = [key for key in ranked if tally.of(key) > 0 and _meets(tally.of(key), base, rule)]
    if len(qualified) <= seats:
        return Decision("decided" if qualified else "lost", tuple(qualified), base, threshold, met, False)
    # More qualify than there are places: the top `seats` win unless the last place is tied.
    cut = tally.of(qualified[seats - 1])
    sure = tuple(key for key in qualified if tally.of(key) > cut)
    tied = tuple(key for key in qualified if tally.of(key) == cut)
    places = seats - len(sure)
    if len(tied) <= places:
        return Decision("decided", sure + tied, base, threshold, met, False)
    if rule.tie_rule is TieRule.FALLS:
        return Decision("tied", sure, base, threshold, met, True, tied)
    picks = tuple(key for key in (casting_vote or "").split(",") if key)
    if len(picks) != places or not set(picks) <= set(tied):
        names = ", ".join(tied)
        raise RuleViolation(_("Options %(names)s are tied for the last %(places)s place(s): the chair's casting vote "
                              "must name %(places)s of them.") % {"names": names, "places": places}, 409)
    return Decision("decided", sure + tuple(key for key in tied if key in picks), base, threshold, met, True, tied)
