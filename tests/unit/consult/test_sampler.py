"""The sampler: a Thompson draw at the edge of the top k, a share for the least-rated, never what is not allowed."""

from __future__ import annotations

import random
from collections import Counter

from unionvote.consult.sampler import CANDIDATES, COVER_SHARE, Board, Totals, choose


def rated(n: int, mean: int) -> Totals:
    return Totals(n, n * mean, n * mean * mean)


class CountingRandom(random.Random):
    draws = 0

    def gauss(self, mu: float = 0.0, sigma: float = 1.0) -> float:
        self.draws += 1
        return super().gauss(mu, sigma)


def test_only_allowed_thoughts_are_chosen_and_none_when_nothing_is_left() -> None:
    totals = [rated(10, s) for s in (5, 4, 3, 2, 1)]
    rng = random.Random(1)
    assert all(choose(totals, [1, 3], rng) in (1, 3) for _ in range(200))
    assert choose(totals, [], rng) is None
    assert Board(totals).pick({0, 1, 2, 3, 4}, rng) is None


def test_ratings_go_to_the_unsettled_edge_of_the_top_k() -> None:
    # Top 3: thoughts 0-1 are clearly in, 4-5 clearly out; 2 and 3 contest the third place.
    totals = [rated(60, 5), rated(60, 5), Totals(8, 28, 100), Totals(8, 27, 95), rated(60, 1), rated(60, 1)]
    picks = Counter(choose(totals, list(range(6)), random.Random(seed), top_k=3) for seed in range(400))
    assert picks[2] + picks[3] > 0.9 * 400, picks
    assert picks[3] > 0.15 * 400  # the one behind is drawn ahead often enough to be checked
    assert picks[4] + picks[5] == 0  # one star with 60 ratings: never worth another


def test_the_edge_is_between_the_kth_and_next_draws_so_a_settled_top_is_checked_too() -> None:
    # Top 2 with two clear leaders: the edge lies between the second and third draws.
    totals = [rated(60, 5), rated(60, 5), Totals(8, 28, 100), Totals(8, 27, 95), rated(60, 1), rated(60, 1)]
    picks = Counter(choose(totals, list(range(6)), random.Random(seed), top_k=2) for seed in range(400))
    assert picks[0] + picks[1] > 0.1 * 400 and picks[2] > 0.3 * 400, picks
    assert picks[4] + picks[5] == 0


def test_a_thought_nobody_has_rated_is_shown_now_and_then_on_a_settled_board() -> None:
    totals = [rated(40, 2 + i % 3) for i in range(30)] + [Totals(0, 0, 0)]
    picks = Counter(Board(totals).pick(set(), random.Random(seed)) for seed in range(1000))
    assert picks[30] >= COVER_SHARE * 1000 * 0.7, picks[30]


def test_the_least_rated_share_goes_to_the_newest_of_equals_when_arrival_is_known() -> None:
    totals = [rated(40, 4), rated(40, 3), Totals(1, 3, 9, arrival=1), Totals(1, 3, 9, arrival=7)]
    board = Board(totals)
    rng = random.Random(5)
    least = Counter(board._least_rated(set(), rng) for _ in range(50))
    assert least == {3: 50}
    assert Counter(board._least_rated({3}, rng) for _ in range(50)) == {2: 50}
    unknown = Board([rated(40, 4), Totals(1, 3, 9), Totals(1, 3, 9)])
    assert set(unknown._least_rated(set(), random.Random(s)) for s in range(40)) == {1, 2}  # at random


def test_a_choice_among_5000_thoughts_draws_for_a_bounded_few() -> None:
    rng = random.Random(7)
    crowd = [Totals(n, s, s * s // max(n, 1)) for n, s in
             ((n, sum(rng.randint(1, 5) for _ in range(n))) for n in (rng.randint(6, 40) for _ in range(5000)))]
    board = Board(crowd)
    for seed in range(30):
        counting = CountingRandom(seed)
        blocked = set(random.Random(seed).sample(range(5000), 300))
        pick = board.pick(blocked, counting)
        assert pick is not None and pick not in blocked
        assert counting.draws <= 2 * CANDIDATES
        # Never a thought a draw could hardly bring to the boundary.
        assert abs(board.distance[pick]) < 9


def test_members_choosing_from_one_board_at_once_are_spread_over_the_thoughts_near_the_edge() -> None:
    rng = random.Random(3)
    totals = [Totals(30, s, s * s // 30 + 30) for s in (rng.randint(60, 140) for _ in range(200))]
    board = Board(totals)
    picks = Counter(board.pick(set(), random.SystemRandom()) for _ in range(50))
    assert len(picks) >= 10 and max(picks.values()) <= 10, picks


def test_a_small_board_where_everyone_is_in_the_top_k_still_chooses() -> None:
    totals = [rated(3, 4), rated(3, 2), Totals(0, 0, 0)]
    assert {choose(totals, [0, 1, 2], random.Random(s)) for s in range(60)} <= {0, 1, 2}
    assert choose(totals, [1], random.Random(1)) == 1
