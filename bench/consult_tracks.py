"""ConsultBench's two tracks: a simulated consultation and a replay of real Polis conversations.

Both feed ratings to a sampler one choice at a time and score the ranking that results.
Every sampler is scored with the same estimator (`sampler.estimates`, the Bayesian average
with a fitted prior that the Discover page shows), so only the choice of what to show differs.

A sampler is built the way the service builds its board: from the running totals as they
stood when a member started (the service's board is up to a second old), then asked
`pick(blocked, rng)` for each of that member's ratings, with what they have already rated
blocked. "ours" is `unionvote.consult.sampler.Board` itself.

The replay's truth never comes from the votes a sampler reads: each run splits the
participants at random into two halves, builds the true ranking from one half's votes
and replays the other half.
"""

from __future__ import annotations

import csv
import heapq
import random
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from unionvote.consult.sampler import (
    MIN_RATINGS,
    PRIOR_RATINGS,
    Board,
    Totals,
    between_variance,
    estimates,
    overall,
    posterior,
    prior_ratings,
)

TOP = 10  # precision@10, recall of the top 10
FEW = MIN_RATINGS  # a thought seen by fewer members than this is "too few ratings" on the Discover page


class Chooser(Protocol):
    def pick(self, blocked: set[int], rng: random.Random) -> int | None: ...


Sampler = Callable[[Sequence[Totals]], Chooser]


def _open(totals: Sequence[Totals], blocked: set[int]) -> list[int]:
    return [i for i in range(len(totals)) if i not in blocked]


@dataclass(frozen=True)
class Uniform:
    totals: Sequence[Totals]

    def pick(self, blocked: set[int], rng: random.Random) -> int | None:
        allowed = _open(self.totals, blocked)
        return rng.choice(allowed) if allowed else None


@dataclass(frozen=True)
class LeastRated:
    """What commercial tools do: the thought with the fewest ratings, ties at random."""

    totals: Sequence[Totals]

    def pick(self, blocked: set[int], rng: random.Random) -> int | None:
        allowed = _open(self.totals, blocked)
        if not allowed:
            return None
        fewest = min(self.totals[i].ratings for i in allowed)
        return rng.choice([i for i in allowed if self.totals[i].ratings == fewest])


class ThompsonTopTwo:
    """Top-two Thompson sampling: one Normal draw per thought from its posterior (the Bayesian
    average with the fitted prior, as ours uses, and its sd); show the highest draw or, half the
    time, the second highest."""

    def __init__(self, totals: Sequence[Totals]) -> None:
        mean0, variance = overall(totals)
        prior = prior_ratings(between_variance([(t.ratings, t.star_sum) for t in totals], mean0, variance), variance)
        self.totals, self.posteriors = totals, [posterior(t, mean0, variance, prior) for t in totals]

    def pick(self, blocked: set[int], rng: random.Random) -> int | None:
        draws = heapq.nlargest(2, ((rng.gauss(*self.posteriors[i]), i) for i in _open(self.totals, blocked)))
        if not draws:
            return None
        return draws[0][1] if len(draws) == 1 or rng.random() < 0.5 else draws[1][1]


SAMPLERS: dict[str, Sampler] = {"uniform": Uniform, "least_rated": LeastRated,
                                "thompson_top_two": ThompsonTopTwo, "ours": Board}


@dataclass
class Tally:
    totals: list[Totals] = field(default_factory=list)

    def add_thought(self) -> None:
        self.totals.append(Totals(0, 0, 0))

    def add(self, i: int, stars: int) -> None:
        t = self.totals[i]
        self.totals[i] = Totals(t.ratings + 1, t.star_sum + stars, t.star_squares + stars * stars)


def rate_as_member(tally: Tally, sampler: Sampler, allowed: Sequence[int], budget: int, rng: random.Random,
                   stars_for: Callable[[int], int]) -> None:
    """One member's turn: a board from the totals as they stand, then up to `budget` picks among `allowed`.
    The board gets the totals as the service reads them: thoughts carry no time or order."""
    chooser = sampler(list(tally.totals))
    blocked = set(range(len(tally.totals))) - set(allowed)
    for _ in range(min(budget, len(allowed))):
        pick = chooser.pick(blocked, rng)
        if pick is None:
            break
        blocked.add(pick)
        tally.add(pick, stars_for(pick))


def fixed_prior_average(totals: Sequence[Totals]) -> list[float]:
    """The replay's truth: the Bayesian average with PRIOR_RATINGS pseudo-ratings, fixed (not fitted), so the
    truth does not move with the estimator under test."""
    n = sum(t.ratings for t in totals)
    mean0 = sum(t.star_sum for t in totals) / n if n else 3.0
    return [(t.star_sum + PRIOR_RATINGS * mean0) / (t.ratings + PRIOR_RATINGS) for t in totals]


