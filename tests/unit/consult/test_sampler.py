"""The sampler: a Thompson draw at the edge of the top k, a share at random while thoughts cannot be told apart,
never what is not allowed."""

from __future__ import annotations

import random
from collections import Counter

from unionvote.consult.sampler import CANDIDATES, EXPLORE_FLOOR, Board, Totals, choose, reliability


def rated(n: int, mean: int) -> Totals:
    return Totals(n, n * mean, n * mean * mean)


def at_the_edge(totals: list[Totals], top_k: int, choices: int) -> Counter[int | None]:
    """Choices made at the edge alone (never the share at random), one seed each."""
    board = Board(totals, top_k=top_k)
    return Counter(board._at_the_edge(set(), random.Random(seed)) for seed in range(choices))


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
    picks = at_the_edge(totals, 3, 400)
    assert picks[2] + picks[3] > 0.9 * 400, picks
    assert picks[3] > 0.15 * 400  # the one behind is drawn ahead often enough to be checked
    assert picks[4] + picks[5] == 0  # one star with 60 ratings: never worth another


def test_the_edge_is_between_the_kth_and_next_draws_so_a_settled_top_is_checked_too() -> None:
    # Top 2 with two clear leaders: the edge lies between the second and third draws.
    totals = [rated(60, 5), rated(60, 5), Totals(8, 28, 100), Totals(8, 27, 95), rated(60, 1), rated(60, 1)]
    picks = at_the_edge(totals, 2, 400)
    assert picks[0] + picks[1] > 0.1 * 400 and picks[2] > 0.3 * 400, picks
    assert picks[4] + picks[5] == 0


def test_a_thought_nobody_has_rated_is_shown_now_and_then_on_a_settled_board() -> None:
    totals = [rated(40, 2 + i % 3) for i in range(30)] + [Totals(0, 0, 0)]
    picks = Counter(Board(totals).pick(set(), random.Random(seed)) for seed in range(1000))
    assert picks[30] >= 50, picks[30]


def noisy_board(thoughts: int, spread: float, ratings: int, seed: int) -> list[Totals]:
    """Each thought's true average 3 +- `spread`; each rating that plus noise, 1 to 5 stars."""
    rng = random.Random(seed)
    totals = []
    for _ in range(thoughts):
        true = 3 + rng.uniform(-spread, spread)
        stars = [min(5, max(1, round(true + rng.gauss(0, 1.3)))) for _ in range(ratings)]
        totals.append(Totals(ratings, sum(stars), sum(s * s for s in stars)))
    return totals


def test_reliability_tells_real_differences_from_rating_noise() -> None:
    assert reliability([]) == 0.0 and reliability([rated(10, 4), Totals(0, 0, 0)]) == 0.0
    assert reliability(noisy_board(50, 1.5, 40, 1)) > 0.9
    assert reliability(noisy_board(50, 0.0, 40, 1)) < 0.2
    few, many = reliability(noisy_board(50, 0.5, 3, 2)), reliability(noisy_board(50, 0.5, 60, 2))
    assert few < many, (few, many)  # the same differences, told apart better with more ratings


def test_while_ratings_barely_separate_the_thoughts_most_choices_are_spread_at_random() -> None:
    noise = Board(noisy_board(50, 0.0, 30, 3))
    assert noise.explore > 0.8
    spread = Counter(noise.pick(set(), random.Random(seed)) for seed in range(2000))
    assert len(spread) == 50 and max(spread.values()) < 120, spread.most_common(3)

    clear = Board(noisy_board(50, 1.5, 30, 3))
    assert clear.explore == EXPLORE_FLOOR
    edge = sorted(range(50), key=lambda i: abs(clear.distance[i]))[:10]
    picks = Counter(clear.pick(set(), random.Random(seed)) for seed in range(2000))
    assert sum(picks[i] for i in edge) > 0.6 * 2000, picks.most_common(10)  # at random: a fifth


def test_a_choice_among_5000_thoughts_draws_for_a_bounded_few() -> None:
    rng = random.Random(7)
    crowd = [Totals(n, s, s * s // max(n, 1)) for n, s in
             ((n, sum(rng.randint(1, 5) for _ in range(n))) for n in (rng.randint(6, 40) for _ in range(5000)))]
    board = Board(crowd)
    for seed in range(30):
        counting = CountingRandom(seed)
        blocked = set(random.Random(seed).sample(range(5000), 300))
        pick = board._at_the_edge(blocked, counting)
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
