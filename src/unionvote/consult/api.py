"""The consultation JSON API for staff: the ranking with its uncertainty."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.auth import requires_staff
from unionvote.consult import ranking, setup


class RankedThought(msgspec.Struct):
    number: int
    text: str
    ratings: int
    mean: str  # posterior mean in stars, two places, as text (exact decimal)
    low: str
    high: str
    too_few_ratings: bool
    theme_id: int | None


class ConsultationsApi(Controller):
    path = "/api/v1/consultations/{consultation_id:int}"
    tags = ["consultations"]
    guards = [requires_staff]

    @get("/ranking", summary="Thoughts ranked by posterior mean, with 95% intervals",
         description="fair=true corrects for harsh and lenient raters. Thoughts with too few ratings come last.")
    async def ranking(self, request: Request[Any, Any, Any], db_session: AsyncSession, consultation_id: int,
                      fair: bool = False) -> list[RankedThought]:
        await setup.load_to_run(db_session, consultation_id, request.scope["user"])
        ranked, thoughts = await ranking.ranking(db_session, consultation_id, correct_bias=fair)
        return [RankedThought(number=thoughts[e.thought_id].number, text=thoughts[e.thought_id].text,
                              ratings=e.ratings, mean=str(e.shown_mean), low=str(e.low), high=str(e.high),
                              too_few_ratings=e.too_few, theme_id=thoughts[e.thought_id].theme_id)
                for e in ranked]