def ranking(scores: Sequence[float]) -> list[int]:
    return sorted(range(len(scores)), key=lambda i: (-scores[i], i))


def kendall_tau(a: Sequence[float], b: Sequence[float]) -> float:
    concordant = discordant = 0
    n = len(a)
    for i in range(n):
        ai, bi = a[i], b[i]
        for j in range(i + 1, n):
            s = (ai - a[j]) * (bi - b[j])
            if s > 0:
                concordant += 1
            elif s < 0:
                discordant += 1
    pairs = n * (n - 1) / 2
    return (concordant - discordant) / pairs if pairs else 0.0


def exposure(seen: Sequence[int], prefix: str = "") -> dict[str, float]:
    """How many members were shown each thought: the least, the median, and the share below FEW."""
    if not seen:
        return {}
    return {f"{prefix}least_seen": float(min(seen)), f"{prefix}median_seen": float(statistics.median(seen)),
            f"{prefix}share_seen_by_under_{FEW}": sum(1 for s in seen if s < FEW) / len(seen)}


def scores(truth: Sequence[float], estimate: Sequence[float], seen: Sequence[int], late: Sequence[bool]
           ) -> dict[str, float]:
    """precision@10: share of the shown top 10 that is truly top 10. Recall of the top 10: share of the
    true top 10 that a shortlist of the top 20 catches. Kendall tau over the whole list. Exposure over
    every thought, and over the late-arriving ones alone."""
    true_top, shown = ranking(truth), ranking(estimate)
    return {"precision_at_10": len(set(true_top[:TOP]) & set(shown[:TOP])) / TOP,
            "recall_top_10_in_20": len(set(true_top[:TOP]) & set(shown[:2 * TOP])) / TOP,
            "kendall_tau": kendall_tau(truth, estimate),
            **exposure(seen), **exposure([s for s, is_late in zip(seen, late, strict=True) if is_late], "late_")}


# ---- synthetic track ----------------------------------------------------------------------

@dataclass(frozen=True)
class World:
    quality: list[list[float]]  # [group][thought]: the expected stars a member of that group gives
    truth: list[float]  # the membership-wide expected stars
    arrives_after: list[int]  # the thought appears once this many members have taken part
    group_of: list[int]  # each member's group
    bias: list[float]  # each member's harshness (-) or leniency (+)


