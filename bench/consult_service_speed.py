"""How long Star's "what next?" takes through the service, on a real database with 5,000 thoughts and 500,000 ratings.

Builds a fresh, migrated SQLite file in a temporary directory (bulk inserts, not the
service, so the set-up takes seconds rather than minutes), then times
`unionvote.consult.star.next_thought` for participants who have each rated 100 thoughts: with
the totals read from the database for every choice, and as the service runs (totals at most
a second old, read once per second per worker).
"""

from __future__ import annotations

import asyncio
import random
import secrets
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, update

from unionvote.config import Settings
from unionvote.consult.models import Consultation, Participant, Rating, Thought
from unionvote.consult.star import forget_board, next_thought
from unionvote.db import make_engine, make_session_factory, session_scope, utcnow
from unionvote.migrate import upgrade


async def _measure(url: str, thoughts: int, ratings: int, choices: int) -> dict[str, object]:
    engine = make_engine(Settings(database_url=url))
    factory = make_session_factory(engine)
    rng = random.Random(5)
    raters = ratings // 100
    try:
        async with session_scope(factory) as db:
            past = utcnow() - timedelta(hours=1)
            c = Consultation(question="Speed", audience="invited", share_opens_at=past, star_opens_at=past)
            db.add(c)
            await db.flush()
            people = [secrets.token_hex(16) for _ in range(raters)]
            await db.execute(insert(Participant), [{"id": p, "consultation_id": c.id, "key_hash": secrets.token_hex(32),
                                                    "person_ref": None} for p in people])
            ids = [secrets.token_hex(16) for _ in range(thoughts)]
            await db.execute(insert(Thought), [
                {"id": t, "consultation_id": c.id, "number": 100_000 + i, "participant_id": None, "text": f"t{i}",
                 "status": "visible", "ratings": 0, "star_sum": 0, "star_squares": 0, "skips": 0, "theme_id": None}
                for i, t in enumerate(ids)])
            totals = {t: [0, 0, 0] for t in ids}
            batch = []
            for p in people:
                for t in rng.sample(ids, 100):
                    stars = rng.randint(1, 5)
                    batch.append({"id": secrets.token_hex(16), "thought_id": t, "participant_id": p, "stars": stars})
                    acc = totals[t]
                    acc[0], acc[1], acc[2] = acc[0] + 1, acc[1] + stars, acc[2] + stars * stars
                if len(batch) >= 50_000:
                    await db.execute(insert(Rating), batch)
                    batch = []
            if batch:
                await db.execute(insert(Rating), batch)
            for t, (n, s, q) in totals.items():
                await db.execute(update(Thought).where(Thought.id == t).values(ratings=n, star_sum=s, star_squares=q))
        result: dict[str, object] = {"database": "sqlite", "thoughts": thoughts, "ratings": raters * 100,
                                     "choices": choices}
        async with factory() as db:
            consultation = await db.get(Consultation, c.id)
            for label, cold in (("board_read_each_time", True), ("board_at_most_1s_old", False)):
                timings = []
                for p in rng.sample(people, choices):
                    participant = await db.get(Participant, p)
                    if cold:
                        forget_board(db, c.id)  # type: ignore[arg-type]
                    started = time.perf_counter()
                    await next_thought(db, consultation, participant)  # type: ignore[arg-type]
                    timings.append((time.perf_counter() - started) * 1000)
                timings.sort()
                result[label] = {"median_ms": round(timings[len(timings) // 2], 1),
                                 "p95_ms": round(timings[int(0.95 * choices)], 1)}
        return result
    finally:
        await engine.dispose()


def service_speed(thoughts: int = 5000, ratings: int = 500_000, choices: int = 50) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite+aiosqlite:///{Path(directory) / 'speed.db'}"
        upgrade(url)
        return asyncio.run(_measure(url, thoughts, ratings, choices))
