"""ERS97 STV: the Electoral Reform Society's rules ("How to conduct an election by the Single
Transferable Vote", 3rd edition, 1997, section 5), counted as a scrutineer counts by hand.

Every value is kept in hundredths (two decimal places); the rule numbers below are the
society's, and each is cited where the count applies it.

- Quota (5.1.6): total valid vote / (places + 1) to two decimal places; exact, that is the
  quota, otherwise the remainder is ignored and 0.01 added. Recalculated the same way, on the
  total valid vote less the non-transferable vote, while papers become non-transferable in an
  exclusion before anyone has been deemed elected (5.4.8).
- Deemed elected (5.1.7, 5.3.13, 5.4.9), highest first: a vote that reaches (a) the quota or
  (b) the total active vote / (places not yet filled + 1). Ties where places are too few:
  earliest unequal point, and if none, none of them at that stage (5.6.2).
- Surpluses (5.2.2-5.2.4): all of them deferred while their total does not exceed (a) the gap
  between the two lowest candidates or (b) the gap between the total of the lowest group that
  5.2.5 could exclude and the candidate next above; otherwise the largest moves. Only the
  last batch received is examined (5.3.1-5.3.2); its transferable papers move at
  surplus / papers, to two places, remainder ignored, or at their value when they are worth
  no more than the surplus (5.3.7). What that leaves of the surplus is non-transferable
  (5.3.9-5.3.10).
- Exclusion (5.2.5): as many of the lowest candidates together as leave enough to fill the
  places and whose votes, with any deferred surpluses, do not exceed the vote of the
  candidate next above. Their papers move in batches of one value, highest first (5.4.1-5.4.11);
  the whole exclusion is one stage (5.2.7), and nobody deemed elected receives more (5.4.10).
- Completion: if a proposed exclusion would leave as many continuing candidates as places,
  they are deemed elected (5.5.1); once the places are filled nothing more moves (5.5.2).
- Ties (5.2.3, 5.2.5, 5.6.2): the earliest point (the first stage, or after any batch) at
  which the tied candidates had unequal votes, then lot.
"""

from __future__ import annotations

from unionvote.elections.count.papers import Paper
from unionvote.elections.count.state import CountState
from unionvote.elections.count.ties import look_back
from unionvote.elections.count.types import CountInput, CountResult, TieBreak, as_decimal

PLACES = 2
ONE = 10**PLACES
RULE = "ers97-stv"


def quota_of(votes: int, places: int) -> int:
    """5.1.6: `votes` (in hundredths) / (places + 1) to two decimal places; add 0.01 only if not exact."""
    whole, remainder = divmod(votes, places + 1)
    return whole + (1 if remainder else 0)


def count(count_input: CountInput) -> CountResult:
    return _Ers97(count_input).run()


