"""Which thought a participant rates next: the adaptive sampler.

A Thompson draw at the edge of the top k, with a share of choices at random that grows while
the thoughts cannot yet be told apart. Each thought has a posterior: its Bayesian average (what
Discover shows) and that estimate's standard deviation. For a choice at the edge the board
draws each thought's value once from its posterior, puts the boundary midway between the k-th
and (k+1)-th highest draws, and shows the thought the participant may rate whose draw lies
nearest that boundary (in stars): in effect the thought drawn k-th or the one drawn (k+1)-th,
which is top-two Thompson sampling moved from the top place to the edge of the top k. A thought
whose place in the top k is unsettled is drawn near the boundary often, one clearly in or
clearly out seldom, and one with few ratings has a wide posterior, so it gets its chance.

The other choices go to any thought the participant may rate, at random. Their share is
(1 - reliability) squared, at least EXPLORE_FLOOR, where the reliability is how much of the spread of a
typical thought's average is real difference between thoughts rather than rating noise:
tau2 / (tau2 + variance / ratings per thought), with tau2 the between-thought variance (a one-way
analysis of variance over the board's totals). While ratings are few, or when members' ratings
barely separate the thoughts (on a real Polis conversation the two halves of the participants
hardly agreed on a top 10), concentrating ratings at the edge re-reads noise, and spreading
them as uniform does ranks better; once averages are reliable, the edge gets nearly every choice.
The square (rather than 1 - reliability itself) was chosen on ConsultBench's tuning runs (other
worlds and other splits than the reported ones): a half-reliable board already pays to focus.

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
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

MIN_RATINGS = 5  # fewer ratings than this: "too few ratings" on the Discover page
TOP_K = 10
PRIOR_RATINGS = 2  # the least shrinkage of the Bayesian average: pseudo-ratings at the overall mean
MAX_PRIOR_RATINGS = 50  # the most: the thoughts' averages differ by no more than rating noise
PRIOR_VARIANCE = 1.5  # star variance assumed before any ratings arrive
CANDIDATES = 64
EXPLORE_FLOOR = 0.1  # at least one choice in ten goes to any thought at random

Number = int | float | Fraction


@dataclass(frozen=True)
class Totals:
    """A thought's running totals."""

    ratings: int
    star_sum: int
    star_squares: int


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


def between_variance(rows: Sequence[tuple[Number, Number]], mean0: Number, variance: Number) -> Number | None:
    """tau2, how much thoughts' true averages differ, by the one-way analysis of variance's method of moments.

    `rows`: (ratings, star sum) per thought; ints give a float, Fractions an exact Fraction. None while
    fewer than two thoughts have ratings.
    """
    rated = [(n, total) for n, total in rows if n]
    n_all = sum(n for n, _ in rated)
    spread_of_counts = n_all - sum(n * n for n, _ in rated) / Fraction(n_all) if rated else 0
    if len(rated) < 2 or spread_of_counts <= 0:
        return None
    between = sum(n * (total / n - mean0) ** 2 for n, total in rated)
    return (between - (len(rated) - 1) * variance) / spread_of_counts


def prior_ratings(tau2: Number | None, variance: Number) -> Number:
    """The Bayesian average's pseudo-ratings, fitted: variance / tau2, from PRIOR_RATINGS to MAX_PRIOR_RATINGS.

    The fewer real differences the ratings show, the more a thought's few ratings are pulled to the mean.
    """
    if tau2 is None or tau2 <= 0:
        return MAX_PRIOR_RATINGS
    return min(MAX_PRIOR_RATINGS, max(PRIOR_RATINGS, variance / tau2))


def posterior(t: Totals, mean0: float, variance: float, prior: float = PRIOR_RATINGS) -> tuple[float, float]:
    """A thought's posterior mean (the Bayesian average Discover shows) and its standard deviation."""
    return (t.star_sum + prior * mean0) / (t.ratings + prior), math.sqrt(variance / (t.ratings + prior))


def estimates(totals: Sequence[Totals]) -> list[float]:
    """Every thought's Bayesian average with the fitted prior: Discover's ranking (ranking.py, exactly), in floats."""
    mean0, variance = overall(totals)
    prior = prior_ratings(between_variance([(t.ratings, t.star_sum) for t in totals], mean0, variance), variance)
    return [posterior(t, mean0, variance, prior)[0] for t in totals]


def reliability(totals: Sequence[Totals]) -> float:
    """How much of the spread of a typical thought's average is real difference between thoughts (0 to 1).

    tau2 / (tau2 + variance / ratings per rated thought), with tau2 from between_variance and the
    variance the pooled within-thought one; 0 while fewer than two thoughts have ratings.
    """
    mean0, variance = overall(totals)
    tau2 = between_variance([(t.ratings, t.star_sum) for t in totals], mean0, variance)
    if tau2 is None or tau2 <= 0:
        return 0.0
    rated = sum(1 for t in totals if t.ratings)
    return tau2 / (tau2 + variance * rated / sum(t.ratings for t in totals))


class Board:
    """The sampler over one board of totals, with the participant-independent work done once.

    `pick(blocked, rng)` chooses among every index not in `blocked` (one's own, already rated or
    skipped); None when nothing is left. `explore`: the share of choices made at random.
    """

    def __init__(self, totals: Sequence[Totals], *, top_k: int = TOP_K) -> None:
        self.totals = totals
        self.explore = max(EXPLORE_FLOOR, (1.0 - reliability(totals)) ** 2)
        mean0, variance = overall(totals)
        prior = prior_ratings(between_variance([(t.ratings, t.star_sum) for t in totals], mean0, variance), variance)
        self.posteriors = [posterior(t, mean0, variance, prior) for t in totals]
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
        if rng.random() < self.explore:
            return self._at_random(blocked, rng)
        return self._at_the_edge(blocked, rng)

    def _at_the_edge(self, blocked: set[int] | frozenset[int], rng: random.Random) -> int | None:
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

    def _at_random(self, blocked: set[int] | frozenset[int], rng: random.Random) -> int | None:
        """Any thought the participant may rate, each as likely: a few tries, then a walk when most are blocked."""
        n = len(self.totals)
        for _ in range(8 if n else 0):
            i = rng.randrange(n)
            if i not in blocked:
                return i
        allowed = [i for i in range(n) if i not in blocked]
        return rng.choice(allowed) if allowed else None


def choose(totals: Sequence[Totals], allowed: Sequence[int], rng: random.Random, *, top_k: int = TOP_K
           ) -> int | None:
    """The index (into `totals`) of the thought to show next, among `allowed`; None when nothing is left."""
    allowed_set = set(allowed)
    return Board(totals, top_k=top_k).pick({i for i in range(len(totals)) if i not in allowed_set}, rng)
