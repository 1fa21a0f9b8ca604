"""Live floor updates: the speakers list and the 'voting now' panel, pushed after each change commits.

Topic "floor:<conference id>": anyone with a role in the conference may follow it, as they
may read the pages it updates. Fragments carry no forms (a broadcast cannot hold each
reader's CSRF token): the buttons stay on the pages themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from litestar import Request
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.auth import CurrentUser
from unionvote.db import utcnow
from unionvote.errors import RuleViolation
from unionvote.i18n import TranslatedWords
from unionvote.live import publish_after_commit, render_fragment, topic_rule
from unionvote.motions.agenda import item_in
from unionvote.motions.common import settings_of
from unionvote.motions.models import AgendaItem
from unionvote.motions.speakers import STANCE_WORDS, SpeakerRow, speakers_list, time_spoken
from unionvote.motions.voting_link import VotingSubject, voting_subject

FRAGMENT = "motions/_floor_live.html"


def floor_topic(conference_id: int) -> str:
    return f"floor:{conference_id}"


@topic_rule("floor")
def _floor_topic(user: CurrentUser | None, ident: str) -> bool:
    return user is not None and ident.isdigit() and (user.is_admin or bool(user.roles_in(int(ident))))


def clock_text(seconds: int) -> str:
    """Minutes and seconds as a hall clock shows them: 2:05, or -0:12 once time is up."""
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    return f"{sign}{seconds // 60}:{seconds % 60:02d}"


@dataclass(frozen=True)
class SpeakingClock:
    """The speech going on now against the chair's limits, as rendered by the server at `at`."""

    at: datetime
    speech_seconds: int | None
    speech_ends_at: datetime | None
    item_seconds: int | None
    item_spoken: int

    @property
    def speech_left(self) -> int | None:
        return None if self.speech_ends_at is None else int((self.speech_ends_at - self.at).total_seconds())

    @property
    def item_left(self) -> int | None:
        return None if self.item_seconds is None else self.item_seconds - self.item_spoken

    @property
    def speech_left_text(self) -> str:
        return "" if self.speech_left is None else clock_text(self.speech_left)

    @property
    def item_left_text(self) -> str:
        return "" if self.item_left is None else clock_text(self.item_left)

    @property
    def item_seconds_text(self) -> str:
        return "" if self.item_seconds is None else clock_text(self.item_seconds)


@dataclass(frozen=True)
class FloorNow:
    item: AgendaItem | None
    speakers: list[SpeakerRow]
    deciding: VotingSubject | None
    clock: SpeakingClock | None = None


async def floor_now(db: AsyncSession, conference_id: int) -> FloorNow:
    settings = await settings_of(db, conference_id)
    item = await item_in(db, conference_id, settings.current_item_id) if settings.current_item_id else None
    speakers = await speakers_list(db, conference_id, item.id) if item is not None else []  # type: ignore[arg-type]
    deciding = None
    if settings.deciding_motion_id or settings.deciding_amendment_id:
        try:
            deciding = await voting_subject(db, motion_id=settings.deciding_motion_id,
                                            amendment_id=settings.deciding_amendment_id)
        except RuleViolation:  # decided since: nothing is being put now
            deciding = None
    clock = None
    if item is not None:
        now = utcnow()
        speaking = next((row for row in speakers if row.state == "called" and row.called_at is not None), None)
        ends = (speaking.called_at + timedelta(seconds=settings.speech_seconds)  # type: ignore[operator]
                if speaking is not None and settings.speech_seconds else None)
        clock = SpeakingClock(now, settings.speech_seconds, ends, item.speaking_seconds,
                              await time_spoken(db, item.id, now))  # type: ignore[arg-type]
    return FloorNow(item, speakers, deciding, clock)


def floor_context(now: FloorNow) -> dict[str, Any]:
    return {"floor": now, "stance_words": TranslatedWords(STANCE_WORDS)}


async def floor_changed(request: Request[Any, Any, Any], db: AsyncSession, conference_id: int) -> None:
    """Call after a floor or speakers change: followers get the new list and question once `db` commits."""
    await db.flush()
    html = render_fragment(request.app, FRAGMENT, live=True, **floor_context(await floor_now(db, conference_id)))
    publish_after_commit(db, request.app.state.channels, floor_topic(conference_id), html)