class _Ers97:
    def __init__(self, count_input: CountInput) -> None:
        self.c = CountState(count_input, places=PLACES, earliest_lookback=True)
        self.quota = quota_of(self.c.valid * ONE, count_input.seats)
        self.awaiting = 0  # votes of candidates being excluded, not yet moved (part of the total active vote)
        self.elected_now: list[int] = []
        self.ties: list[TieBreak] = []
        self.notes: list[str] = []

    # --- the count --------------------------------------------------------------------------

    def run(self) -> CountResult:
        c = self.c
        c.record_point()
        self.deem_elected()  # 5.1.7
        self.close("first preferences", (), {}, point=False)
        while c.seats_left() > 0:
            if len(c.continuing) <= c.seats_left():  # 4.3
                c.elect_remaining()
                break
            if c.pending and not self.defer():  # 5.2.2
                self.transfer_surplus()
                continue
            group = self.exclusion_group()  # 5.2.5
            if len(c.continuing) - len(group) == c.seats_left():
                self.elect_instead_of_excluding(group)  # 5.5.1
                break
            self.exclude(group)
        if c.continuing:  # 5.5.2
            left = sorted(c.continuing, key=lambda x: -c.table.votes[x])
            self.add_note(c.stages[-1], "All places are filled: " + ", ".join(c.names[x] for x in left)
                          + " formally excluded (rule 5.5.2).")
        return c.result(RULE, self.quota)

    def close(self, kind: str, subject: tuple[int, ...], before: dict[int, int], **extra):
        stage = self.c.close_stage(kind, subject, before, quota=as_decimal(self.quota, PLACES), **extra)
        stage.elected = tuple(self.c.names[x] for x in self.elected_now)
        stage.tie_breaks.extend(self.ties)
        for note in self.notes:
            self.add_note(stage, note)
        self.elected_now, self.ties, self.notes = [], [], []
        return stage

    @staticmethod
    def add_note(stage, text: str) -> None:
        stage.note = f"{stage.note} {text}" if stage.note else text

    # --- deeming elected: 5.1.7, 5.3.13, 5.4.9, 5.6.2 -----------------------------------------

    def active_vote(self) -> int:
        """6.20: the votes of all continuing candidates plus any votes awaiting transfer."""
        votes = self.c.table.votes
        return (sum(votes[x] for x in self.c.continuing) + self.awaiting
                + sum(votes[e] - self.quota for e in self.c.pending if votes[e] > self.quota))

    def reaches(self, vote: int) -> bool:
        places = self.c.seats_left()
        # (b) compares exactly: vote >= total active vote / (places + 1).
        return vote >= self.quota or (vote > 0 and vote * (places + 1) >= self.active_vote())

    def deem_elected(self) -> None:
        c, votes = self.c, self.c.table.votes
        while c.seats_left() > 0 and c.continuing:
            top = max(votes[x] for x in c.continuing)
            if not self.reaches(top):
                return
            tied = sorted(x for x in c.continuing if votes[x] == top)
            if len(tied) > c.seats_left():
                ahead, _ = look_back(tied, c.history, lowest=False, earliest=True)
                if len(ahead) > c.seats_left():
                    self.notes.append(", ".join(c.names[x] for x in ahead) + " have had equal votes at every point "
                                      "and the places are too few for them all: none is deemed elected at this "
                                      "stage (rule 5.6.2).")
                    return
            chosen, tie = c.pick(tied, lowest=False, purpose="election order")
            if tie is not None:
                self.ties.append(tie)
            c.continuing.discard(chosen)
            c.elected.append(chosen)
            self.elected_now.append(chosen)
            if votes[chosen] > self.quota:
                c.pending.append(chosen)

    # --- surpluses: 5.2.2-5.2.4, 5.3 ----------------------------------------------------------

    def lowest_first(self) -> list[int]:
        return sorted(self.c.table.votes[x] for x in self.c.continuing)

    def defer(self) -> bool:
        """5.2.2: defer every surplus while their total does not exceed gap (a) or gap (b)."""
        votes = self.c.table.votes
        total = sum(votes[e] - self.quota for e in self.c.pending)
        low = self.lowest_first()
        if len(low) >= 2 and total <= low[1] - low[0]:  # (a)
            return True
        most = len(low) - self.c.seats_left()  # 5.2.5(a) limits the group
        return any(total <= low[m] - sum(low[:m]) for m in range(2, most + 1))  # (b)

    def transfer_surplus(self) -> None:
        c, votes = self.c, self.c.table.votes
        largest = max(votes[e] for e in c.pending)
        source, tie = c.pick([e for e in c.pending if votes[e] == largest], lowest=False,
                             purpose="surplus order")  # 5.2.3
        if tie is not None:
            self.ties.append(tie)
        c.pending.remove(source)
        before = dict(votes)
        surplus = votes[source] - self.quota
        batch = c.last_parcel[source]  # 5.3.1 (all papers at the first stage), 5.3.2 (the last batch)
        transferable = [(target, paper) for paper in batch
                        if (target := paper.move_on(c.continuing)) is not None]  # 5.3.3
        papers = sum(p.count for _, p in transferable)
        worth = sum(p.total for _, p in transferable)
        value = batch[0].value if batch else ONE
        if worth > surplus:  # 5.3.7
            value = surplus // papers
        moved = value * papers
        c.non_transferable += surplus - moved  # 5.3.9-5.3.10: the difference is non-transferable
        moving = {id(p) for _, p in transferable}
        c.table.piles[source] = [p for p in c.table.piles[source] if id(p) not in moving]
        votes[source] = self.quota
        gains: dict[int, list[Paper]] = {}
        for target, paper in transferable:
            paper.value = value
            gains.setdefault(target, []).append(paper)
        c.deal(gains)
        c.record_point()
        self.deem_elected()  # 5.3.13
        self.close("surplus", (source,), before, point=False, transfer_value=as_decimal(value, PLACES))

    # --- exclusion: 5.2.5, 5.4, 5.5.1 ---------------------------------------------------------

    def exclusion_group(self) -> list[int]:
        """5.2.5: the most candidates, lowest first, that can be excluded together."""
        c, votes = self.c, self.c.table.votes
        deferred = sum(votes[e] - self.quota for e in c.pending)
        low = self.lowest_first()
        size = 1
        for m in range(2, len(low) - c.seats_left() + 1):  # (a) enough candidates remain
            if sum(low[:m]) + deferred <= low[m]:  # (b)
                size = m
        boundary = low[size - 1]
        group = [x for x in c.continuing if votes[x] < boundary]
        level = sorted(x for x in c.continuing if votes[x] == boundary)
        if len(group) + len(level) <= size:
            group += level
        while len(group) < size:
            chosen, tie = c.pick(level, lowest=True, purpose="exclusion")
            if tie is not None:
                self.ties.append(tie)
            level.remove(chosen)
            group.append(chosen)
        return sorted(group, key=lambda x: (votes[x], x))

    def elect_instead_of_excluding(self, group: list[int]) -> None:
        """5.5.1: excluding `group` would leave as many continuing candidates as places: deem them elected."""
        c = self.c
        remaining = sorted(set(c.continuing) - set(group), key=lambda x: (-c.table.votes[x], x))
        c.elected.extend(remaining)
        c.continuing.difference_update(remaining)
        stage = c.stages[-1]
        stage.elected = stage.elected + tuple(c.names[x] for x in remaining)
        stage.tie_breaks.extend(self.ties)
        self.ties = []
        self.add_note(stage, "Excluding " + ", ".join(c.names[x] for x in group) + " would leave as many "
                      "continuing candidates as places to fill: " + ", ".join(c.names[x] for x in remaining)
                      + " deemed elected (rule 5.5.1).")

    def exclude(self, group: list[int]) -> None:
        c, votes = self.c, self.c.table.votes
        deferred = tuple(c.names[e] for e in c.pending)
        before = dict(votes)
        for x in group:
            c.continuing.discard(x)
            c.excluded.append(x)
        held = [(x, p) for x in group for p in c.table.piles[x]]
        self.awaiting = sum(votes[x] for x in group)
        values = sorted({p.value for _, p in held}, reverse=True)  # 5.4.1: batches, highest value first
        batches: list[str] = []
        for value in values:
            if c.seats_left() == 0:  # 5.5.2: no further transfers
                break
            gains: dict[int, list[Paper]] = {}
            moved = 0
            for owner, paper in held:
                if paper.value != value:
                    continue
                votes[owner] -= paper.total
                self.awaiting -= paper.total
                moved += paper.count
                target = paper.move_on(c.continuing)  # 5.4.2; 5.4.10: the deemed elected are not continuing
                if target is None:
                    c.non_transferable += paper.total
                else:
                    gains.setdefault(target, []).append(paper)
            c.deal(gains)  # 5.4.7
            batches.append(f"{moved} at {as_decimal(value, PLACES)}")
            if not c.elected and c.non_transferable:  # 5.4.8
                recalculated = quota_of(c.valid * ONE - c.non_transferable, c.input.seats)
                if recalculated != self.quota:
                    self.quota = recalculated
                    self.notes.append(f"Quota recalculated to {as_decimal(recalculated, PLACES)}, ignoring the "
                                      "non-transferable vote (rule 5.4.8).")
            c.record_point()
            self.deem_elected()  # 5.4.9, then 5.4.11: the next batch
        for x in group:
            c.table.piles[x] = [p for p in c.table.piles[x] if p.position < len(p.ranking)
                                and p.ranking[p.position] == x]
        self.awaiting = 0
        if len(batches) > 1:
            self.notes.insert(0, "Papers moved in batches by value, highest first: " + "; ".join(batches) + ".")
        self.close("exclusion", tuple(group), before, point=False,
                   transfer_value=as_decimal(values[0], PLACES) if len(values) == 1 else None,
                   excluded=tuple(c.names[x] for x in group), deferred=deferred)
