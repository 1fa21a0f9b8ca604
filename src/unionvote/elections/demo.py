"""Demo elections: one with nominations open, one counted by Scottish STV, one declared uncontested."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.conferences import lookup
from unionvote.db import utcnow
from unionvote.elections import nominations, services
from unionvote.elections.models import Election
from unionvote.elections.services import ElectionSpec

if TYPE_CHECKING:
    from unionvote.demo import DemoContext

CAC_EMAIL = "cac@demo.unionvote.test"
SOC_CANDIDATES = [("Priya Shah", "LONC"), ("Tom Byrne", "MANC"), ("Grace Okafor", "LEED"), ("Dev Patel", "BRIS"),
                  ("Sian Evans", "LONC")]
# Papers for the standing orders committee (2 seats): count, preferences by candidate number.
SOC_PAPERS = [(31, "1 3"), (12, "1 5 2"), (24, "2 4"), (18, "3 1"), (9, "4 2 3"), (7, "5 1 3"), (6, "4"),
              (5, "5 2")]


async def _election(db: AsyncSession, conference_id: int, by: int, title: str, seats: int, rule: str,
                    candidates: list[tuple[str, str]], bodies: dict[str, int]) -> Election:
    election = await services.create_election(db, conference_id, ElectionSpec(
        title=title, seats=seats, rule=rule, nominator_kind="body",
        nominations_close_at=utcnow() + timedelta(days=7)), by=by)
    for name, body in candidates:
        nomination = await nominations.nominate(
            db, conference_id, election.id, candidate_name=name,  # type: ignore[arg-type]
            statement=f"{name} has been a workplace rep for ten years and will put members first.",
            body_id=bodies.get(body), by=by, on_behalf=True)
        await nominations.decide(db, conference_id, election.id, nomination.id, valid=True, note="",  # type: ignore[arg-type]
                                 by=by)
    return election


async def _close_now(db: AsyncSession, conference_id: int, election: Election, by: int) -> None:
    # The demo skips a week: the close of nominations is moved into the past.
    await db.execute(update(Election).where(Election.id == election.id)
                     .values(nominations_close_at=utcnow() - timedelta(hours=1)))
    await db.refresh(election)
    await services.close_nominations(db, conference_id, election.id, by=by)  # type: ignore[arg-type]


async def seed_elections(db: AsyncSession, ctx: DemoContext) -> None:
    conference_id = ctx.ids["conference"]
    by = ctx.ids[CAC_EMAIL]
    bodies = {b.code: b.id for b in await lookup.bodies_of(db, conference_id)}  # type: ignore[misc]
    await _election(db, conference_id, by, "National executive: delegates' seats", 3, "ers97-stv",
                    SOC_CANDIDATES[:3], bodies)
    soc = await _election(db, conference_id, by, "Standing orders committee", 2, "scottish-stv",
                          SOC_CANDIDATES, bodies)
    await _close_now(db, conference_id, soc, by)
    names = [f'"{name}"' for name, _ in SOC_CANDIDATES]
    blt = "\n".join([f"{len(SOC_CANDIDATES)} 2", *(f"{n} {prefs} 0" for n, prefs in SOC_PAPERS), "0", *names,
                     '"Standing orders committee"'])
    await services.import_papers_and_declare(db, conference_id, soc.id, blt, by=by)  # type: ignore[arg-type]
    chair = await _election(db, conference_id, by, "President of conference", 1, "irv", SOC_CANDIDATES[2:3], bodies)
    await _close_now(db, conference_id, chair, by)
