"""Submitting motions before the deadline (emergency motions after it), supporters, and text versions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.db import utcnow
from unionvote.i18n import N_, _
from unionvote.motions.common import (
    MotionError,
    audit,
    clean_reason,
    clean_title,
    ensure_body_in,
    ensure_represents,
    motion_label,
    settings_of,
)
from unionvote.motions.lines import Line, TextProblem, join_text, parse_text
from unionvote.motions.models import (
    Amendment,
    AmendmentState,
    Motion,
    MotionKind,
    MotionState,
    MotionSupporter,
    MotionVersion,
)

# Before the committee has ruled, the text can still change.
EDITABLE = frozenset({MotionState.SUBMITTED, MotionState.ADMITTED, MotionState.SCHEDULED})


def deadline_words(moment: datetime, time_zone: str) -> str:
    from zoneinfo import ZoneInfo

    local = moment.astimezone(ZoneInfo(time_zone))
    return f"{local.day} {local.strftime('%B %Y, %H:%M')} ({time_zone} time)"


def checked_lines(text: str, what: str = N_("The motion")) -> list[Line]:
    try:
        return parse_text(text, what=what)
    except TextProblem as exc:
        raise MotionError(str(exc)) from exc


async def next_number(db: AsyncSession, conference_id: int) -> int:
    top = (await db.execute(select(func.max(Motion.number)).where(Motion.conference_id == conference_id))).scalar()
    return (top or 0) + 1


async def submit_motion(db: AsyncSession, conference_id: int, *, body_id: int, title: str, text: str, kind: str,
                        by: int, time_zone: str, emergency_reason: str = "",
                        supporters: list[int] | None = None) -> Motion:
    """A motion from a body, by one of its delegates, before the motions deadline (emergencies after it)."""
    await ensure_represents(db, conference_id, by, body_id)
    return await file_motion(db, conference_id, body_id=body_id, title=title, text=text, kind=kind, by=by,
                             time_zone=time_zone, emergency_reason=emergency_reason, supporters=supporters)


async def file_motion(db: AsyncSession, conference_id: int, *, body_id: int, title: str, text: str, kind: str,
                      by: int | None, time_zone: str, emergency_reason: str = "",
                      supporters: list[int] | None = None) -> Motion:
    """The same rules, once it is settled who may act for the body (a delegate of it, or staff entering a
    motion the body sent in)."""
    if kind not in (MotionKind.ORDINARY, MotionKind.EMERGENCY, MotionKind.RULE_CHANGE):
        raise MotionError(_("Choose an ordinary motion, an emergency motion or a rule change."))
    title = clean_title(title)
    lines = checked_lines(text)
    await ensure_body_in(db, conference_id, body_id)
    settings = await settings_of(db, conference_id, lock=True)
    now = utcnow()
    deadline = settings.motion_deadline
    reason = None
    if kind == MotionKind.EMERGENCY:
        reason = clean_reason(emergency_reason, what=N_("the reason this is an emergency (what happened after the "
                                                     "deadline)"))
        if deadline is not None and now <= deadline:
            raise MotionError(_("The motions deadline has not passed yet, so submit this as an ordinary motion "
                                "before %(deadline)s.") % {"deadline": deadline_words(deadline, time_zone)})
    elif deadline is not None and now > deadline:
        raise MotionError(_("The deadline for motions was %(deadline)s. Only emergency motions can be submitted "
                            "now.") % {"deadline": deadline_words(deadline, time_zone)}, 409)
    backers = sorted(set(supporters or []) - {body_id})
    for backer in backers:
        await ensure_body_in(db, conference_id, backer)
    motion = Motion(conference_id=conference_id, number=await next_number(db, conference_id), kind=kind, title=title,
                    body_id=body_id, submitted_by=by, emergency_reason=reason)
    db.add(motion)
    await db.flush()
    db.add(MotionVersion(motion_id=motion.id, version=1, text=join_text(lines), made_by=by))  # type: ignore[arg-type]
    for backer in backers:
        db.add(MotionSupporter(motion_id=motion.id, body_id=backer))  # type: ignore[arg-type]
    await db.flush()
    await audit(db, conference_id, by, "motion.submitted", motion_id=motion.id, number=motion.number, kind=kind,
                body_id=body_id, supporter_body_ids=backers)
    return motion


async def current_version(db: AsyncSession, motion: Motion) -> MotionVersion:
    return await version_of(db, motion, motion.version)


async def version_of(db: AsyncSession, motion: Motion, version: int) -> MotionVersion:
    found = (await db.execute(select(MotionVersion).where(MotionVersion.motion_id == motion.id,
                                                          MotionVersion.version == version))).scalar_one_or_none()
    if found is None:
        raise MotionError(_("%(motion)s has no version %(version)s.") % {"motion": motion_label(motion),
                                                                          "version": version}, 404)
    return found


async def versions(db: AsyncSession, motion_id: int) -> list[MotionVersion]:
    return list((await db.execute(select(MotionVersion).where(MotionVersion.motion_id == motion_id)
                                  .order_by(MotionVersion.version))).scalars())


async def supporters_of(db: AsyncSession, motion_id: int) -> list[int]:
    return list((await db.execute(select(MotionSupporter.body_id).where(MotionSupporter.motion_id == motion_id)
                                  .order_by(MotionSupporter.body_id))).scalars())


async def edit_text(db: AsyncSession, motion: Motion, *, text: str, by: int, as_committee: bool) -> MotionVersion:
    """A new version of the text. The submitter may edit before the deadline; after it, only the committee."""
    if motion.state not in EDITABLE:
        raise MotionError(_("%(motion)s is no longer open to changes.") % {"motion": motion_label(motion)}, 409)
    if not as_committee:
        if motion.submitted_by != by:
            raise MotionError(_("Only the delegate who submitted the motion, or the committee, can change its text."),
                              403)
        deadline = (await settings_of(db, motion.conference_id)).motion_deadline
        if deadline is not None and utcnow() > deadline and motion.kind != MotionKind.EMERGENCY:
            raise MotionError(_("The motions deadline has passed: only the committee can change the text now."), 409)
    live = (await db.execute(select(func.count()).select_from(Amendment).where(
        Amendment.motion_id == motion.id,
        Amendment.state.in_([AmendmentState.SUBMITTED, AmendmentState.ADMITTED])))).scalar_one()
    if live:
        raise MotionError(_("%(motion)s has amendments waiting, made against its line numbers. Rule them out or "
                            "have them withdrawn before changing the text.") % {"motion": motion_label(motion)}, 409)
    lines = checked_lines(text)
    if join_text(lines) == (await current_version(db, motion)).text:
        raise MotionError(_("The text is the same as the current version, so nothing changed."))
    motion.version += 1
    version = MotionVersion(motion_id=motion.id, version=motion.version, text=join_text(lines),  # type: ignore[arg-type]
                            made_by=by)
    db.add(version)
    await db.flush()
    await audit(db, motion.conference_id, by, "motion.text_changed", motion_id=motion.id, version=motion.version,
                by_committee=as_committee)
    return version
