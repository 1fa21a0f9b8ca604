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
"""

from __future__ import annotations

import heapq
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
