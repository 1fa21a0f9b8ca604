"""Meek STV, as the Proportional Representation Foundation's reference rule states it.

Arithmetic: fixed point, 9 decimal places, held as integers scaled by 10**9. Tolerance
(omega): 0.000001. Every candidate has a keep value: 1 while hopeful, 0 once excluded (or
withdrawn), between the two once elected.

- Round (B.2), repeated until the keep values settle:
  a. Each paper starts at weight 1 and visits its preferences in order: each candidate with a
     keep value k takes weight x k, rounded up to 9 places, and the paper goes on with what is
     left, until nothing is left or no preference remains.
  b. Quota: the sum of all candidates' votes / (seats + 1), truncated to 9 places, plus 0.000000001.
  c. Every hopeful candidate whose vote reaches the quota is elected; the round ends.
  d. Total surplus: the sum over elected candidates of vote - quota (not below 0).
  e. If it is below omega, or (after the first iteration) not smaller than the last one, the
     keep values have settled: go to the exclusion.
  f. Each elected candidate's keep value becomes k x quota (rounded up to 9 places) / vote
     (rounded up to 9 places); repeat from a.
- Exclusion (B.3): the hopeful candidate with fewest votes is excluded (keep value 0); every
  hopeful candidate within the total surplus of that lowest vote counts as tied with it. Ties
  are decided by the tie order given with the papers (a lot drawn beforehand), or else by lot.
- The count ends when the seats are filled, or as many hopeful candidates remain as seats:
  they are elected.

Each round is one stage of the record: the votes, quota and keep values when it ended, and the
remainder (papers exhausted, and what rounding up kept back) on the non-transferable line.
"""

from __future__ import annotations

from unionvote.elections.count.papers import lay_out
from unionvote.elections.count.ties import pick
from unionvote.elections.count.types import CountInput, CountResult, Stage, TieBreak, as_decimal, check_input

PLACES = 9
ONE = 10**PLACES
OMEGA = 10**(PLACES - 6)  # 0.000001
RULE = "meek-stv"
MAX_ITERATIONS = 10_000  # a safeguard only: the surplus falls every iteration, or the round stops


