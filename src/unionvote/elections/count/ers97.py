"""ERS97 STV: the Electoral Reform Society's 1997 rules, counted as a scrutineer would by hand.

- All values to 2 decimal places. Quota: total valid votes / (seats + 1), remainder
  beyond 2 places ignored, plus 0.01.
- Surpluses, largest first. Only the last parcel of papers the candidate received is
  examined (at the first stage: all their papers). Its transferable papers move on at
  surplus / (number of transferable papers), to 2 places with the remainder ignored, but
  never above the value they came at; what that leaves of the surplus is non-transferable
  (when the papers are worth less than the surplus) or lost to fractions (the truncation).
- A surplus is deferred while the total of all surpluses is less than the difference
  between the two lowest continuing candidates: transferring it could not save the lowest.
- Exclusion of the lowest, one candidate at a time: their papers move in sub-parcels of
  equal value, highest value first, each sub-parcel a stage. A candidate who reaches the
  quota is elected at once and receives no more papers; surpluses wait until the
  exclusion is finished.
- Ties (surplus order, exclusion): the earliest stage at which the tied candidates had
  unequal votes, then lot.
- When as many candidates continue as seats remain, they are elected without the quota.
"""

from __future__ import annotations

from unionvote.elections.count.papers import Paper
from unionvote.elections.count.state import CountState
from unionvote.elections.count.types import CountInput, CountResult, as_decimal

PLACES = 2
ONE = 10**PLACES
RULE = "ers97-stv"


def count(count_input: CountInput) -> CountResult:
    c = CountState(count_input, places=PLACES, earliest_lookback=True)
    table = c.table
    quota = c.valid * ONE // (count_input.seats + 1) + 1
    first = c.close_stage("first preferences", (), {})
    c.elect_reaching(quota, first)
    while c.seats_left() > 0:
        if len(c.continuing) <= c.seats_left():
            c.elect_remaining()
            break
        total_surplus = sum(table.votes[e] - quota for e in c.pending)
        if c.pending and not _can_defer(c, total_surplus):
            largest = max(table.votes[e] for e in c.pending)
            source, tie = c.pick([e for e in c.pending if table.votes[e] == largest], lowest=False,
                                 purpose="surplus order")
            c.pending.remove(source)
            before = dict(table.votes)
            value = _transfer_surplus(c, source, quota)
            stage = c.close_stage("surplus", (source,), before, transfer_value=as_decimal(value, PLACES))
            if tie:
                stage.tie_breaks.insert(0, tie)
            c.elect_reaching(quota, stage)
        else:
            deferred = tuple(c.names[e] for e in c.pending)
            _exclude(c, quota, deferred)
    return c.result(RULE, quota)


def _can_defer(c: CountState, total_surplus: int) -> bool:
    lowest_two = sorted(c.table.votes[x] for x in c.continuing)[:2]
    return len(lowest_two) == 2 and total_surplus < lowest_two[1] - lowest_two[0]


def _transfer_surplus(c: CountState, source: int, quota: int) -> int:
    """Move the surplus from the last parcel; return the transfer value per paper (scaled)."""
    table = c.table
    surplus = table.votes[source] - quota
    parcel = c.last_parcel[source]
    transferable: list[tuple[int, Paper]] = []
    for paper in parcel:
        target = paper.move_on(c.continuing)
        if target is not None:
            transferable.append((target, paper))
    papers = sum(p.count for _, p in transferable)
    worth = sum(p.total for _, p in transferable)
    current = parcel[0].value if parcel else 0
    if worth <= surplus:
        value = current
        c.non_transferable += surplus - worth
    else:
        value = surplus // papers
        c.lost += surplus - value * papers
    moved = {p for _, p in transferable}
    table.piles[source] = [p for p in table.piles[source] if p not in moved]
    table.votes[source] = quota
    gains: dict[int, list[Paper]] = {}
    for target, paper in transferable:
        paper.value = value
        gains.setdefault(target, []).append(paper)
    c.deal(gains)
    return value


def _exclude(c: CountState, quota: int, deferred: tuple[str, ...]) -> None:
    table = c.table
    source, tie = c.lowest_continuing(len(c.stages) + 1)
    c.continuing.discard(source)
    c.excluded.append(source)
    papers = table.piles[source]
    values = sorted({p.value for p in papers}, reverse=True) or [None]
    for index, value in enumerate(values):
        before = dict(table.votes)
        parcel = [p for p in papers if p.value == value]
        gains: dict[int, list[Paper]] = {}
        for paper in parcel:
            target = paper.move_on(c.continuing)
            table.votes[source] -= paper.total
            if target is None:
                c.non_transferable += paper.total
            else:
                gains.setdefault(target, []).append(paper)
        c.deal(gains)
        stage = c.close_stage(
            "exclusion",
            (source,),
            before,
            transfer_value=None if value is None else as_decimal(value, PLACES),
            excluded=(c.names[source],) if index == 0 else (),
            deferred=deferred if index == 0 else (),
        )
        if tie and index == 0:
            stage.tie_breaks.insert(0, tie)
        if len(values) > 1:
            stage.note = f"Sub-parcel {index + 1} of {len(values)}."
        c.elect_reaching(quota, stage)
        if c.seats_left() == 0 or len(c.continuing) <= c.seats_left():
            break
    table.piles[source] = []
