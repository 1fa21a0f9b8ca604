"""Writing small hand-worked elections: "40 x Ann Bob" lines."""

from __future__ import annotations

from decimal import Decimal

from unionvote.elections.count.types import CountInput, RankedBallot


def election(names: str, seats: int, *lines: str, withdrawn: tuple[str, ...] = ()) -> CountInput:
    candidates = tuple(names.split())
    ballots = []
    for line in lines:
        count, ranking = line.split(" x ")
        ballots.append(RankedBallot(tuple(candidates.index(n) for n in ranking.split()), int(count)))
    return CountInput(candidates, seats, tuple(ballots), frozenset(candidates.index(n) for n in withdrawn),
                      seed="test")


def votes(stage, **expected: str) -> bool:
    return {name: stage.votes[name] for name in expected} == {name: Decimal(v) for name, v in expected.items()}
