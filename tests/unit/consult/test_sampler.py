"""The adaptive sampler: coverage first, then a Thompson draw at the edge of the top k, never what is not allowed."""

from __future__ import annotations

import random
from collections import Counter

from unionvote.consult.sampler import MIN_RATINGS, Board, Totals, choose


def rated(n: int, mean: int) -> Totals:
    return Totals(n, n * mean, n * mean * mean)


def test_a_thought_below_the_minimum_goes_first_and_the_newest_of_equals_wins() -> None:
    totals = [rated(40, 4), rated(2, 3), rated(2, 3), rated(2, 3)]
    totals[3] = Totals(2, 6, 18, arrival=9)
    picks = {choose(totals, [0, 1, 2, 3], random.Random(seed)) for seed in range(30)}
    assert picks == {3}


def test_equals_below_the_minimum_are_drawn_at_random() -> None:
    totals = [rated(40, 4), rated(2, 3), rated(2, 3), rated(2, 3)]
    picks = {choose(totals, [0, 1, 2, 3], random.Random(seed)) for seed in range(60)}
    assert picks == {1, 2, 3}


def test_only_allowed_thoughts_are_chosen_and_none_when_nothing_is_left() -> None:
    totals = [rated(MIN_RATINGS + 5, s) for s in (5, 4, 3, 2, 1)]
    rng = random.Random(1)
    assert all(choose(totals, [1, 3], rng) in (1, 3) for _ in range(200))
    assert choose(totals, [], rng) is None


def test_after_coverage_ratings_go_mostly_to_the_uncertain_edge_of_the_top_k() -> None:
    # Thoughts 0-1 are clearly in the top 2, 4-5 clearly out; 2 and 3 sit on the boundary.
    totals = [rated(60, 5), rated(60, 5), Totals(8, 28, 100), Totals(8, 27, 95), rated(60, 1), rated(60, 1)]
    picks = Counter(choose(totals, list(range(6)), random.Random(seed), top_k=2) for seed in range(400))
    assert picks[2] + picks[3] > 0.9 * 400
    assert picks[4] + picks[5] == 0  # four stars below the boundary, with 60 ratings: never worth one more


def test_the_board_walks_only_as_far_as_a_draw_could_reach() -> None:
    rng = random.Random(7)
    crowd = [Totals(n, s, s * s // max(n, 1)) for n, s in
             ((n, sum(rng.randint(1, 5) for _ in range(n))) for n in (rng.randint(6, 40) for _ in range(300)))]
    board = Board(crowd)
    for seed in range(40):
        blocked = set(random.Random(seed).sample(range(300), 60))
        pick = board.pick(blocked, random.Random(seed))
        assert pick is not None and pick not in blocked
        # The pick is never one a Normal draw could not bring to the boundary first.
        assert abs(board.distance[pick]) <= min(abs(board.distance[i]) for i in range(300) if i not in blocked) + 9


def test_the_board_covers_the_least_rated_first_and_never_picks_what_is_blocked() -> None:
    totals = [rated(40, 4), rated(2, 3), rated(2, 3), Totals(2, 6, 18, arrival=9), rated(1, 5)]
    board = Board(totals)
    assert {board.pick(set(), random.Random(s)) for s in range(20)} == {4}
    assert {board.pick({4}, random.Random(s)) for s in range(20)} == {3}  # the newest of the equals
    assert {board.pick({3, 4}, random.Random(s)) for s in range(40)} == {1, 2}
    assert {board.pick({1, 2, 3, 4}, random.Random(s)) for s in range(20)} == {0}
    assert board.pick({0, 1, 2, 3, 4}, random.Random(1)) is None


def test_members_choosing_from_one_board_at_once_are_spread_over_the_thoughts_near_the_edge() -> None:
    rng = random.Random(3)
    totals = [Totals(30, s, s * s // 30 + 30) for s in (rng.randint(60, 140) for _ in range(200))]
    board = Board(totals)
    picks = Counter(board.pick(set(), random.SystemRandom()) for _ in range(50))
    assert len(picks) >= 10 and max(picks.values()) <= 10
