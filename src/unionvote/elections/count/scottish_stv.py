"""Scottish STV: the count rules of the Scottish Local Government Elections Order 2007.

- Quota: valid papers divided by (seats + 1), fraction disregarded, plus one.
- Surpluses, largest first, by the weighted inclusive Gregory method: every paper the
  elected candidate holds moves on at surplus x (its value) / (the candidate's votes),
  each paper's value calculated to 5 decimal places with the remainder ignored. What the
  truncation loses is recorded as "lost to fractions".
- No surplus left: the candidate with fewest votes is excluded and all their papers move on
  at the value they hold.
- Ties: the most recent preceding stage at which the tied candidates had unequal votes, then lot.
- When as many candidates continue as seats remain, they are elected.
"""

from __future__ import annotations

from unionvote.elections.count.papers import Table
from unionvote.elections.count.state import CountState
from unionvote.elections.count.types import CountInput, CountResult

PLACES = 5
ONE = 10**PLACES
RULE = "scottish-stv"


def count(count_input: CountInput) -> CountResult:
    c = CountState(count_input, places=PLACES, earliest_lookback=False)
    table = c.table
    quota = (c.valid // (count_input.seats + 1) + 1) * ONE
    first = c.close_stage("first preferences", (), {})
    c.elect_reaching(quota, first)
    while c.seats_left() > 0:
        if len(c.continuing) <= c.seats_left():
            c.elect_remaining()
            break
        before = dict(table.votes)
        if c.pending:
            largest = max(table.votes[e] for e in c.pending)
            source, tie = c.pick([e for e in c.pending if table.votes[e] == largest], lowest=False,
                                 purpose="surplus order")
            c.pending.remove(source)
            _transfer_surplus(c, source, quota)
            stage = c.close_stage("surplus", (source,), before)
        else:
            source, tie = c.lowest_continuing(len(c.stages) + 1)
            c.continuing.discard(source)
            c.excluded.append(source)
            _transfer_all(c, source)
            stage = c.close_stage("exclusion", (source,), before, excluded=(c.names[source],))
        if tie:
            stage.tie_breaks.insert(0, tie)
        c.elect_reaching(quota, stage)
    return c.result(RULE, quota)


def _transfer_surplus(c: CountState, source: int, quota: int) -> None:
    table: Table = c.table
    held = table.votes[source]
    surplus = held - quota
    papers = table.piles[source]
    table.piles[source] = []
    table.votes[source] = quota
    moved = 0
    gains: dict[int, list] = {}
    for paper in papers:
        # Each paper's new value, truncated to 5 places: remainders are ignored.
        paper.value = surplus * paper.value // held
        target = paper.move_on(c.continuing)
        if target is None:
            c.non_transferable += paper.total
        else:
            gains.setdefault(target, []).append(paper)
        moved += paper.total
    c.deal(gains)
    c.lost += surplus - moved


def _transfer_all(c: CountState, source: int) -> None:
    table: Table = c.table
    papers = table.piles[source]
    table.piles[source] = []
    table.votes[source] = 0
    gains: dict[int, list] = {}
    for paper in papers:
        target = paper.move_on(c.continuing)
        if target is None:
            c.non_transferable += paper.total
        else:
            gains.setdefault(target, []).append(paper)
    c.deal(gains)