def _up(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def count(count_input: CountInput) -> CountResult:
    return _Meek(count_input).run()


class _Meek:
    def __init__(self, count_input: CountInput) -> None:
        self.input = count_input
        self.names = count_input.candidates
        standing = check_input(count_input)
        self.standing = standing
        table, self.valid = lay_out(count_input, standing, ONE)
        # Distinct rankings (withdrawn candidates struck out), grouped by their first preference: the groups
        # of the first round (see groups()), each member with how many papers and how far it has been read.
        self.members: dict[tuple[int, ...], list[tuple[tuple[int, ...], int, int]]] = {}
        self.papers: dict[tuple[int, ...], int] = {}
        for c, pile in table.piles.items():
            if pile:
                self.members[(c,)] = [(paper.ranking, paper.count, 0) for paper in pile]
                self.papers[(c,)] = sum(paper.count for paper in pile)
        self.changed: set[int] = set()
        self.keep = dict.fromkeys(standing, ONE)
        self.hopeful = set(standing)
        self.elected: list[int] = []
        self.excluded: list[int] = []
        self.votes = dict.fromkeys(standing, 0)
        self.quota = self.valid * ONE // (count_input.seats + 1) + 1
        self.stages: list[Stage] = []
        self.previous = dict.fromkeys(standing, 0)

    def seats_left(self) -> int:
        return self.input.seats - len(self.elected)

    def run(self) -> CountResult:
        while len(self.hopeful) > self.seats_left() > 0:  # B.1
            elected, iterations, surplus = self.settle()
            if elected:
                self.close(elected, (), iterations, None)
                continue
            excluded, tie = self.exclude(surplus)
            self.close((), (excluded,), iterations, tie)
        remaining = sorted(self.hopeful, key=lambda c: (-self.votes[c], c))
        if not self.stages:
            self.distribute()
            self.close((), (), 0, None)
        last = self.stages[-1]
        if remaining and self.seats_left() > 0:  # C.1
            self.elected.extend(remaining)
            last.elected = last.elected + tuple(self.names[c] for c in remaining)
            last.note = (last.note + " " if last.note else "") + "As many hopeful candidates remain as seats: " \
                "they are elected."
        elif remaining:  # C.2
            for c in remaining:
                last.keep_values[self.names[c]] = as_decimal(0, PLACES)
            last.note = (last.note + " " if last.note else "") + "All seats are filled: " + ", ".join(
                self.names[c] for c in remaining) + " formally excluded."
        self.hopeful.clear()
        return CountResult(
            rule=RULE, seats=self.input.seats, candidates=tuple(self.names[c] for c in self.standing),
            withdrawn=tuple(self.names[c] for c in sorted(self.input.withdrawn)),
            total_valid=as_decimal(self.valid * ONE, PLACES), quota=as_decimal(self.quota, PLACES), places=PLACES,
            stages=self.stages, elected=[self.names[c] for c in self.elected],
        )

    # --- B.2: iterate the keep values ---------------------------------------------------------

    def groups(self, changed: set[int]) -> list[tuple[tuple[int, ...], int]]:
        """Papers grouped by what a distribution reads of them in this round: the preferences with a keep value
        above 0 up to the first hopeful one. Within a round no candidate changes between hopeful, elected and
        excluded, so each group is distributed once, with exactly the arithmetic of each of its papers.

        Only papers whose group ended with a candidate `changed` since the last round (just elected or
        excluded) read on; every other group stands as it was."""
        keep, hopeful = self.keep, self.hopeful
        for prefix in [p for p in self.members if p and p[-1] in changed]:
            members = self.members.pop(prefix)
            self.papers.pop(prefix)
            kept = list(prefix if keep[prefix[-1]] else prefix[:-1])
            for ranking, papers, position in members:
                key = kept[:]
                position += 1
                while position < len(ranking):
                    c = ranking[position]
                    if keep[c]:
                        key.append(c)
                        if c in hopeful:
                            break
                    position += 1
                group = tuple(key)
                self.members.setdefault(group, []).append((ranking, papers, position))
                self.papers[group] = self.papers.get(group, 0) + papers
        return list(self.papers.items())

    def distribute(self, groups: list[tuple[tuple[int, ...], int]] | None = None) -> None:
        """B.2.a and B.2.b."""
        keep = self.keep
        votes = dict.fromkeys(self.standing, 0)
        for prefix, papers in groups if groups is not None else self.groups(set()):
            weight = ONE
            for c in prefix:
                kept = _up(weight * keep[c], ONE)
                votes[c] += kept * papers
                weight -= kept
                if weight <= 0:
                    break
        self.votes = votes
        self.quota = sum(votes.values()) // (self.input.seats + 1) + 1

    def settle(self) -> tuple[list[int], int, int]:
        """Iterate until someone is elected or the keep values settle; return who, the iterations, the surplus."""
        groups = self.groups(self.changed)
        last_surplus: int | None = None
        for iteration in range(1, MAX_ITERATIONS + 1):
            self.distribute(groups)
            reaching = [c for c in self.hopeful if self.votes[c] >= self.quota]  # B.2.c
            if reaching:
                reaching.sort(key=lambda c: (-self.votes[c], c))
                self.changed = set(reaching)
                self.elected.extend(reaching)
                self.hopeful.difference_update(reaching)
                return reaching, iteration, self.surplus()
            surplus = self.surplus()  # B.2.d
            if surplus < OMEGA or (last_surplus is not None and surplus >= last_surplus):  # B.2.e
                return [], iteration, surplus
            last_surplus = surplus
            for c in self.elected:  # B.2.f
                self.keep[c] = _up(_up(self.keep[c] * self.quota, ONE) * ONE, self.votes[c])
        return [], MAX_ITERATIONS, self.surplus()

    def surplus(self) -> int:
        return max(0, sum(self.votes[c] - self.quota for c in self.elected))

    # --- B.3: exclude the lowest --------------------------------------------------------------

    def exclude(self, surplus: int) -> tuple[int, TieBreak | None]:
        low = min(self.votes[c] for c in self.hopeful)
        tied = sorted(c for c in self.hopeful if self.votes[c] <= low + surplus)
        chosen, tie = pick(tied, names=self.names, history=[], lowest=True, earliest=False, purpose="exclusion",
                           seed=self.input.seed, stage=len(self.stages) + 1, tie_order=self.input.tie_order)
        self.hopeful.discard(chosen)
        self.excluded.append(chosen)
        self.keep[chosen] = 0
        self.changed = {chosen}
        return chosen, tie

    # --- the record ---------------------------------------------------------------------------

    def close(self, elected, excluded, iterations: int, tie: TieBreak | None) -> None:
        number = len(self.stages) + 1
        shown = {c: self.votes[c] for c in self.standing}
        subject = tuple(elected) + tuple(excluded)
        stage = Stage(
            number=number,
            kind="first preferences" if number == 1 else "round",
            subject=tuple(self.names[c] for c in subject) if number > 1 else (),
            transfers={self.names[c]: as_decimal(shown[c] - self.previous[c], PLACES)
                       for c in self.standing if shown[c] != self.previous[c]},
            votes={self.names[c]: as_decimal(v, PLACES) for c, v in shown.items()},
            non_transferable=as_decimal(self.valid * ONE - sum(shown.values()), PLACES),
            lost_to_fractions=as_decimal(0, PLACES),
            elected=tuple(self.names[c] for c in elected),
            excluded=tuple(self.names[c] for c in excluded),
            quota=as_decimal(self.quota, PLACES),
            keep_values={self.names[c]: as_decimal(self.keep[c], PLACES) for c in self.standing},
            note=f"Keep values settled after {iterations} iteration(s)." if excluded else
            f"Elected at iteration {iterations}." if elected else "",
        )
        if tie is not None:
            stage.tie_breaks.append(tie)
        self.stages.append(stage)
        self.previous = shown
