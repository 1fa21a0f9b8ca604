"""Which thought a participant rates next: the adaptive sampler.

1. Coverage: while a thought the participant may rate has fewer than MIN_RATINGS ratings,
   the least-rated goes first (newest first among equals, by a coarse arrival rank), so late
   arrivals catch up. Equals are drawn at random.
2. Otherwise the rating goes where the top-k boundary is least settled, judged on a Thompson
   draw: each thought's standardised distance from the boundary, (posterior mean - boundary) / sd,
   is drawn again with Normal noise, and the thought nearest the boundary in that draw is shown.
   The boundary is the midpoint between the k-th and (k+1)-th posterior means. Only the
   CANDIDATES thoughts nearest the boundary (that the participant may rate) are drawn, so a
   choice costs the same at 50 thoughts or 5,000.

The draw is what makes many members choosing at once from the same board get different
thoughts, and it spreads ratings over every thought that might still cross the boundary.

`Board` holds everything that does not depend on the participant (posterior means, the
coverage order, the order by distance from the boundary), worked out once per board of
totals; `pick` then walks only as far as it must. ConsultBench's "ours" is this class, called
exactly as the service calls it. Floats are fine here: the sampler only decides what to show;
results are computed exactly in ranking.py.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

MIN_RATINGS = 5
TOP_K = 10
PRIOR_RATINGS = 2  # pseudo-ratings at the overall mean: the shrinkage of the Bayesian average
PRIOR_VARIANCE = 1.5  # star variance assumed before any ratings arrive
FAR = 4.5  # a Normal draw beyond this many sds is too rare (1 in 300,000) to be worth walking for
CANDIDATES = 64


@dataclass(frozen=True)
class Totals:
    """A thought's running totals. `arrival`: larger is newer (a coarse rank, or 0 if unknown)."""

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


def posterior(t: Totals, mean0: float, variance: float) -> tuple[float, float]:
    """A thought's posterior mean (the Bayesian average Discover shows) and its standard deviation."""
    return (t.star_sum + PRIOR_RATINGS * mean0) / (t.ratings + PRIOR_RATINGS), \
        math.sqrt(variance / (t.ratings + PRIOR_RATINGS))


class Board:
    """The sampler's rules over one board of totals, with the participant-independent work done once.

    `pick(blocked, rng)` chooses among every index not in `blocked` (one's own, already rated or
    skipped); None when nothing is left.
    """

    def __init__(self, totals: Sequence[Totals], *, top_k: int = TOP_K, min_ratings: int = MIN_RATINGS) -> None:
        self.totals, self.min_ratings = totals, min_ratings
        self.by_coverage = sorted(range(len(totals)), key=lambda i: (totals[i].ratings, -totals[i].arrival))
        mean0, variance = overall(totals)
        means = [posterior(t, mean0, variance) for t in totals]
        if len(totals) > top_k:
            kth, next_ = heapq.nlargest(top_k + 1, (m for m, _ in means))[-2:]
            boundary = (kth + next_) / 2
        else:  # everyone is in the top k: sharpen the order among them from below
            boundary = min((m for m, _ in means), default=0.0) - 1.0
        self.distance = [(m - boundary) / sd for m, sd in means]
        self.by_distance = sorted(range(len(totals)), key=lambda i: abs(self.distance[i]))

    def pick(self, blocked: set[int] | frozenset[int], rng: random.Random) -> int | None:
        totals = self.totals
        position, first = next(((n, i) for n, i in enumerate(self.by_coverage) if i not in blocked), (0, None))
        if first is None:
            return None
        if totals[first].ratings < self.min_ratings:
            key = (totals[first].ratings, totals[first].arrival)
            equals = [i for i in itertools.takewhile(lambda i: (totals[i].ratings, totals[i].arrival) == key,
                                                     itertools.islice(self.by_coverage, position, None))
                      if i not in blocked]
            return rng.choice(equals)
        best, best_score, drawn = None, math.inf, 0
        for i in self.by_distance:
            if abs(self.distance[i]) - FAR > best_score or drawn == CANDIDATES:
                break  # no later thought is likely to draw nearer the boundary
            if i in blocked:
                continue
            drawn += 1
            score = abs(self.distance[i] + rng.gauss(0.0, 1.0))
            if score < best_score:
                best, best_score = i, score
        return best


def choose(totals: Sequence[Totals], allowed: Sequence[int], rng: random.Random, *, top_k: int = TOP_K,
           min_ratings: int = MIN_RATINGS) -> int | None:
    """The index (into `totals`) of the thought to show next, among `allowed`; None when nothing is left."""
    allowed_set = set(allowed)
    return Board(totals, top_k=top_k, min_ratings=min_ratings).pick(
        {i for i in range(len(totals)) if i not in allowed_set}, rng)
