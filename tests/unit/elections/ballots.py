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


def sheet(result) -> list[list[str]]:
    """The result sheet as a scrutineer writes it, stages as columns, split into words for comparing.

        quota   <quota in force at each stage>
        stage   1  2  3 ...
        action  first  surplus:Ann  exclusion:Dev+Eve ...
        <name>  <total at each stage> ...
        non-transferable  <running total at each stage> ...
        elected  <who, joined by +, or -> ...
    """
    stages = result.stages
    lines = [["quota", *(str(s.quota) for s in stages)], ["stage", *(str(s.number) for s in stages)]]
    lines.append(["action", *(s.kind.split()[0] + (":" + "+".join(s.subject) if s.subject else "") for s in stages)])
    for name in result.candidates:
        lines.append([name, *(str(s.votes[name]) for s in stages)])
    lines.append(["non-transferable", *(str(s.non_transferable) for s in stages)])
    lines.append(["elected", *("+".join(s.elected) or "-" for s in stages)])
    return lines


def expected(text: str) -> list[list[str]]:
    return [line.split() for line in text.strip().splitlines()]
