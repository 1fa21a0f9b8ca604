"""Which thought a participant rates next: the adaptive sampler.

A Thompson draw at the edge of the top k. Each thought has a posterior: its Bayesian average
(what Discover shows) and that estimate's standard deviation. For every choice the board draws
each thought's value once from its posterior, puts the boundary midway between the k-th and
(k+1)-th highest draws, and shows the thought the participant may rate whose draw lies nearest
that boundary (in stars): in effect the thought drawn k-th or the one drawn (k+1)-th, which is
top-two Thompson sampling moved from the top place to the edge of the top k. A thought whose
place in the top k is unsettled is drawn near the boundary often, one clearly in or clearly
out seldom, and one with few ratings has a wide posterior, so it gets its chance. One choice
in ten (COVER_SHARE) goes instead to the least-rated thought the participant may rate (newest
first among equals when a coarse arrival rank is known, otherwise at random), so late and
unpopular thoughts are still seen.

The draw is random per choice, so many members choosing at once from the same board (the
service's board is up to a second old) are sent to different thoughts.

Only the CANDIDATES thoughts nearest the boundary of posterior means (in standard deviations)
are drawn for the boundary; the others keep the side of it their means are on. The choice walks
the same order and draws for at most CANDIDATES thoughts the participant may rate, so a choice
costs the same at 50 thoughts or 5,000.

ConsultBench (bench/consultbench.py) measures this class, built and asked exactly as the
service builds and asks it (star.py). Floats are fine here: the sampler only decides what to
show; results are computed exactly in ranking.py.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

MIN_RATINGS = 5  # fewer ratings than this: "too few ratings" on the Discover page
TOP_K = 10
PRIOR_RATINGS = 2  # pseudo-ratings at the overall mean: the shrinkage of the Bayesian average
PRIOR_VARIANCE = 1.5  # star variance assumed before any ratings arrive
CANDIDATES = 64
COVER_SHARE = 0.1


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
    """The sampler over one board of totals, with the participant-independent work done once.

    `pick(blocked, rng)` chooses among every index not in `blocked` (one's own, already rated or
    skipped); None when nothing is left.
    """

    def __init__(self, totals: Sequence[Totals], *, top_k: int = TOP_K) -> None:
        self.totals = totals
        self.by_coverage = sorted(range(len(totals)), key=lambda i: (totals[i].ratings, -totals[i].arrival))
        mean0, variance = overall(totals)
        self.posteriors = [posterior(t, mean0, variance) for t in totals]
        means = [m for m, _ in self.posteriors]
        if len(totals) > top_k:
            kth, next_ = heapq.nlargest(top_k + 1, means)[-2:]
            boundary = (kth + next_) / 2
        else:  # everyone is in the top k: sharpen the order among them from below
            boundary = min(means, default=0.0) - 1.0
        self.distance = [(m - boundary) / sd for m, sd in self.posteriors]
        self.by_distance = sorted(range(len(totals)), key=lambda i: abs(self.distance[i]))
        drawn = self.by_distance[:CANDIDATES]
        # The boundary's draw is the midpoint of the `rank`-th and next highest candidate draws:
        # the thoughts left undrawn above the boundary keep their places ahead of them.
        undrawn_above = sum(1 for i in self.by_distance[CANDIDATES:] if self.distance[i] > 0)
        self.drawn, self.rank = drawn, top_k - undrawn_above if len(totals) > top_k else 0

    def _boundary(self, draws: dict[int, float]) -> float:
        if self.rank <= 0 or self.rank >= len(draws):
            return min(draws.values(), default=0.0) - 1.0
        kth, next_ = heapq.nlargest(self.rank + 1, draws.values())[-2:]
        return (kth + next_) / 2

    def pick(self, blocked: set[int] | frozenset[int], rng: random.Random) -> int | None:
        if rng.random() < COVER_SHARE:
            return self._least_rated(blocked, rng)
        gauss, posteriors = rng.gauss, self.posteriors
        draws = {i: gauss(*posteriors[i]) for i in self.drawn}
        boundary = self._boundary(draws)
        best, best_gap, looked = None, math.inf, 0
        for i in self.by_distance:
            if looked == CANDIDATES:
                break
            if i in blocked:
                continue
            looked += 1
            gap = abs((draws[i] if i in draws else gauss(*posteriors[i])) - boundary)
            if gap < best_gap:
                best, best_gap = i, gap
        return best


    def _least_rated(self, blocked: set[int] | frozenset[int], rng: random.Random) -> int | None:
        totals = self.totals
        first = next((n for n, i in enumerate(self.by_coverage) if i not in blocked), None)
        if first is None:
            return None
        key = (totals[self.by_coverage[first]].ratings, totals[self.by_coverage[first]].arrival)
        equals = [i for i in itertools.takewhile(lambda i: (totals[i].ratings, totals[i].arrival) == key,
                                                 itertools.islice(self.by_coverage, first, None))
                  if i not in blocked]
        return rng.choice(equals)


def choose(totals: Sequence[Totals], allowed: Sequence[int], rng: random.Random, *, top_k: int = TOP_K
           ) -> int | None:
    """The index (into `totals`) of the thought to show next, among `allowed`; None when nothing is left."""
    allowed_set = set(allowed)
    return Board(totals, top_k=top_k).pick({i for i in range(len(totals)) if i not in allowed_set}, rng)
