"""The live quorum panel for the chair and officers.

After any change to who is accredited or present commits, every open panel of that
conference re-reads quorum from the database and gets the new figures over the
websocket, at most twice a second however many delegates check in at once.
The figures hold counts only (no names), because every role in the conference,
delegates included, may follow the conference topic.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Litestar, Request, get
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.conferences.access import quorum_readers
from unionvote.conferences.models import BusinessSession
from unionvote.conferences.pages_common import conference_page, load_conference
from unionvote.conferences.quorum import quorum
from unionvote.db import session_scope
from unionvote.live import Coalescer, publish_after_commit, render_fragment

FRAGMENT = "conferences/_quorum.html"
UPDATE_INTERVAL = 0.5  # seconds between updates of one conference's panel


def conference_topic(conference_id: int) -> str:
    return f"conference:{conference_id}"


async def panel_context(db: AsyncSession, conference_id: int) -> dict[str, Any]:
    status = await quorum(db, conference_id)
    session = (await db.get(BusinessSession, status.business_session_id)
               if status.business_session_id is not None else None)
    return {"q": status, "session_name": session.name if session is not None else None}


def _coalescer(app: Litestar) -> Coalescer:
    if "quorum_coalescer" not in app.state:
        app.state.quorum_coalescer = Coalescer(app.state.channels, interval=UPDATE_INTERVAL)
    return app.state.quorum_coalescer  # type: ignore[no-any-return]


def quorum_changed(request: Request[Any, Any, Any], db: AsyncSession, conference_id: int) -> None:
    """Call in any request that changes accreditation or presence: open panels update once `db` commits."""
    app = request.app

    async def render() -> str:
        async with session_scope(app.state.session_factory) as fresh:
            context = await panel_context(fresh, conference_id)
        return render_fragment(app, FRAGMENT, live=True, **context)

    publish_after_commit(db, _coalescer(app), conference_topic(conference_id), render)


class QuorumPages(Controller):
    path = "/conferences/{conference_id:int}/quorum"
    guards = [quorum_readers]
    include_in_schema = False

    @get("/")
    async def panel(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                    ) -> Template:
        conference = await load_conference(db_session, conference_id)
        return conference_page("conferences/quorum.html", request, conference,
                               **await panel_context(db_session, conference_id))
