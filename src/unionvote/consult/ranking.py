"""Discover: the ranking, its uncertainty, rater-bias correction, segments and common ground.

The estimate is a Bayesian average: pseudo-ratings at the overall mean are added to each
thought's own, so a thought with two five-star ratings does not outrank one with forty ratings
averaging 4.6. How many is fitted to the ratings (sampler.prior_ratings: the rating variance over
the between-thought variance, from PRIOR_RATINGS to MAX_PRIOR_RATINGS): when the thoughts'
averages differ by little more than rating noise, a few ratings move a thought little. The
sampler's floats and ConsultBench use the same formula. Means are exact fractions; the 95% interval's half-width
is a square root, computed in Decimal and shown to two places. Thoughts with fewer than
MIN_RATINGS ratings are flagged "too few ratings" and listed after the others.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.consult.models import ATTRIBUTES, Participant, Rating, Thought, ThoughtStatus
from unionvote.consult.sampler import MIN_RATINGS, between_variance, prior_ratings

Z95 = Decimal("1.96")
PRIOR_VARIANCE = Fraction(3, 2)
MIN_SEGMENT = 10  # groups smaller than this are never shown
BIAS_SHRINK = 3  # a rater's offset counts fully only after many ratings: n / (n + BIAS_SHRINK)
TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class Estimate:
    thought_id: str
    ratings: int
    mean: Fraction  # posterior mean, in stars
    half_width: Decimal  # of the 95% interval

    @property
    def too_few(self) -> bool:
        return self.ratings < MIN_RATINGS

    @property
    def shown_mean(self) -> Decimal:
        return (Decimal(self.mean.numerator) / Decimal(self.mean.denominator)).quantize(TWO_PLACES, ROUND_HALF_EVEN)

    @property
    def low(self) -> Decimal:
        return max(Decimal(1), self.shown_mean - self.half_width)

    @property
    def high(self) -> Decimal:
        return min(Decimal(5), self.shown_mean + self.half_width)


@dataclass(frozen=True)
class Sums:
    n: int
    total: Fraction
    squares: Fraction


def estimates(sums: dict[str, Sums]) -> list[Estimate]:
    """Ranked best first; thoughts with too few ratings after all the others."""
    n_all = sum(s.n for s in sums.values())
    mean0 = sum((s.total for s in sums.values()), Fraction(0)) / n_all if n_all else Fraction(3)
    within = sum((s.squares - s.total * s.total / s.n for s in sums.values() if s.n), Fraction(0))
    dof = n_all - sum(1 for s in sums.values() if s.n)
    variance = (within + PRIOR_VARIANCE * 4) / (dof + 4)
    prior = prior_ratings(between_variance([(s.n, s.total) for s in sums.values()], mean0, variance), variance)
    out = []
    for key, s in sums.items():
        mean = (s.total + prior * mean0) / (s.n + prior)
        spread = variance / (s.n + prior)
        with localcontext() as ctx:
            ctx.prec = 12
            half = (Z95 * (Decimal(spread.numerator) / Decimal(spread.denominator)).sqrt())
        out.append(Estimate(key, s.n, mean, half.quantize(TWO_PLACES, ROUND_HALF_EVEN)))
    out.sort(key=lambda e: (e.too_few, -e.mean, e.thought_id))
    return out


def plain_sums(thoughts: Iterable[Thought]) -> dict[str, Sums]:
    return {t.id: Sums(t.ratings, Fraction(t.star_sum), Fraction(t.star_squares)) for t in thoughts}


def bias_corrected_sums(thought_ids: Iterable[str], ratings: Sequence[tuple[str, str, int]]) -> dict[str, Sums]:
    """Each rating less its rater's (shrunk) lean: harsh raters' stars count up, lenient ones' down.

    `ratings`: (thought id, participant id, stars). Exact fractions throughout.
    """
    if not ratings:
        return {t: Sums(0, Fraction(0), Fraction(0)) for t in thought_ids}
    overall = Fraction(sum(r[2] for r in ratings), len(ratings))
    by_rater: dict[str, list[int]] = defaultdict(list)
    for _, participant, stars in ratings:
        by_rater[participant].append(stars)
    lean = {p: (Fraction(sum(s), len(s)) - overall) * Fraction(len(s), len(s) + BIAS_SHRINK)
            for p, s in by_rater.items()}
    acc: dict[str, list[Fraction]] = {t: [] for t in thought_ids}
    for thought, participant, stars in ratings:
        if thought in acc:
            acc[thought].append(stars - lean[participant])
    return {t: Sums(len(v), sum(v, Fraction(0)), sum((x * x for x in v), Fraction(0))) for t, v in acc.items()}


async def visible(db: AsyncSession, consultation_id: int) -> list[Thought]:
    return list((await db.execute(select(Thought).where(Thought.consultation_id == consultation_id,
                                                        Thought.status == ThoughtStatus.VISIBLE))).scalars())


async def star_ratings(db: AsyncSession, consultation_id: int) -> list[tuple[str, str, int]]:
    rows = await db.execute(select(Rating.thought_id, Rating.participant_id, Rating.stars)
                            .join(Thought, Thought.id == Rating.thought_id)
                            .where(Thought.consultation_id == consultation_id, Rating.stars.is_not(None)))
    return [(t, p, s) for t, p, s in rows]


async def ranking(db: AsyncSession, consultation_id: int, *, correct_bias: bool = False
                  ) -> tuple[list[Estimate], dict[str, Thought]]:
    thoughts = {t.id: t for t in await visible(db, consultation_id)}
    if correct_bias:
        sums = bias_corrected_sums(thoughts, await star_ratings(db, consultation_id))
    else:
        sums = plain_sums(thoughts.values())
    return estimates(sums), thoughts


@dataclass(frozen=True)
class Segment:
    attribute: str
    value: str
    people: int
    estimates: dict[str, Estimate]


@dataclass(frozen=True)
class SegmentView:
    attribute: str
    shown: list[Segment]
    hidden_groups: int  # groups with fewer than MIN_SEGMENT people, never shown


async def segments(db: AsyncSession, consultation_id: int, min_size: int = MIN_SEGMENT) -> list[SegmentView]:
    thoughts = {t.id for t in await visible(db, consultation_id)}
    ratings = await star_ratings(db, consultation_id)
    raters = {p for _, p, _ in ratings}
    people = (await db.execute(select(Participant).where(Participant.consultation_id == consultation_id))).scalars()
    attrs = {p.id: p for p in people if p.id in raters}
    views = []
    for attribute in ATTRIBUTES:
        groups: dict[str, set[str]] = defaultdict(set)
        for pid, p in attrs.items():
            value = getattr(p, attribute)
            if value:
                groups[value].add(pid)
        if not groups:
            continue
        shown, hidden = [], 0
        for value, members in sorted(groups.items()):
            if len(members) < min_size:
                hidden += 1
                continue
            acc: dict[str, list[int]] = {t: [] for t in thoughts}
            for t, p, s in ratings:
                if p in members and t in acc:
                    acc[t].append(s)
            sums = {t: Sums(len(v), Fraction(sum(v)), Fraction(sum(x * x for x in v))) for t, v in acc.items()}
            shown.append(Segment(attribute, value, len(members), {e.thought_id: e for e in estimates(sums)}))
        views.append(SegmentView(attribute, shown, hidden))
    return views


def common_ground(view: SegmentView, limit: int = 5) -> list[tuple[str, Fraction]]:
    """Thoughts rated highly by every shown group: ranked by their lowest group's estimate."""
    if len(view.shown) < 2:
        return []
    ids = set.intersection(*(set(s.estimates) for s in view.shown))
    floor = {t: min(s.estimates[t].mean for s in view.shown) for t in ids
             if all(not s.estimates[t].too_few for s in view.shown)}
    return sorted(floor.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
