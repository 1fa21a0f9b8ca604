"""The floor: the same database writes a vote needs, from a bare asyncpg loop, with nothing else around them.

Per vote, one transaction: read the ballot FOR SHARE, insert the participation row (ON CONFLICT DO
NOTHING on the voter's unique key) and the content row. No HTTP, no authentication, no eligibility
reads, no ORM. Our casts per second divided by this is how close the whole stack gets to the database.
"""

from __future__ import annotations

import asyncio
import time

import asyncpg
from sqlalchemy import make_url

from unionvote.db import utcnow
from unionvote.voting.receipts import choice_text, content_id, new_token, token_hash, tracker_of

BALLOT = "SELECT state FROM ballot WHERE id = $1 FOR SHARE"
PARTICIPATION = ("INSERT INTO ballot_participation (ballot_id, delegate_id, token_hash, voted_at) "
                 "VALUES ($1, $2, $3, $4) ON CONFLICT (ballot_id, delegate_id) DO NOTHING")
CONTENT = "INSERT INTO ballot_content (ballot_id, id, choice, weight, tracker) VALUES ($1, $2, $3, $4, $5)"


def asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def floor_casts(url: str, ballot_id: int, voters: list[tuple[int, tuple[str, ...]]], connections: int
                      ) -> dict[str, float | int]:
    """Every voter casts at once through `connections` connections; casts per second over the whole run."""
    pool = await asyncpg.create_pool(asyncpg_dsn(url), min_size=1, max_size=connections)
    assert pool is not None

    async def cast(delegate_id: int, choice: tuple[str, ...]) -> None:
        token = new_token()
        content = content_id(ballot_id, token)
        async with pool.acquire() as conn, conn.transaction():
            if await conn.fetchval(BALLOT, ballot_id) != "open":
                raise RuntimeError("the floor's ballot is not open")
            status = await conn.execute(PARTICIPATION, ballot_id, delegate_id, token_hash(ballot_id, token),
                                        utcnow())
            if status == "INSERT 0 1":
                await conn.execute(CONTENT, ballot_id, content, choice_text(choice), "1",
                                   tracker_of(ballot_id, content, choice, 1))  # type: ignore[arg-type]

    try:
        started = time.perf_counter()
        await asyncio.gather(*(cast(d, c) for d, c in voters))
        seconds = time.perf_counter() - started
    finally:
        await pool.close()
    return {"casts": len(voters), "connections": connections, "seconds": round(seconds, 3),
            "casts_per_second": round(len(voters) / seconds, 1)}
