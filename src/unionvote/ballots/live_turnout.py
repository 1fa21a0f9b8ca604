"""Live turnout for the dashboard: after each vote commits, open dashboards get the new figures.

Topic `member_ballot:<id>`, followed by administrators and that ballot's organisers only.
Updates are coalesced to a few a second however fast votes arrive, and each renders from
the database as committed.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.auth import CurrentUser
from unionvote.ballots.models import MemberBallot
from unionvote.ballots.turnout import turnout
from unionvote.db import session_scope
from unionvote.live import Coalescer, publish_after_commit, render_fragment, topic_rule

FRAGMENT = "ballots/_turnout_live.html"
UPDATE_INTERVAL = 0.5


def ballot_topic(ballot_id: int) -> str:
    return f"member_ballot:{ballot_id}"


@topic_rule("member_ballot")
def _watchers_follow_member_ballots(user: CurrentUser | None, ident: str) -> bool:
    return user is not None and ident.isdigit() and (user.is_admin or user.organiser_of(int(ident)))


def member_ballot_coalescer(app: Litestar) -> Coalescer:
    if "member_ballot_coalescer" not in app.state:
        app.state.member_ballot_coalescer = Coalescer(app.state.channels, interval=UPDATE_INTERVAL)
    return app.state.member_ballot_coalescer  # type: ignore[no-any-return]


def turnout_changed(app: Litestar, db: AsyncSession, ballot_id: int) -> None:
    """Call in a request that records a vote: open dashboards update once `db` commits."""

    async def render() -> str:
        async with session_scope(app.state.session_factory) as fresh:
            ballot = await fresh.get(MemberBallot, ballot_id)
            shown: Any = await turnout(fresh, ballot, "employer")  # type: ignore[arg-type]
        return render_fragment(app, FRAGMENT, live=True, ballot=ballot, t=shown)

    publish_after_commit(db, member_ballot_coalescer(app), ballot_topic(ballot_id), render)
