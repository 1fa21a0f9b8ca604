"""The count table's bookkeeping shared by the STV and IRV engines: who continues, stage records, ties."""

from __future__ import annotations

from unionvote.elections.count.papers import Paper, lay_out
from unionvote.elections.count.ties import pick
from unionvote.elections.count.types import CountInput, CountResult, Stage, TieBreak, as_decimal, check_input


class CountState:
    def __init__(
        self, count_input: CountInput, *, places: int, earliest_lookback: bool, single_seat: bool = False
    ) -> None:
        self.input = count_input
        self.names = count_input.candidates
        self.places = places
        self.one = 10**places
        self.earliest = earliest_lookback
        self.standing = check_input(count_input, single_seat=single_seat)
        self.table, self.valid = lay_out(count_input, self.standing, self.one)
        self.continuing = set(self.standing)
        self.elected: list[int] = []
        self.excluded: list[int] = []
        self.pending: list[int] = []  # elected with a surplus not yet transferred
        self.non_transferable = 0
        self.lost = 0
        self.history: list[dict[int, int]] = []  # votes at each look-back point
        self.history_stages: list[int] = []  # the stage during which each point was recorded
        self.stages: list[Stage] = []
        self.last_parcel: dict[int, list[Paper]] = {c: list(self.table.piles[c]) for c in self.standing}

    # --- bookkeeping -------------------------------------------------------------------------

    def pick(self, tied: list[int], *, lowest: bool, purpose: str) -> tuple[int, TieBreak | None]:
        return pick(
            tied, names=self.names, history=self.history, lowest=lowest, earliest=self.earliest,
            purpose=purpose, seed=self.input.seed, stage=len(self.stages) + 1,
            history_stages=self.history_stages, tie_order=self.input.tie_order,
        )

    def record_point(self) -> None:
        """Note every candidate's votes now, as a point the look-back can return to."""
        self.history.append(dict(self.table.votes))
        self.history_stages.append(len(self.stages) + 1)

    def close_stage(self, kind: str, subject: tuple[int, ...], before: dict[int, int], *, point: bool = True,
                    **extra) -> Stage:
        votes = self.table.votes
        stage = Stage(
            number=len(self.stages) + 1,
            kind=kind,
            subject=tuple(self.names[c] for c in subject),
            transfers={
                self.names[c]: as_decimal(votes[c] - before.get(c, 0), self.places)
                for c in self.standing
                if votes[c] != before.get(c, 0)
            },
            votes={self.names[c]: as_decimal(votes[c], self.places) for c in self.standing},
            non_transferable=as_decimal(self.non_transferable, self.places),
            lost_to_fractions=as_decimal(self.lost, self.places),
            **extra,
        )
        if point:
            self.record_point()
        self.stages.append(stage)
        return stage

    def elect_reaching(self, quota: int, stage: Stage) -> None:
        """Deem elected every continuing candidate at or over the quota, highest first."""
        reaching = [c for c in self.continuing if self.table.votes[c] >= quota]
        newly: list[int] = []
        while reaching:
            top = max(self.table.votes[c] for c in reaching)
            chosen, tie = self.pick([c for c in reaching if self.table.votes[c] == top], lowest=False,
                                    purpose="election order")
            if tie:
                stage.tie_breaks.append(tie)
            reaching.remove(chosen)
            newly.append(chosen)
        for c in newly:
            self.continuing.discard(c)
            self.elected.append(c)
            if self.table.votes[c] > quota:
                self.pending.append(c)
        stage.elected = stage.elected + tuple(self.names[c] for c in newly)

    def elect_remaining(self) -> None:
        stage = self.stages[-1]
        remaining = sorted(self.continuing, key=lambda c: (-self.table.votes[c], c))  # ties in listing order
        self.elected.extend(remaining)
        self.continuing.clear()
        stage.elected = stage.elected + tuple(self.names[c] for c in remaining)
        stage.note = (stage.note + " " if stage.note else "") + (
            "As many candidates continue as seats remain: they are elected."
        )

    def seats_left(self) -> int:
        return self.input.seats - len(self.elected)

    def lowest_continuing(self, stage_number: int) -> tuple[int, TieBreak | None]:
        low = min(self.table.votes[c] for c in self.continuing)
        tied = sorted(c for c in self.continuing if self.table.votes[c] == low)
        return self.pick(tied, lowest=True, purpose="exclusion")

    def result(self, rule: str, quota: int | None) -> CountResult:
        return CountResult(
            rule=rule,
            seats=self.input.seats,
            candidates=tuple(self.names[c] for c in self.standing),
            withdrawn=tuple(self.names[c] for c in sorted(self.input.withdrawn)),
            total_valid=as_decimal(self.valid * self.one, self.places),
            quota=None if quota is None else as_decimal(quota, self.places),
            places=self.places,
            stages=self.stages,
            elected=[self.names[c] for c in self.elected],
        )

    def deal(self, gains: dict[int, list[Paper]]) -> None:
        """Put each sub-parcel on its candidate's pile; it becomes that candidate's last parcel received."""
        for target, received in gains.items():
            self.table.receive(target, received)
            self.last_parcel[target] = received
