"""Which thought a participant rates next: the adaptive sampler.

1. Coverage: while a thought the participant may rate has fewer than MIN_RATINGS ratings,
   the least-rated goes first (newest first among equals), so late arrivals catch up.
2. A small share of picks (EXPLORE) is uniformly random, so no estimate goes unchecked.
3. Otherwise the rating goes where the top of the ranking is least certain (an LUCB-style
   rule): the boundary is the midpoint between the k-th and (k+1)-th posterior means, and the
   pick is the thought whose side of that boundary is least certain, |mean - boundary| / sd.

Floats are fine here: the sampler only decides what to show; results are computed exactly
in ranking.py. It reads running totals only, never the ratings themselves, so one choice
over 5,000 thoughts takes a few milliseconds (bench/consultbench.py measures it).

`choose` decides from scratch. `Prepared` makes the same decisions for a service that asks many
times about one board of totals: everything that does not depend on the participant (the
orders by coverage and by uncertainty) is worked out once per board, so a choice only walks
past what this participant may not rate (bench/consult_sampler_speed.py measures it).
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

MIN_RATINGS = 5
EXPLORE = 0.1
TOP_K = 10
PRIOR_RATINGS = 2  # pseudo-ratings at the overall mean: the shrinkage of the Bayesian average
PRIOR_VARIANCE = 1.5  # star variance assumed before any ratings arrive


@dataclass(frozen=True)
class Totals:
    """A thought's running totals. `arrival`: larger is newer (any increasing number, or 0 if unknown)."""

    ratings: int
    star_sum: int
    star_squares: int
    arrival: int = 0


def overall(totals: Sequence[Totals]) -> tuple[float, float]:
    """The mean and the pooled within-thought variance of all stars given so far."""
    n = sum(t.ratings for t in totals)
    if n == 0:
        return 3.0, PRIOR_VARIANCE
    mean = sum(t.star_sum for t in totals) / n
    within = sum(t.star_squares - t.star_sum * t.star_sum / t.ratings for t in totals if t.ratings)
    dof = n - sum(1 for t in totals if t.ratings)
    variance = (within + PRIOR_VARIANCE * 4) / (dof + 4)  # a little prior weight while data are few
    return mean, max(variance, 0.05)


def choose(totals: Sequence[Totals], allowed: Sequence[int], rng: random.Random, *, top_k: int = TOP_K,
           min_ratings: int = MIN_RATINGS, explore: float = EXPLORE) -> int | None:
    """The index (into `totals`) of the thought to show next, among `allowed`; None when nothing is left."""
    if not allowed:
        return None
    fewest = min(totals[i].ratings for i in allowed)
    if fewest < min_ratings:
        starved = [i for i in allowed if totals[i].ratings == fewest]
        newest = max(totals[i].arrival for i in starved)
        return rng.choice([i for i in starved if totals[i].arrival == newest])
    if rng.random() < explore:
        return rng.choice(list(allowed))
    mean0, variance = overall(totals)
    means = [(t.star_sum + PRIOR_RATINGS * mean0) / (t.ratings + PRIOR_RATINGS) for t in totals]
    if len(means) > top_k:
        kth, next_ = heapq.nlargest(top_k + 1, means)[-2:]
        boundary = (kth + next_) / 2
    else:
        boundary = min(means) - 1.0  # everyone is in the top k: sharpen the order among them
    best, best_score = allowed[0], math.inf
    for i in allowed:
        sd = math.sqrt(variance / (totals[i].ratings + PRIOR_RATINGS))
        score = abs(means[i] - boundary) / sd + rng.random() * 1e-6  # ties broken at random
        if score < best_score:
            best, best_score = i, score
    return best


def _scores(totals: Sequence[Totals], rng: random.Random, top_k: int) -> list[float]:
    """Each thought's |posterior mean - top-k boundary| / posterior sd: lower is more worth a rating."""
    mean0, variance = overall(totals)
    means = [(t.star_sum + PRIOR_RATINGS * mean0) / (t.ratings + PRIOR_RATINGS) for t in totals]
    if len(means) > top_k:
        kth, next_ = heapq.nlargest(top_k + 1, means)[-2:]
        boundary = (kth + next_) / 2
    else:
        boundary = min(means, default=0.0) - 1.0
    return [abs(m - boundary) / math.sqrt(variance / (t.ratings + PRIOR_RATINGS)) + rng.random() * 1e-6
            for m, t in zip(means, totals, strict=True)]


class Prepared:
    """`choose`'s rules over one board of totals, with the participant-independent work done once.

    `pick(blocked)` chooses among every index not in `blocked` (one's own, already rated or skipped),
    as `choose` would among the rest: the walk stops at the first index a participant may rate,
    so a choice costs about as many steps as the participant has rated, not as there are thoughts.
    """

    def __init__(self, totals: Sequence[Totals], rng: random.Random, *, top_k: int = TOP_K,
                 min_ratings: int = MIN_RATINGS) -> None:
        self.totals, self.min_ratings = totals, min_ratings
        self.by_coverage = sorted(range(len(totals)), key=lambda i: (totals[i].ratings, -totals[i].arrival))
        scores = _scores(totals, rng, top_k)
        self.by_uncertainty = sorted(range(len(totals)), key=scores.__getitem__)

    def pick(self, blocked: set[int] | frozenset[int], rng: random.Random, *, explore: float = EXPLORE) -> int | None:
        totals = self.totals
        position, first = next(((n, i) for n, i in enumerate(self.by_coverage) if i not in blocked), (0, None))
        if first is None:
            return None
        if totals[first].ratings < self.min_ratings:
            key = (totals[first].ratings, totals[first].arrival)
            equals = []
            for i in itertools.islice(self.by_coverage, position, None):
                if (totals[i].ratings, totals[i].arrival) != key:
                    break
                if i not in blocked:
                    equals.append(i)
            return rng.choice(equals)
        if rng.random() < explore:
            for _ in range(20):  # rejection keeps a random pick cheap while most thoughts are still open
                i = rng.randrange(len(totals))
                if i not in blocked:
                    return i
            return rng.choice([i for i in range(len(totals)) if i not in blocked])
        return next(i for i in self.by_uncertainty if i not in blocked)
