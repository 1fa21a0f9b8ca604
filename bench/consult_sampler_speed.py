"""How long Star takes to choose a member's next thought, database included, with 5,000 thoughts and 500,000 ratings.

Builds a migrated database (bulk inserts, not the service, so set-up takes seconds), then times
what the Star page asks of the database for each choice: the participant's next thought and
their progress (`star.next_with_progress`), alone and as the whole request's database work (a
session of its own, loading the consultation and participant, the choice, the commit).
Participants have each rated 100 thoughts (a few skipped). Two boards per database:

- `board_at_most_1s_old`: as the service runs; each worker reads the visible thoughts' running
  totals at most once a second per consultation (here: the board is warm).
- `board_read_each_time`: the totals are read from the database for every choice.

Wall-clock times on a shared machine include waiting for a core; `cpu_ms_per_request` (the
process's CPU time per request, database threads included) is the work itself.

Prints one JSON object. SQLite always; PostgreSQL too when UNIONVOTE_TEST_POSTGRES_URL is set (a
database of the bench's own, `<name>_consult_speed`, is made on that server and dropped afterwards).

    .venv/bin/python bench/consult_sampler_speed.py
    .venv/bin/python bench/consult_sampler_speed.py --choices 500 --keep /tmp/speed.db   # reuse the SQLite file
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from unionvote.config import Settings
from unionvote.consult.models import Consultation, Participant, Rating, Thought
from unionvote.consult.star import forget_board, next_with_progress
from unionvote.db import make_engine, make_session_factory, session_scope, utcnow
from unionvote.migrate import upgrade

RATED_EACH = 100


async def _build(db: AsyncSession, thoughts: int, ratings: int, rng: random.Random) -> int:
    past = utcnow() - timedelta(hours=1)
    c = Consultation(question="Speed", audience="invited", share_opens_at=past, star_opens_at=past)
    db.add(c)
    await db.flush()
    people = [secrets.token_hex(16) for _ in range(ratings // RATED_EACH)]
    for start in range(0, len(people), 5000):
        await db.execute(insert(Participant), [{"id": p, "consultation_id": c.id, "key_hash": secrets.token_hex(32),
                                                "person_ref": None} for p in people[start:start + 5000]])
    # A tenth of the thoughts are the participants' own, so "never one's own" is exercised.
    ids = [secrets.token_hex(16) for _ in range(thoughts)]
    await db.execute(insert(Thought), [
        {"id": t, "consultation_id": c.id, "number": 100_000 + i, "text": f"thought {i}", "status": "visible",
         "participant_id": people[i] if i % 10 == 0 else None, "ratings": 0, "star_sum": 0, "star_squares": 0,
         "skips": 0, "theme_id": None} for i, t in enumerate(ids)])
    totals = {t: [0, 0, 0, 0] for t in ids}
    batch: list[dict[str, object]] = []
    for p in people:
        for t in rng.sample(ids, RATED_EACH):
            stars = None if rng.random() < 0.05 else rng.randint(1, 5)
            batch.append({"id": secrets.token_hex(16), "thought_id": t, "participant_id": p, "stars": stars})
            acc = totals[t]
            if stars is None:
                acc[3] += 1
            else:
                acc[0], acc[1], acc[2] = acc[0] + 1, acc[1] + stars, acc[2] + stars * stars
        if len(batch) >= 50_000:
            await db.execute(insert(Rating), batch)
            batch = []
    if batch:
        await db.execute(insert(Rating), batch)
    await db.execute(update(Thought), [{"id": t, "ratings": n, "star_sum": s, "star_squares": q, "skips": k}
                                       for t, (n, s, q, k) in totals.items()])
    return c.id  # type: ignore[return-value]


def _summary(timings: list[float]) -> dict[str, float]:
    timings = sorted(timings)
    return {"p50_ms": round(timings[len(timings) // 2], 2), "p95_ms": round(timings[int(0.95 * len(timings))], 2),
            "max_ms": round(timings[-1], 2)}


async def _measure(url: str, thoughts: int, ratings: int, choices: int, *, build: bool) -> dict[str, object]:
    engine = make_engine(Settings(database_url=url))
    factory = make_session_factory(engine)
    rng = random.Random(5)
    try:
        if build:
            started = time.perf_counter()
            async with session_scope(factory) as db:
                await _build(db, thoughts, ratings, rng)
            if engine.dialect.name == "postgresql":
                async with engine.connect() as conn:
                    await conn.execute(text("ANALYZE"))
            built_s = round(time.perf_counter() - started, 1)
        else:
            built_s = 0.0
        async with factory() as db:
            consultation_id = (await db.execute(select(Consultation.id).order_by(Consultation.id.desc()))).scalar()
            people = list((await db.execute(select(Participant.id).where(
                Participant.consultation_id == consultation_id))).scalars())
        result: dict[str, object] = {"database": engine.dialect.name, "thoughts": thoughts, "ratings": ratings,
                                     "choices": choices, "build_seconds": built_s}
        for label, cold in (("board_at_most_1s_old", False), ("board_read_each_time", True)):
            choice, page = [], []
            cpu_started = time.process_time()
            for p in rng.sample(people, min(choices, len(people))):
                if cold:
                    async with factory() as db:
                        forget_board(db, consultation_id)  # type: ignore[arg-type]
                started = time.perf_counter()
                async with factory() as db:  # what one Star page asks of the database, in its own transaction
                    consultation = await db.get(Consultation, consultation_id)
                    participant = await db.get(Participant, p)
                    loaded = time.perf_counter()
                    chosen, _ = await next_with_progress(db, consultation, participant)  # type: ignore[arg-type]
                    choice.append((time.perf_counter() - loaded) * 1000)
                    await db.commit()
                page.append((time.perf_counter() - started) * 1000)
                assert chosen is not None and chosen.participant_id != p
            # CPU time of this process (all its threads) per request: the work itself, without waiting for a core.
            cpu_ms = (time.process_time() - cpu_started) * 1000 / len(page)
            skip = 5 if len(page) > 20 else 0  # the first few choices warm the caches
            result[label] = {"next_thought_and_progress": _summary(choice[skip:]),
                             "whole_request_incl_session_and_loading": _summary(page[skip:]),
                             "cpu_ms_per_request": round(cpu_ms, 2)}
        result["load_average_1min"] = round(os.getloadavg()[0], 1)
        return result
    finally:
        await engine.dispose()


def sqlite_speed(thoughts: int, ratings: int, choices: int, keep: Path | None) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as directory:
        path = keep or Path(directory) / "speed.db"
        build = not path.exists()
        url = f"sqlite+aiosqlite:///{path}"
        upgrade(url)
        return asyncio.run(_measure(url, thoughts, ratings, choices, build=build))


@asynccontextmanager
async def _own_database(server_url: str) -> AsyncIterator[str]:
    """A fresh database next to the one in `server_url`, dropped afterwards; never the given database itself."""
    base, _, name = server_url.rpartition("/")
    own = f"{name.split('?')[0]}_consult_speed"
    admin = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{own}"'))
            await conn.execute(text(f'CREATE DATABASE "{own}"'))
        yield f"{base}/{own}"
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)'))
        await admin.dispose()


def postgres_speed(server_url: str, thoughts: int, ratings: int, choices: int) -> dict[str, object]:
    async def run() -> dict[str, object]:
        async with _own_database(server_url) as url:
            await asyncio.to_thread(upgrade, url)
            return await _measure(url, thoughts, ratings, choices, build=True)

    return asyncio.run(run())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--thoughts", type=int, default=5000)
    parser.add_argument("--ratings", type=int, default=500_000)
    parser.add_argument("--choices", type=int, default=200)
    parser.add_argument("--keep", type=Path, help="SQLite file to build once and reuse on later runs")
    args = parser.parse_args()
    result = {"sqlite": sqlite_speed(args.thoughts, args.ratings, args.choices, args.keep)}
    if url := os.environ.get("UNIONVOTE_TEST_POSTGRES_URL"):
        result["postgresql"] = postgres_speed(url, args.thoughts, args.ratings, args.choices)
    json.dump(result, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
