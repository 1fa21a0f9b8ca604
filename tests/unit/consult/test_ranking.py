"""Discover's estimates: exact, shrunk towards the overall mean as far as the ratings warrant, honest about too
few ratings."""

from __future__ import annotations

from fractions import Fraction

from unionvote.consult import sampler
from unionvote.consult.ranking import Sums, bias_corrected_sums, estimates
from unionvote.consult.sampler import Totals


def sums(*stars: int) -> Sums:
    return Sums(len(stars), Fraction(sum(stars)), Fraction(sum(s * s for s in stars)))


def test_two_lucky_five_star_ratings_do_not_outrank_forty_good_ones() -> None:
    ranked = estimates({"lucky": sums(5, 5), "solid": sums(*([5] * 28 + [4] * 12)), "weak": sums(*([2] * 40))})
    assert [e.thought_id for e in ranked] == ["solid", "weak", "lucky"]
    assert ranked[-1].too_few and not ranked[0].too_few
    assert isinstance(ranked[0].mean, Fraction)
    assert ranked[0].low < ranked[0].shown_mean < ranked[0].high


def test_more_ratings_narrow_the_interval() -> None:
    ranked = {e.thought_id: e for e in estimates({"few": sums(4, 4, 5, 3, 4, 4), "many": sums(*([4, 4, 5, 3] * 20))})}
    assert ranked["many"].half_width < ranked["few"].half_width


def test_bias_correction_lifts_a_thought_only_harsh_raters_saw() -> None:
    # Harsh raters h1, h2 give everything 1 star less; thought B was rated by them only.
    ratings = [("A", "n1", 4), ("A", "n2", 4), ("C", "n1", 3), ("C", "n2", 3),
               ("B", "h1", 3), ("B", "h2", 3), ("C", "h1", 2), ("C", "h2", 2), ("D", "h1", 2), ("D", "n1", 3)]
    plain = {t: Fraction(sum(s for x, _, s in ratings if x == t), sum(1 for x, _, _ in ratings if x == t))
             for t in "AB"}
    fair = bias_corrected_sums("ABCD", ratings)
    assert plain["B"] < plain["A"]
    assert fair["B"].total / fair["B"].n > plain["B"]


def test_the_pull_to_the_mean_is_fitted_to_how_much_thoughts_really_differ() -> None:
    """Three five-star ratings count for less where the ratings barely separate the thoughts."""
    alike = {f"t{i}": sums(*([1, 3, 5] * 10 + [3 + (i % 2)])) for i in range(20)}  # averages 3.0 to 3.03
    apart = {f"t{i}": sums(*([1 + i % 5] * 28 + [2, 3, 4])) for i in range(20)}  # averages 1 to 5
    lucky = sums(5, 5, 5)
    near = {e.thought_id: e for e in estimates({**alike, "lucky": lucky})}["lucky"]
    far = {e.thought_id: e for e in estimates({**apart, "lucky": lucky})}["lucky"]
    assert near.mean < Fraction(32, 10)  # pulled almost all the way to the overall 3.0
    assert far.mean > 4  # two pseudo-ratings at most: three five-star ratings count
    assert isinstance(near.mean, Fraction) and isinstance(far.mean, Fraction)
    sampler_view = sampler.estimates([Totals(s.n, int(s.total), int(s.squares)) for s in alike.values()]
                                     + [Totals(3, 15, 75)])
    assert abs(sampler_view[-1] - float(near.mean)) < 1e-9  # Star's sampler ranks as Discover shows
