"""Ballot papers on the count table: grouped, placed on piles, moved to the next preference."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from unionvote.elections.count.types import CountInput


class Paper:
    """Identical papers travelling together: one ranking, `count` papers each worth `value` (scaled)."""

    __slots__ = ("ranking", "count", "value", "position")

    def __init__(self, ranking: tuple[int, ...], count: int, value: int) -> None:
        self.ranking = ranking
        self.count = count
        self.value = value
        self.position = 0

    @property
    def total(self) -> int:
        return self.count * self.value

    def move_on(self, continuing: set[int]) -> int | None:
        """Advance to the next preference for a continuing candidate; None if there is none."""
        ranking = self.ranking
        position = self.position + 1
        while position < len(ranking):
            if ranking[position] in continuing:
                self.position = position
                return ranking[position]
            position += 1
        self.position = position
        return None


@dataclass
class Table:
    """The piles of papers in front of each candidate and the running totals."""

    standing: list[int]
    piles: dict[int, list[Paper]] = field(default_factory=dict)
    votes: dict[int, int] = field(default_factory=dict)

    def receive(self, candidate: int, papers: Iterable[Paper]) -> int:
        pile = self.piles[candidate]
        added = 0
        for paper in papers:
            pile.append(paper)
            added += paper.total
        self.votes[candidate] += added
        return added


def lay_out(count_input: CountInput, standing: list[int], one: int) -> tuple[Table, int]:
    """Group identical rankings (withdrawn candidates struck out), deal first preferences.

    Returns the table and the number of valid papers (those with at least one preference for a
    candidate still standing)."""
    standing_set = set(standing)
    grouped: dict[tuple[int, ...], int] = {}
    for ballot in count_input.ballots:
        ranking = tuple(c for c in ballot.ranking if c in standing_set)
        if ranking:
            grouped[ranking] = grouped.get(ranking, 0) + ballot.count
    table = Table(standing, {c: [] for c in standing}, {c: 0 for c in standing})
    valid = 0
    for ranking, count in grouped.items():
        table.receive(ranking[0], [Paper(ranking, count, one)])
        valid += count
    return table, valid
