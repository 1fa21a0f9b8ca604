"""The adaptive sampler: coverage first, then the uncertain edge of the top k, never what is not allowed."""

from __future__ import annotations

import random

from unionvote.consult.sampler import MIN_RATINGS, Prepared, Totals, choose


def rated(n: int, mean: int) -> Totals:
    return Totals(n, n * mean, n * mean * mean)


def test_a_thought_below_the_minimum_goes_first_and_the_newest_of_equals_wins() -> None:
    totals = [rated(40, 4), rated(2, 3), rated(2, 3), rated(2, 3)]
    totals[3] = Totals(2, 6, 18, arrival=9)
    picks = {choose(totals, [0, 1, 2, 3], random.Random(seed)) for seed in range(30)}
    assert picks == {3}


def test_only_allowed_thoughts_are_chosen_and_none_when_nothing_is_left() -> None:
    totals = [rated(MIN_RATINGS + 5, s) for s in (5, 4, 3, 2, 1)]
    rng = random.Random(1)
    assert all(choose(totals, [1, 3], rng) in (1, 3) for _ in range(200))
    assert choose(totals, [], rng) is None


def test_after_coverage_ratings_go_to_the_uncertain_edge_of_the_top_k() -> None:
    # Thoughts 0-1 are clearly in the top 2, 4-5 clearly out; 2 and 3 sit on the boundary.
    totals = [rated(60, 5), rated(60, 5), Totals(8, 28, 100), Totals(8, 27, 95), rated(60, 1), rated(60, 1)]
    picks = [choose(totals, list(range(6)), random.Random(seed), top_k=2, explore=0.0) for seed in range(50)]
    assert set(picks) <= {2, 3}


def test_a_small_share_of_picks_is_random() -> None:
    totals = [rated(60, 5), rated(60, 5), Totals(8, 28, 100), Totals(8, 27, 95), rated(60, 1), rated(60, 1)]
    picks = [choose(totals, list(range(6)), random.Random(seed), top_k=2) for seed in range(400)]
    elsewhere = sum(p not in (2, 3) for p in picks)
    assert 5 < elsewhere < 80  # about 10% random, of which two thirds land elsewhere


def test_the_prepared_sampler_a_worker_keeps_for_a_second_decides_as_choose_does() -> None:
    rng = random.Random(7)
    crowd = [Totals(n, s, s * s // max(n, 1)) for n, s in
             ((n, sum(rng.randint(1, 5) for _ in range(n))) for n in (rng.randint(6, 40) for _ in range(300)))]
    for seed in range(40):
        blocked = set(random.Random(seed).sample(range(300), 60))
        allowed = [i for i in range(300) if i not in blocked]
        prepared = Prepared(crowd, random.Random(seed))
        assert prepared.pick(blocked, random.Random(seed), explore=0.0) == choose(
            crowd, allowed, random.Random(seed), explore=0.0)


def test_the_prepared_sampler_covers_the_least_rated_first_and_never_picks_what_is_blocked() -> None:
    totals = [rated(40, 4), rated(2, 3), rated(2, 3), Totals(2, 6, 18, arrival=9), rated(1, 5)]
    prepared = Prepared(totals, random.Random(1))
    assert {prepared.pick(set(), random.Random(s)) for s in range(20)} == {4}
    assert {prepared.pick({4}, random.Random(s)) for s in range(20)} == {3}  # the newest of the equals
    assert {prepared.pick({3, 4}, random.Random(s)) for s in range(40)} == {1, 2}
    randomly = [prepared.pick({1, 2, 3, 4}, random.Random(s), explore=1.0) for s in range(20)]
    assert set(randomly) == {0}
    assert prepared.pick({0, 1, 2, 3, 4}, random.Random(1)) is None
