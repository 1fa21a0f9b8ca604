"""Ballots on every open screen: opened, the turnout counter, closed, declared, void.

Each event is one websocket message of htmx out-of-band fragments on the conference's
topic, sent after the transaction commits. Every role in the conference may follow that
topic, so nothing sent here depends on who is watching and nothing in it is a tally of
votes before the result is declared: the counter carries how many voted, nothing else.

Element ids: `ballot-{id}` (a ballot's panel on the delegate's page), `ballot-{id}-turnout`
(the counter, wherever it is shown), `ballot-{id}-state` (one line on the chair's console),
`ballot-news` (a short sentence in each page's live region), `projector-stage`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.db import session_scope
from unionvote.live import Coalescer, publish_after_commit, render_fragment, screens_following
from unionvote.outages import service_unavailable
from unionvote.voting.models import Ballot, BallotState
from unionvote.voting.open_ballots import ballot_changed_here
from unionvote.voting.services import close_due_ballots, get_ballot
from unionvote.voting.views import view_of

log = logging.getLogger("unionvote.voting")

EVENTS = "voting/_events.html"
# Seconds: at most two counter updates a second per ballot from each worker, fewer on a crowded floor
# (unionvote.live.WRITES_PER_SECOND). Each update goes to every open screen of the conference.
TURNOUT_INTERVAL = 0.5
COUNTDOWN_CHECK = 1.0  # seconds between looks for ballots whose countdown has run out


def conference_topic(conference_id: int) -> str:
    return f"conference:{conference_id}"


async def ballot_changed(app: Litestar, db: AsyncSession, ballot: Ballot) -> None:
    """Queue the fragments for a ballot's new state (opened, closed, declared, void) until `db` commits; then
    every worker forgets what its casts remembered of a ballot no longer open (voting.open_ballots)."""
    view = await view_of(db, ballot)
    html = render_fragment(app, EVENTS, v=view, event=ballot.state)
    publish_after_commit(db, app.state.channels, conference_topic(ballot.conference_id), html)
    if ballot.state != BallotState.OPEN:  # only open ballots are remembered
        publish_after_commit(db, app.state.channels, ballot_news_channel(app), str(ballot.id))


def ballot_news_channel(app: Litestar) -> str:
    """The hub channel that tells every worker a ballot changed. No websocket may follow it (no topic rule)."""
    return f"{app.state.settings.redis_namespace}:ballot-changes"


async def hear_ballot_news(app: Litestar) -> None:
    """App startup (after the hub's): a ballot changed on any worker is forgotten by this one's casts at once."""
    subscriber = await app.state.channels.subscribe([ballot_news_channel(app)])

    def heard(payload: bytes | None) -> bool:
        if payload is not None and payload.isdigit():
            ballot_changed_here(int(payload))
        return True

    subscriber.put_nowait = heard  # applied as the hub hands it over, as credential news is
    app.state.ballot_news = subscriber


class _TurnoutFeed:
    """What publish_after_commit calls: hands the render to the coalescer under this ballot's own key."""

    def __init__(self, coalescer: Coalescer, ballot_id: int) -> None:
        self.coalescer, self.key = coalescer, f"turnout:{ballot_id}"

    def publish(self, data: Any, channels: str) -> None:
        self.coalescer.offer(self.key, channels, data)


def _coalescer(app: Litestar) -> Coalescer:
    if "turnout_coalescer" not in app.state:
        app.state.turnout_coalescer = Coalescer(app.state.channels, interval=TURNOUT_INTERVAL,
                                                audience=lambda topic: screens_following(app, topic))
    return app.state.turnout_coalescer  # type: ignore[no-any-return]


def turnout_changed(app: Litestar, db: AsyncSession, ballot_id: int, conference_id: int) -> None:
    """After a vote commits, every open counter of the ballot is re-read from the database (coalesced)."""

    async def render() -> str:
        async with session_scope(app.state.session_factory) as fresh:
            view = await view_of(fresh, await get_ballot(fresh, ballot_id))
        return render_fragment(app, EVENTS, v=view, event="turnout")

    publish_after_commit(db, _TurnoutFeed(_coalescer(app), ballot_id), conference_topic(conference_id), render)


async def close_due_now(app: Litestar) -> list[int]:
    """Close every ballot whose countdown ran out, in its own unit of work, and announce each."""
    async with session_scope(app.state.session_factory) as db:
        closed = await close_due_ballots(db)
        for ballot in closed:
            await ballot_changed(app, db, ballot)
        return [b.id for b in closed]  # type: ignore[misc]


async def _close_due_forever(app: Litestar) -> None:
    while True:
        await asyncio.sleep(COUNTDOWN_CHECK)
        try:
            await close_due_now(app)
        except Exception as exc:  # noqa: BLE001 - the next second tries again; a failure must not stop the clock
            if service_unavailable(exc):  # an outage: one line a second, not a stack trace a second
                log.warning("countdown check skipped: database unavailable", extra={"error": type(exc).__name__})
            else:
                log.exception("countdown check failed")


@asynccontextmanager
async def countdown_closer(app: Litestar) -> AsyncIterator[None]:
    """App lifespan: close ballots at their deadline, checking every second, while the app runs."""
    task = asyncio.get_running_loop().create_task(_close_due_forever(app))
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
