"""Star chooses with the very board ConsultBench measures, and its draw is what spreads members choosing at once."""

from __future__ import annotations

import importlib
import random
import sys
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.helpers import app_db
from tests.integration.consult.world import choose_at_once, rated_consultation
from unionvote.consult import sampler, star
from unionvote.consult.setup import load

BENCH = Path(__file__).resolve().parents[3] / "bench"


class FixedDraws(random.Random):
    """Every draw at its mean and never the least-rated share: a deterministic pick from one board."""

    def gauss(self, mu: float = 0.0, sigma: float = 1.0) -> float:
        return mu

    def random(self) -> float:
        return 0.99


async def test_fifty_members_choosing_at_once_from_a_deterministic_pick_would_all_get_one_thought(
    app: Litestar, client: AsyncTestClient[Litestar], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What members met before the pick was drawn at random: one board, one 'most uncertain' thought for all."""
    consultation_id, people = await rated_consultation(app, client, 50)
    monkeypatch.setattr(star, "_rng", FixedDraws())
    picks = await choose_at_once(app, consultation_id, people)
    assert len(picks) == 1 and sum(picks.values()) == 50, picks
    monkeypatch.undo()  # the same board, drawn at random as the service draws
    spread = await choose_at_once(app, consultation_id, people)
    assert len(spread) >= 8 and max(spread.values()) <= 20, spread


async def test_star_chooses_with_the_board_consultbench_measures(
    app: Litestar, client: AsyncTestClient[Litestar], monkeypatch: pytest.MonkeyPatch,
) -> None:
    sys.path.insert(0, str(BENCH))
    try:
        tracks = importlib.import_module("consult_tracks")
    finally:
        sys.path.remove(str(BENCH))
    assert tracks.SAMPLERS["ours"] is sampler.Board

    consultation_id, (member,) = await rated_consultation(app, client, 1)
    asked: list[tuple[sampler.Board, int | None]] = []
    pick = sampler.Board.pick

    def recorded(board: sampler.Board, blocked: set[int], rng: random.Random) -> int | None:
        chosen = pick(board, blocked, rng)
        asked.append((board, chosen))
        return chosen

    monkeypatch.setattr(sampler.Board, "pick", recorded)
    async with app_db(app) as db:
        thought = await star.next_thought(db, await load(db, consultation_id), member)
        shown = star._boards[star._board_key(db, consultation_id)]
    assert thought is not None and len(asked) == 1
    board, chosen = asked[0]
    assert board is shown.sampler and shown.ids[chosen] == thought.id  # type: ignore[index]
    assert len(board.totals) == 40 and all(t.ratings == 20 for t in board.totals)
