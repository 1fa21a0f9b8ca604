"""What every motions rule shares: the error type, audit entries in the conference's chain, lookups, labels."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.audit.services import actor_of, record, scope_of
from unionvote.conferences import lookup
from unionvote.conferences.register import AccreditationStatus, DelegateRole
from unionvote.db import is_postgres, locked
from unionvote.errors import RuleViolation
from unionvote.i18n import N_, _
from unionvote.motions.models import Amendment, Motion, MotionKind, MotionsSettings, MotionState

MAX_REASON = 2000

STATE_WORDS = {
    MotionState.SUBMITTED: N_("Submitted"), MotionState.ADMITTED: N_("Admitted"),
    MotionState.RULED_OUT: N_("Ruled out of order"), MotionState.COMPOSITED: N_("Composited"),
    MotionState.SCHEDULED: N_("Scheduled"), MotionState.MOVED: N_("Moved"), MotionState.CARRIED: N_("Carried"),
    MotionState.CARRIED_AS_AMENDED: N_("Carried as amended"), MotionState.LOST: N_("Lost"),
    MotionState.REMITTED: N_("Remitted"), MotionState.WITHDRAWN: N_("Withdrawn (with consent)"),
    MotionState.FELL: N_("Fell"), MotionState.NOT_REACHED: N_("Not reached"),
    "accepted": N_("Accepted by the mover"), "ruled_out": N_("Ruled out of order"), "carried": N_("Carried"),
    "lost": N_("Lost"), "withdrawn": N_("Withdrawn"), "fell": N_("Fell"), "submitted": N_("Submitted"),
    "admitted": N_("Admitted"),
}
KIND_WORDS = {MotionKind.ORDINARY: N_("Motion"), MotionKind.EMERGENCY: N_("Emergency motion"),
              MotionKind.RULE_CHANGE: N_("Rule change"), MotionKind.COMPOSITE: N_("Composite motion")}
RECOMMENDATION_WORDS = {"support": N_("Support"), "oppose": N_("Oppose"), "remit": N_("Remit"),
                        "support_with_qualification": N_("Support with qualification")}


class MotionError(RuleViolation):
    """A motions request the rules refuse."""


async def audit(db: AsyncSession, conference_id: int, by: int | None, action: str, **payload: Any) -> None:
    await record(db, scope=scope_of("conference", conference_id), actor=actor_of(by), action=action, payload=payload)


def motion_label(motion: Motion) -> str:
    return f"{_(KIND_WORDS.get(motion.kind, N_('Motion')))} {motion.number}"


def amendment_label(motion: Motion, amendment: Amendment) -> str:
    return _("Amendment %(motion)s.%(amendment)s") % {"motion": motion.number, "amendment": amendment.number}


def clean_reason(text: str, *, what: str = N_("the reason"), required: bool = True) -> str | None:
    text = " ".join((text or "").split())
    if not text:
        if required:
            raise MotionError(_("Give %(what)s, in a few words.") % {"what": _(what)})
        return None
    if len(text) > MAX_REASON:
        raise MotionError(_("Keep %(what)s to %(most)s characters.") % {"what": _(what), "most": MAX_REASON})
    return text


def clean_title(text: str) -> str:
    title = " ".join((text or "").split())
    if not title:
        raise MotionError(_("Give the motion a title, such as 'Fair pay now'."))
    if len(title) > 200:
        raise MotionError(_("Keep the title to 200 characters."))
    return title


async def motion_in(db: AsyncSession, conference_id: int, motion_id: int, *, lock: bool = False) -> Motion:
    query = select(Motion).where(Motion.id == motion_id, Motion.conference_id == conference_id)
    motion = (await (locked(db, query) if lock else db.execute(query))).scalar_one_or_none()
    if motion is None:
        raise MotionError(_("There is no such motion in this conference."), 404)
    return motion


async def amendment_in(db: AsyncSession, conference_id: int, amendment_id: int, *, lock: bool = False
                       ) -> tuple[Motion, Amendment]:
    query = select(Amendment).join(Motion, Motion.id == Amendment.motion_id).where(
        Amendment.id == amendment_id, Motion.conference_id == conference_id)
    amendment = (await (locked(db, query) if lock else db.execute(query))).scalar_one_or_none()
    if amendment is None:
        raise MotionError(_("There is no such amendment in this conference."), 404)
    return await motion_in(db, conference_id, amendment.motion_id, lock=lock), amendment


async def settings_of(db: AsyncSession, conference_id: int, *, lock: bool = False) -> MotionsSettings:
    """The conference's motions settings, made on first use."""
    query = select(MotionsSettings).where(MotionsSettings.conference_id == conference_id)
    found = (await (locked(db, query) if lock else db.execute(query))).scalar_one_or_none()
    if found is None:  # two first uses at once must not both insert the row
        upsert = pg_insert if is_postgres(db) else sqlite_insert
        await db.execute(upsert(MotionsSettings).values(conference_id=conference_id).on_conflict_do_nothing())
        found = (await locked(db, query)).scalar_one()
    return found


async def body_names(db: AsyncSession, conference_id: int) -> dict[int, str]:
    return {b.id: b.name for b in await lookup.bodies_of(db, conference_id)}  # type: ignore[misc]


async def ensure_body_in(db: AsyncSession, conference_id: int, body_id: int) -> None:
    if body_id not in await body_names(db, conference_id):
        raise MotionError(_("There is no such body in this conference."), 404)


async def ensure_represents(db: AsyncSession, conference_id: int, user_id: int, body_id: int) -> None:
    """Only a delegate of a body may act for it: on the register for it, and not revoked."""
    await ensure_body_in(db, conference_id, body_id)
    delegate = await lookup.delegate_for_user(db, conference_id, user_id)
    if (delegate is None or delegate.body_id != body_id
            or delegate.role not in (DelegateRole.DELEGATE, DelegateRole.SUBSTITUTE)
            or delegate.status == AccreditationStatus.REVOKED):
        names = await body_names(db, conference_id)
        raise MotionError(_("You are not a delegate of %(body)s, so you cannot act for it.")
                          % {"body": names[body_id]}, 403)
