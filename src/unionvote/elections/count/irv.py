"""IRV (the alternative vote) for one seat.

First preferences are counted; a candidate with more than half of the votes still in the
count (papers not yet exhausted) is elected. Otherwise the candidate with fewest votes is
excluded and their papers move on at full value. Ties for exclusion: the most recent
preceding stage at which the tied candidates had unequal votes, then lot. Card votes count
their weight; all arithmetic is in whole votes.
"""

from __future__ import annotations

from unionvote.elections.count.papers import Paper
from unionvote.elections.count.state import CountState
from unionvote.elections.count.types import CountInput, CountResult, Stage

RULE = "irv"


def count(count_input: CountInput) -> CountResult:
    c = CountState(count_input, places=0, earliest_lookback=False, single_seat=True)
    stage = c.close_stage("first preferences", (), {})
    while not _declare_if_majority(c, stage):
        before = dict(c.table.votes)
        source, tie = c.lowest_continuing(len(c.stages) + 1)
        c.continuing.discard(source)
        c.excluded.append(source)
        papers = c.table.piles[source]
        c.table.piles[source] = []
        c.table.votes[source] = 0
        gains: dict[int, list[Paper]] = {}
        for paper in papers:
            target = paper.move_on(c.continuing)
            if target is None:
                c.non_transferable += paper.total
            else:
                gains.setdefault(target, []).append(paper)
        c.deal(gains)
        stage = c.close_stage("exclusion", (source,), before, excluded=(c.names[source],))
        if tie:
            stage.tie_breaks.append(tie)
    return c.result(RULE, None)


def _declare_if_majority(c: CountState, stage: Stage) -> bool:
    in_count = sum(c.table.votes[x] for x in c.continuing)
    leader = max(c.continuing, key=lambda x: c.table.votes[x])
    stage.note = f"Votes still in the count: {in_count}; more than {in_count // 2} needed (a majority)."
    if c.table.votes[leader] * 2 > in_count or len(c.continuing) == 1:
        c.continuing.discard(leader)
        c.elected.append(leader)
        stage.elected = (c.names[leader],)
        return True
    return False
