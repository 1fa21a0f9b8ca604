"""What every count takes and gives back: ballots in, a full stage record out.

Counts are pure functions. Values are held as integers scaled by 10**places
(5 for Scottish STV, 2 for ERS97, 0 for IRV), so every figure is exact and
truncation is explicit; they leave the engine as Decimal with that many places.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from unionvote.errors import RuleViolation


class CountRefused(RuleViolation):
    """The count cannot run on this input; the message says why."""


@dataclass(frozen=True, slots=True)
class RankedBallot:
    """Identical ballot papers: candidates (0-based indexes) in preference order, and how many papers."""

    ranking: tuple[int, ...]
    count: int = 1


@dataclass(frozen=True, slots=True)
class CountInput:
    candidates: tuple[str, ...]
    seats: int
    ballots: tuple[RankedBallot, ...]
    withdrawn: frozenset[int] = frozenset()
    # Lots are drawn from this seed so that anyone holding the record can redraw them.
    seed: str = ""
    title: str = ""
    # A lot drawn before the count (BLT `[tie ...]`): where a lot is needed, the first listed tied candidate is chosen.
    tie_order: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class TieBreak:
    """How a tie was decided: which candidates, by what (look-back or lot), and who was chosen."""

    purpose: str  # "exclusion", "surplus order", "election order"
    tied: tuple[str, ...]
    method: str  # "look-back", "lot" or "tie order"
    chosen: str
    decided_at_stage: int | None = None

    def to_record(self) -> dict:
        return {
            "purpose": self.purpose,
            "tied": list(self.tied),
            "method": self.method,
            "chosen": self.chosen,
            "decided_at_stage": self.decided_at_stage,
        }


@dataclass(slots=True)
class Stage:
    number: int
    kind: str  # "first preferences", "surplus", "exclusion", "elect remaining", "elimination"
    subject: tuple[str, ...] = ()
    transfer_value: Decimal | None = None
    transfers: dict[str, Decimal] = field(default_factory=dict)
    votes: dict[str, Decimal] = field(default_factory=dict)
    non_transferable: Decimal = Decimal(0)
    lost_to_fractions: Decimal = Decimal(0)
    elected: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    deferred: tuple[str, ...] = ()
    tie_breaks: list[TieBreak] = field(default_factory=list)
    note: str = ""
    quota: Decimal | None = None  # in force at the end of the stage (ERS97 5.4.8 and Meek can change it)
    keep_values: dict[str, Decimal] = field(default_factory=dict)  # Meek: each candidate's keep value

    def to_record(self) -> dict:
        return {
            "number": self.number,
            "kind": self.kind,
            "subject": list(self.subject),
            "transfer_value": None if self.transfer_value is None else plain(self.transfer_value),
            "transfers": {name: plain(value) for name, value in self.transfers.items()},
            "votes": {name: plain(value) for name, value in self.votes.items()},
            "non_transferable": plain(self.non_transferable),
            "lost_to_fractions": plain(self.lost_to_fractions),
            "elected": list(self.elected),
            "excluded": list(self.excluded),
            "deferred": list(self.deferred),
            "tie_breaks": [tie.to_record() for tie in self.tie_breaks],
            "note": self.note,
            "quota": None if self.quota is None else plain(self.quota),
            "keep_values": {name: plain(value) for name, value in self.keep_values.items()},
        }


@dataclass(slots=True)
class CountResult:
    rule: str
    seats: int
    candidates: tuple[str, ...]
    withdrawn: tuple[str, ...]
    total_valid: Decimal
    quota: Decimal | None
    places: int
    stages: list[Stage]
    elected: list[str]

    def to_record(self) -> dict:
        """Plain JSON (strings for decimals) for the audit chain and the result sheet."""
        return {
            "rule": self.rule,
            "seats": self.seats,
            "candidates": list(self.candidates),
            "withdrawn": list(self.withdrawn),
            "total_valid": plain(self.total_valid),
            "quota": None if self.quota is None else plain(self.quota),
            "places": self.places,
            "elected": list(self.elected),
            "stages": [stage.to_record() for stage in self.stages],
        }


def plain(value: Decimal) -> str:
    """A decimal written out in full (0.000000906, never 9.06E-7), as every record and sheet shows it."""
    return format(value, "f")


def as_decimal(scaled: int, places: int) -> Decimal:
    return Decimal(scaled).scaleb(-places) if places else Decimal(scaled)


def check_input(count_input: CountInput, *, single_seat: bool = False) -> list[int]:
    """Refuse what no rule can count; return the indexes of the candidates standing."""
    names = count_input.candidates
    if count_input.seats < 1:
        raise CountRefused("The number of seats must be at least 1.")
    if single_seat and count_input.seats != 1:
        raise CountRefused(f"IRV fills one seat; this election has {count_input.seats}. Use an STV rule.")
    for index in count_input.withdrawn:
        if not 0 <= index < len(names):
            raise CountRefused(f"Withdrawn candidate number {index + 1} is not on the list of candidates.")
    for index in count_input.tie_order:
        if not 0 <= index < len(names):
            raise CountRefused(f"The tie order names candidate number {index + 1}, not on the list of candidates.")
    standing = [i for i in range(len(names)) if i not in count_input.withdrawn]
    if len(standing) < count_input.seats:
        raise CountRefused(
            f"{len(standing)} candidate(s) stand for {count_input.seats} seat(s): a count needs at least as many "
            "candidates as seats. Reopen nominations or reduce the seats."
        )
    for number, ballot in enumerate(count_input.ballots, start=1):
        _check_ballot(number, ballot, names)
    return standing


def _check_ballot(number: int, ballot: RankedBallot, names: Sequence[str]) -> None:
    if ballot.count < 1:
        raise CountRefused(f"Ballot {number}: the number of papers must be at least 1, not {ballot.count}.")
    ranking = ballot.ranking
    if not ranking or (0 <= min(ranking) and max(ranking) < len(names) and len(set(ranking)) == len(ranking)):
        return  # the usual case, checked at C speed; the slow walk below only names the fault
    seen: set[int] = set()
    for candidate in ranking:
        if not 0 <= candidate < len(names):
            raise CountRefused(f"Ballot {number}: candidate number {candidate + 1} is not on the list of candidates.")
        if candidate in seen:
            raise CountRefused(f"Ballot {number}: {names[candidate]} is ranked more than once.")
        seen.add(candidate)
