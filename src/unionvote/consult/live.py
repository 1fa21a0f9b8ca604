"""Live counts on the staff page: participants, thoughts and ratings, a few updates a second at most."""

from __future__ import annotations

from typing import Any

from litestar import Litestar, Request
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.auth import CurrentUser
from unionvote.consult.models import Consultation
from unionvote.consult.setup import counts, may_run
from unionvote.db import session_scope
from unionvote.live import Coalescer, publish_after_commit, render_fragment, topic_check, topic_rule

FRAGMENT = "consult/_counts.html"
UPDATE_INTERVAL = 0.5


def consultation_topic(consultation_id: int) -> str:
    return f"consultation:{consultation_id}"


@topic_rule("consultation")
def _consultation_topic(user: CurrentUser | None, ident: str) -> bool:
    # Counts only, never content: staff pages follow them. Which consultation a person runs is
    # checked when the page is served; the counts themselves are not secret.
    return user is not None and ident.isdigit() and user.is_staff


@topic_check("consultation")
async def _runs_this_consultation(user: CurrentUser, ident: str, db: AsyncSession) -> bool:
    """Counts go to those who run this consultation, not to every officer of every conference."""
    consultation = await db.get(Consultation, int(ident))
    return consultation is not None and may_run(user, consultation)


def _coalescer(app: Litestar) -> Coalescer:
    if "consult_coalescer" not in app.state:
        app.state.consult_coalescer = Coalescer(app.state.channels, interval=UPDATE_INTERVAL)
    return app.state.consult_coalescer  # type: ignore[no-any-return]


def counts_changed(request: Request[Any, Any, Any], db: AsyncSession, consultation_id: int) -> None:
    """Call after a join, a thought or a rating: open staff pages update once `db` commits."""
    app = request.app

    async def render() -> str:
        async with session_scope(app.state.session_factory) as fresh:
            figures = await counts(fresh, consultation_id)
        return render_fragment(app, FRAGMENT, counts=figures, live=True)

    publish_after_commit(db, _coalescer(app), consultation_topic(consultation_id), render)
