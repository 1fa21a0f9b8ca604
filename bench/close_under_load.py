"""How long does the chair's close wait while votes pour in? The ballot row's FOR SHARE lock against a
shared advisory lock.

    .venv/bin/python bench/close_under_load.py [--casts 3000] [--connections 40] [--close-after 100]

Casts today (voting.casting) read the ballot row FOR SHARE, and the close takes it FOR UPDATE, so a
close waits for the casts in flight. PostgreSQL lets a new FOR SHARE locker in while a FOR UPDATE
waits, so under a storm that never lets up the close waits until the storm thins out. A shared
advisory lock (casts) against an exclusive one (close) queues fairly instead: later casts wait behind
the close and then see the ballot closed. Both variants here are bare asyncpg on a fresh database:
the same two inserts per cast, the close asked for once `--close-after` casts have been acknowledged.
Prints one JSON object: for each variant, seconds from asking to close until it committed, and how
many casts were acknowledged in between.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.pg when run as a script
sys.path.insert(0, str(Path(__file__).resolve().parent))

import asyncpg  # noqa: E402
from storm_floor import CONTENT, PARTICIPATION, asyncpg_dsn  # noqa: E402
from tests.pg import fresh_postgres_database  # noqa: E402

from unionvote.conferences.services import create_conference  # noqa: E402
from unionvote.config import Settings  # noqa: E402
from unionvote.db import make_engine, make_session_factory, session_scope, utcnow  # noqa: E402
from unionvote.migrate import upgrade  # noqa: E402
from unionvote.voting.receipts import content_id, new_token, token_hash  # noqa: E402
from unionvote.voting.services import BallotSpec, create_ballot  # noqa: E402

CAST_READ = {"row": ["SELECT state FROM ballot WHERE id = $1 FOR SHARE"],
             "advisory": ["SELECT pg_advisory_xact_lock_shared(7301, $1)", "SELECT state FROM ballot WHERE id = $1"]}
CLOSE_LOCK = {"row": ["SELECT state FROM ballot WHERE id = $1 FOR UPDATE"],
              "advisory": ["SELECT pg_advisory_xact_lock(7301, $1)",
                           "SELECT state FROM ballot WHERE id = $1 FOR UPDATE"]}


async def trial(dsn: str, variant: str, ballot_id: int, casts: int, connections: int, close_after: int
                ) -> dict[str, Any]:
    pool = await asyncpg.create_pool(dsn, min_size=connections, max_size=connections)
    assert pool is not None
    acknowledged, enough, marks = 0, asyncio.Event(), {}
    started = time.perf_counter()

    async def cast(delegate_id: int) -> None:
        nonlocal acknowledged
        token = new_token()
        async with pool.acquire() as conn:
            async with conn.transaction():
                state = None
                for statement in CAST_READ[variant]:
                    state = await conn.fetchval(statement, ballot_id)
                if state != "open":
                    return  # refused: voting has closed
                await conn.execute(PARTICIPATION, ballot_id, delegate_id, token_hash(ballot_id, token), utcnow())
                await conn.execute(CONTENT, ballot_id, content_id(ballot_id, token), '["for"]', "1", "X")
        acknowledged += 1
        if acknowledged == close_after:
            enough.set()

    async def close() -> None:
        await enough.wait()
        marks["asked"], marks["acknowledged_when_asked"] = time.perf_counter(), acknowledged
        conn = await asyncpg.connect(dsn)
        try:
            async with conn.transaction():
                for statement in CLOSE_LOCK[variant]:
                    await conn.fetchval(statement, ballot_id)
                await conn.execute("UPDATE ballot SET state = 'closed' WHERE id = $1", ballot_id)
        finally:
            await conn.close()
        marks["closed"], marks["acknowledged_when_closed"] = time.perf_counter(), acknowledged

    try:
        await asyncio.gather(*(cast(d) for d in range(1, casts + 1)), close())
    finally:
        await pool.close()
    return {"close_waited_seconds": round(marks["closed"] - marks["asked"], 3),
            "casts_acknowledged_while_close_waited": marks["acknowledged_when_closed"]
            - marks["acknowledged_when_asked"], "casts_acknowledged": acknowledged,
            "storm_seconds": round(time.perf_counter() - started, 2)}


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    async with fresh_postgres_database(args.postgres) as url:
        await asyncio.to_thread(upgrade, url)
        engine = make_engine(Settings(database_url=url))
        try:
            async with session_scope(make_session_factory(engine)) as db:
                conference = await create_conference(db, slug="close-bench", name="Close bench", by=None)
                ballots = [(await create_ballot(db, conference.id, BallotSpec(title="T", question="Q"),  # type: ignore[arg-type]
                                                by=None)).id for _ in range(2 * args.rounds)]
        finally:
            await engine.dispose()
        dsn = asyncpg_dsn(url)
        conn = await asyncpg.connect(dsn)
        await conn.execute("UPDATE ballot SET state = 'open'")  # no electorate needed for bare inserts
        await conn.close()
        result: dict[str, Any] = {"casts": args.casts, "connections": args.connections,
                                  "close_after": args.close_after, "row": [], "advisory": []}
        for round_ in range(args.rounds):
            for offset, variant in enumerate(("row", "advisory")):
                result[variant].append(await trial(dsn, variant, ballots[2 * round_ + offset],  # type: ignore[arg-type]
                                                   args.casts, args.connections, args.close_after))
        return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--casts", type=int, default=3000)
    parser.add_argument("--connections", type=int, default=40)
    parser.add_argument("--close-after", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--postgres", default=os.environ.get("UNIONVOTE_TEST_POSTGRES_URL",
                                                             "postgresql+asyncpg://postgres@127.0.0.1:5432/test"))
    print(json.dumps(asyncio.run(main_async(parser.parse_args()))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
