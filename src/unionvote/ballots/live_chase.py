"""Reps' chase lists follow the votes: when a member votes, the open lists of their workplace and branch
fetch themselves again, and the member drops off.

Topic `chase:<ballot id>-<scope key>`, one per workplace or branch of a ballot; only a rep granted that
very scope may follow it (checked against the database at connect). What goes out says only "a vote
came in here": the list itself comes back through the rep's own, guarded, list page.
"""

from __future__ import annotations

import hashlib

from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.auth import CurrentUser
from unionvote.ballots.chasing import Scope, scope_of_rep
from unionvote.ballots.live_turnout import member_ballot_coalescer
from unionvote.ballots.services import MemberBallotError
from unionvote.live import publish_after_commit, topic_check, topic_rule


def scope_key(kind: str, value: str) -> str:
    """A workplace's or branch's name, which may hold any character, as a topic's part."""
    return hashlib.sha256(f"{kind}\n{value}".encode()).hexdigest()[:20]


def chase_topic(scope: Scope) -> str:
    return f"chase:{scope.ballot_id}-{scope_key(scope.kind, scope.value)}"


def _parts(ident: str) -> tuple[int, str] | None:
    ballot, _, key = ident.partition("-")
    return (int(ballot), key) if ballot.isdigit() and len(key) == 20 else None


@topic_rule("chase")
def _signed_in_may_ask(user: CurrentUser | None, ident: str) -> bool:
    return user is not None and _parts(ident) is not None


@topic_check("chase")
async def _only_the_scopes_rep(user: CurrentUser, ident: str, db: AsyncSession) -> bool:
    parts = _parts(ident)
    if parts is None:
        return False
    try:
        scope = await scope_of_rep(db, parts[0], user.id)
    except MemberBallotError:
        return False
    return scope_key(scope.kind, scope.value) == parts[1]


def nudge(ballot_id: int) -> str:
    """Swapped into the rep's page by id; htmx then fetches the list again (a moment apart for each rep)."""
    return (f'<div id="chase-news" hx-swap-oob="true"><span hx-get="/chase/{ballot_id}/list" '
            'hx-trigger="load delay:1s" hx-target="#chase-list" hx-select="#chase-list" hx-swap="outerHTML">'
            '</span></div>')


def member_voted(app: Litestar, db: AsyncSession, ballot_id: int, workplace: str, branch: str) -> None:
    """Call in a request that records a member's vote: their workplace's and branch's reps hear once `db`
    commits (coalesced, so a busy workplace's reps fetch a few times a second at most)."""
    for kind, value in (("workplace", workplace), ("branch", branch)):
        if value:
            publish_after_commit(db, member_ballot_coalescer(app), chase_topic(Scope(ballot_id, kind, value)),
                                 nudge(ballot_id))