def make_world(rng: random.Random, thoughts: int = 80, members: int = 200) -> World:
    shares = [0.5, 0.3, 0.2]
    base = [rng.gauss(3.0, 0.45) for _ in range(thoughts)]
    for i in range(thoughts // 10):  # near-duplicates: a second wording of an earlier thought
        base[thoughts - 1 - i] = base[i] + rng.gauss(0, 0.05)
    quality = []
    for _g in shares:
        quality.append([q + (rng.choice([-0.8, 0.8]) if rng.random() < 0.25 else 0.0) for q in base])
    truth = [sum(s * quality[g][i] for g, s in enumerate(shares)) for i in range(thoughts)]
    # 60% are there at the start; the rest arrive while members take part.
    arrives = [0 if rng.random() < 0.6 else rng.randrange(members * 3 // 4) for _ in range(thoughts)]
    group_of = [rng.choices(range(3), weights=shares)[0] for _ in range(members)]
    bias = [rng.gauss(0, 0.5) for _ in range(members)]
    return World(quality, truth, arrives, group_of, bias)


def run_synthetic(world: World, sampler: Sampler, budget: int, rng: random.Random) -> dict[str, float]:
    """Members take part one after another; a thought's arrival is the coarse rank the service
    could keep (how many had joined when it appeared), never a time."""
    n = len(world.truth)
    order = sorted(range(n), key=lambda i: world.arrives_after[i])
    tally, shown, index_of = Tally(), [], {}
    for member, group in enumerate(world.group_of):
        while len(shown) < n and world.arrives_after[order[len(shown)]] <= member:
            thought = order[len(shown)]
            index_of[thought] = len(shown)
            shown.append(thought)
            tally.add_thought()

        def stars_for(slot: int, group: int = group, member: int = member) -> int:
            noisy = world.quality[group][shown[slot]] + world.bias[member] + rng.gauss(0, 1.0)
            return min(5, max(1, round(noisy)))

        rate_as_member(tally, sampler, range(len(shown)), budget, rng, stars_for)
    by_slot = estimates(tally.totals)
    estimate = [by_slot[index_of[t]] for t in range(n)]
    seen = [tally.totals[index_of[t]].ratings for t in range(n)]
    late = [world.arrives_after[t] > 0 for t in range(n)]
    true_rank = {t: r for r, t in enumerate(ranking(world.truth))}
    est_rank = {t: r for r, t in enumerate(ranking(estimate))}
    result = scores(world.truth, estimate, seen, late)
    late_ones = [t for t in range(n) if late[t]]
    result["late_arrival_rank_shift"] = (sum(true_rank[t] - est_rank[t] for t in late_ones) / len(late_ones)
                                         if late_ones else 0.0)
    return result


# ---- replay track -------------------------------------------------------------------------

@dataclass(frozen=True)
class Conversation:
    name: str
    statements: list[str]  # comment ids in order of first vote (that order is each one's arrival rank)
    voters: list[dict[int, int]]  # per participant, in order of first vote: statement index -> stars


def load_conversation(folder: Path) -> Conversation:
    """Polis votes (+1 agree, 0 pass, -1 disagree) as 5, 3 and 1 stars; each voter's last vote counts."""
    with (folder / "votes.csv").open(newline="", encoding="utf-8") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda r: int(r["timestamp"]))
    statement_index: dict[str, int] = {}
    voter_index: dict[str, int] = {}
    voters: list[dict[int, int]] = []
    for row in rows:
        s = statement_index.setdefault(row["comment-id"], len(statement_index))
        v = voter_index.setdefault(row["voter-id"], len(voter_index))
        if v == len(voters):
            voters.append({})
        voters[v][s] = 3 + 2 * int(row["vote"])
    return Conversation(folder.name, list(statement_index), voters)


def split(conversation: Conversation, rng: random.Random) -> tuple[list[int], list[int]]:
    """Participants at random into two halves: (truth, replay). The replay half keeps its original order."""
    everyone = list(range(len(conversation.voters)))
    truth = set(rng.sample(everyone, len(everyone) // 2))
    return sorted(truth), [v for v in everyone if v not in truth]


@dataclass(frozen=True)
class Truth:
    bayesian: list[float]  # the truth half's Bayesian average with the fixed prior of PRIOR_RATINGS
    plain: list[float]  # their plain mean, for statements with at least FEW of their votes (others last)


def truth_from(conversation: Conversation, voters: Sequence[int]) -> Truth:
    tally = Tally()
    for _ in conversation.statements:
        tally.add_thought()
    for v in voters:
        for s, stars in conversation.voters[v].items():
            tally.add(s, stars)
    plain = [t.star_sum / t.ratings if t.ratings >= FEW else -1.0 for t in tally.totals]
    return Truth(fixed_prior_average(tally.totals), plain)


def replay(conversation: Conversation, truth: Truth, voters: Sequence[int], sampler: Sampler,
           budget: int, rng: random.Random) -> dict[str, float]:
    """Replay `voters` in order: a sampler may choose only statements that participant voted on and
    sees the logged vote. A statement enters the board when the first replayed participant voted on it;
    it is late if that was after the first quarter of them."""
    n = len(conversation.statements)
    tally, slot_of, entered = Tally(), [-1] * n, [0] * n
    for position, v in enumerate(voters):
        votes = conversation.voters[v]
        for s in sorted(votes):
            if slot_of[s] < 0:
                slot_of[s], entered[s] = len(tally.totals), position
                tally.add_thought()
        statement_at = {slot_of[s]: s for s in votes}
        rate_as_member(tally, sampler, sorted(statement_at), budget, rng,
                       lambda slot, votes=votes, statement_at=statement_at: votes[statement_at[slot]])
    # Statements no replayed participant voted on cannot be ranked by any sampler: scored on the rest.
    present = [s for s in range(n) if slot_of[s] >= 0]
    by_slot = estimates(tally.totals)
    estimate = [by_slot[slot_of[s]] for s in present]
    result = scores([truth.bayesian[s] for s in present], estimate,
                    [tally.totals[slot_of[s]].ratings for s in present],
                    [entered[s] > len(voters) // 4 for s in present])
    plain_top = set(ranking([truth.plain[s] for s in present])[:TOP])
    result["precision_at_10_plain_mean_truth"] = len(plain_top & set(ranking(estimate)[:TOP])) / TOP
    return result


def replay_runs(conversation: Conversation, samplers: dict[str, Sampler], budget: int, splits: Sequence[int],
                seeds: int) -> dict[str, list[dict[str, float]]]:
    """Every sampler over the same splits and seeds, so differences can be paired run by run."""
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in samplers}
    for s in splits:
        truth_half, replay_half = split(conversation, random.Random(1_000 + s))
        truth = truth_from(conversation, truth_half)
        for seed in range(seeds):
            for name, sampler in samplers.items():
                runs[name].append(replay(conversation, truth, replay_half, sampler, budget,
                                         random.Random(100 * s + seed)))
    return runs
