"""Each worker's ear for PostgreSQL's announcements of changed logins (`credentials.NOTIFY_CHANNEL`).

One connection of its own per worker, outside the pool, runs `LISTEN unionvote_credentials`. Every
transaction that ends or changes a login sends `NOTIFY unionvote_credentials, '<keys as JSON>'` before it
commits (`credentials._notify_in_the_transaction`); PostgreSQL delivers it to every listener when, and only
when, that transaction commits. The worker forgets those keys at once, so it may keep its answers for ten
minutes instead of thirty seconds: a delegate's vote, minutes after they opened the page, is answered from
memory.

If the connection is lost (the database restarted, a network fault, a terminated backend), announcements
would go unheard: the worker forgets everything, goes back to the short lifetime, and connects again
(every second, then less often); once listening again it forgets everything once more, so nothing read
while it was deaf is kept. A quiet connection is checked every few seconds, so a silently dead one is
noticed within that time, not only when TCP gives up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import asyncpg
from litestar import Litestar
from sqlalchemy.engine import make_url

from unionvote.credentials import NOTIFY_CHANNEL, CredentialCache

log = logging.getLogger("unionvote.credential_news")

CHECK_SECONDS = 5.0  # how often a quiet listening connection is asked whether it is still there
RETRY_SECONDS = (1.0, 2.0, 5.0)  # waits between attempts to listen again, the last repeated
APPLICATION_NAME = "unionvote: changed logins"  # how the connection shows in pg_stat_activity


def asyncpg_dsn(database_url: str) -> str:
    """The libpq-style address asyncpg takes, from the SQLAlchemy URL."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _listen_once(dsn: str, cache: CredentialCache, listening: asyncio.Event) -> None:
    """Listen until the connection is lost or fails a check; returns (or raises) when it is."""
    connection: Any = await asyncpg.connect(dsn, timeout=10, server_settings={"application_name": APPLICATION_NAME})
    lost = asyncio.Event()

    def heard(_connection: Any, _pid: int, _channel: str, payload: str) -> None:
        cache.heard(payload.encode())

    try:
        connection.add_termination_listener(lambda _connection: lost.set())
        await connection.add_listener(NOTIFY_CHANNEL, heard)
        cache.started_listening()
        listening.set()
        log.info("listening for changed logins")
        while not lost.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lost.wait(), CHECK_SECONDS)
            if not lost.is_set():
                await asyncio.wait_for(connection.fetchval("SELECT 1"), CHECK_SECONDS)
    finally:
        listening.clear()
        cache.stopped_listening()
        with contextlib.suppress(Exception):
            await connection.close(timeout=2)


async def keep_listening(dsn: str, cache: CredentialCache, listening: asyncio.Event) -> None:
    failures = 0
    while True:
        try:
            await _listen_once(dsn, cache, listening)
            failures = 0
        except asyncio.CancelledError:
            raise
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("not listening for changed logins: using the short memory",
                        extra={"error": type(exc).__name__})
            failures += 1
        await asyncio.sleep(RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)])


async def start_listening(app: Litestar) -> None:
    """App startup (PostgreSQL): begin listening in the background; the app serves meanwhile, on the short
    lifetime until the first LISTEN has succeeded."""
    settings = app.state.settings
    app.state.credential_listening = asyncio.Event()
    if settings.is_sqlite or not settings.credential_listen or settings.credential_cache_seconds <= 0:
        app.state.credential_listener = None
        return
    app.state.credential_listener = asyncio.create_task(
        keep_listening(asyncpg_dsn(settings.database_url), app.state.credential_cache, app.state.credential_listening),
        name="credential-news")


async def stop_listening(app: Litestar) -> None:
    task = app.state.get("credential_listener")
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
