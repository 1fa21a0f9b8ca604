"""ConsultBench's two tracks: a simulated consultation and a replay of real Polis conversations.

Both feed ratings to a sampler one choice at a time and score the ranking that results.
Every sampler is scored with the same estimator (the Bayesian average the Discover page
uses), so only the choice of what to show differs.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from unionvote.consult.sampler import PRIOR_RATINGS, Totals, choose

Sampler = Callable[[list[Totals], list[int], random.Random], "int | None"]


def uniform_random(totals: list[Totals], allowed: list[int], rng: random.Random) -> int | None:
    return rng.choice(allowed) if allowed else None


def least_seen(totals: list[Totals], allowed: list[int], rng: random.Random) -> int | None:
    if not allowed:
        return None
    fewest = min(totals[i].ratings for i in allowed)
    return rng.choice([i for i in allowed if totals[i].ratings == fewest])


def ours(totals: list[Totals], allowed: list[int], rng: random.Random) -> int | None:
    return choose(totals, allowed, rng)


SAMPLERS: dict[str, Sampler] = {"uniform_random": uniform_random, "least_seen": least_seen, "ours": ours}


@dataclass
class Tally:
    totals: list[Totals] = field(default_factory=list)

    def add_thought(self, arrival: int) -> None:
        self.totals.append(Totals(0, 0, 0, arrival))

    def add(self, i: int, stars: int) -> None:
        t = self.totals[i]
        self.totals[i] = Totals(t.ratings + 1, t.star_sum + stars, t.star_squares + stars * stars, t.arrival)


def estimates(totals: Sequence[Totals]) -> list[float]:
    n = sum(t.ratings for t in totals)
    mean0 = sum(t.star_sum for t in totals) / n if n else 3.0
    return [(t.star_sum + PRIOR_RATINGS * mean0) / (t.ratings + PRIOR_RATINGS) for t in totals]


def ranking(scores: Sequence[float]) -> list[int]:
    return sorted(range(len(scores)), key=lambda i: (-scores[i], i))


def precision_at(k: int, truth: Sequence[float], estimate: Sequence[float]) -> float:
    return len(set(ranking(truth)[:k]) & set(ranking(estimate)[:k])) / k


def kendall_tau(a: Sequence[float], b: Sequence[float]) -> float:
    concordant = discordant = 0
    n = len(a)
    for i in range(n):
        for j in range(i + 1, n):
            s = (a[i] - a[j]) * (b[i] - b[j])
            if s > 0:
                concordant += 1
            elif s < 0:
                discordant += 1
    pairs = n * (n - 1) / 2
    return (concordant - discordant) / pairs if pairs else 0.0


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
    n = len(world.truth)
    order = sorted(range(n), key=lambda i: world.arrives_after[i])
    tally, shown, index_of = Tally(), [], {}
    for member, group in enumerate(world.group_of):
        while len(shown) < n and world.arrives_after[order[len(shown)]] <= member:
            thought = order[len(shown)]
            index_of[thought] = len(shown)
            shown.append(thought)
            tally.add_thought(member)
        allowed = list(range(len(shown)))
        for _ in range(min(budget, len(allowed))):
            pick = sampler(tally.totals, allowed, rng)
            if pick is None:
                break
            allowed.remove(pick)
            noisy = world.quality[group][shown[pick]] + world.bias[member] + rng.gauss(0, 1.0)
            tally.add(pick, min(5, max(1, round(noisy))))
    est_by_slot = estimates(tally.totals)
    estimate = [est_by_slot[index_of[t]] if t in index_of else 0.0 for t in range(n)]
    counts = [tally.totals[index_of[t]].ratings if t in index_of else 0 for t in range(n)]
    late = [t for t in range(n) if world.arrives_after[t] > 0]
    true_rank = {t: r for r, t in enumerate(ranking(world.truth))}
    est_rank = {t: r for r, t in enumerate(ranking(estimate))}
    late_bias = sum(true_rank[t] - est_rank[t] for t in late) / len(late) if late else 0.0
    return {"precision_at_10": precision_at(10, world.truth, estimate),
            "kendall_tau": kendall_tau(world.truth, estimate),
            "min_ratings": float(min(counts)), "late_arrival_rank_shift": late_bias}


# ---- replay track -------------------------------------------------------------------------

@dataclass(frozen=True)
class Conversation:
    name: str
    statements: list[str]  # comment ids in order of first vote
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


def replay(conversation: Conversation, sampler: Sampler, budget: int, rng: random.Random) -> dict[str, float]:
    n = len(conversation.statements)
    full = Tally()
    for _ in range(n):
        full.add_thought(0)
    for votes in conversation.voters:
        for s, stars in votes.items():
            full.add(s, stars)
    truth = estimates(full.totals)
    tally = Tally()
    for _ in range(n):
        tally.add_thought(0)
    for votes in conversation.voters:
        allowed = list(votes)
        for _ in range(min(budget, len(allowed))):
            pick = sampler(tally.totals, allowed, rng)
            if pick is None:
                break
            allowed.remove(pick)
            tally.add(pick, votes[pick])
    estimate = estimates(tally.totals)
    return {"precision_at_10": precision_at(10, truth, estimate), "kendall_tau": kendall_tau(truth, estimate)}
