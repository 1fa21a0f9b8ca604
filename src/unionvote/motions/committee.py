"""The conference arrangements committee: rulings, emergency acceptance, recommendations, composites."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.i18n import N_, _
from unionvote.motions.common import (
    STATE_WORDS,
    MotionError,
    amendment_label,
    audit,
    clean_reason,
    clean_title,
    motion_in,
    motion_label,
    settings_of,
)
from unionvote.motions.lines import join_text
from unionvote.motions.models import (
    Amendment,
    AmendmentState,
    Motion,
    MotionKind,
    MotionState,
    MotionSupporter,
    MotionVersion,
    Recommendation,
)
from unionvote.motions.submission import checked_lines, next_number

# The committee may change its mind until the motion reaches the floor.
RULABLE = frozenset({MotionState.SUBMITTED, MotionState.ADMITTED, MotionState.RULED_OUT})


async def rule_motion(db: AsyncSession, motion: Motion, *, in_order: bool, reason: str, by: int) -> None:
    """In order, or out of order with a published reason. Emergency motions need a reason to be accepted too."""
    if motion.state not in RULABLE:
        raise MotionError(_("%(motion)s (%(state)s): it can no longer be ruled on.") % {
            "motion": motion_label(motion), "state": _(STATE_WORDS.get(motion.state, motion.state))}, 409)
    if in_order:
        needs_reason = motion.kind == MotionKind.EMERGENCY
        words = clean_reason(reason, what=N_("why the committee accepts this as an emergency"), required=needs_reason)
        motion.state, motion.ruling_reason = MotionState.ADMITTED, words
    else:
        words = clean_reason(reason, what=N_("the reason it is out of order (for example, not competent business)"))
        motion.state, motion.ruling_reason = MotionState.RULED_OUT, words
        motion.agenda_item_id = None
    await audit(db, motion.conference_id, by, "motion.ruled", motion_id=motion.id, in_order=in_order,
                state=motion.state)


async def rule_amendment(db: AsyncSession, motion: Motion, amendment: Amendment, *, in_order: bool, reason: str,
                         by: int) -> None:
    if amendment.state not in (AmendmentState.SUBMITTED, AmendmentState.ADMITTED, AmendmentState.RULED_OUT):
        raise MotionError(_("%(amendment)s has been decided already.")
                          % {"amendment": amendment_label(motion, amendment)}, 409)
    if in_order:
        amendment.state, amendment.ruling_reason = AmendmentState.ADMITTED, clean_reason(reason, required=False)
    else:
        amendment.state = AmendmentState.RULED_OUT
        amendment.ruling_reason = clean_reason(reason, what=N_("the reason it is out of order"))
    await audit(db, motion.conference_id, by, "amendment.ruled", amendment_id=amendment.id, motion_id=motion.id,
                in_order=in_order)


async def recommend(db: AsyncSession, motion: Motion, *, recommendation: str, note: str, by: int) -> None:
    if recommendation not in set(Recommendation):
        raise MotionError(_("Choose support, oppose, remit or support with qualification."))
    qualified = recommendation == Recommendation.QUALIFIED
    motion.recommendation = recommendation
    motion.recommendation_note = clean_reason(note, what=N_("the qualification"), required=qualified)
    await audit(db, motion.conference_id, by, "motion.recommendation", motion_id=motion.id,
                recommendation=recommendation)


async def composite(db: AsyncSession, conference_id: int, *, motion_ids: list[int], title: str, text: str,
                    by: int) -> Motion:
    """A composite replacing several motions: the sources are marked composited, their bodies support it."""
    ids = sorted(set(motion_ids))
    if len(ids) < 2:
        raise MotionError(_("Choose at least two motions to composite."))
    title = clean_title(title)
    lines = checked_lines(text, what=N_("The composite"))
    await settings_of(db, conference_id, lock=True)  # motion numbers are given out one at a time
    sources = [await motion_in(db, conference_id, ident, lock=True) for ident in ids]
    for source in sources:
        if source.state not in (MotionState.SUBMITTED, MotionState.ADMITTED):
            raise MotionError(_("%(motion)s (%(state)s) cannot be composited. Choose motions not yet ruled out or "
                                "scheduled.") % {"motion": motion_label(source),
                                                 "state": _(STATE_WORDS.get(source.state, source.state))}, 409)
    two_thirds = any(s.kind == MotionKind.RULE_CHANGE for s in sources)
    if two_thirds and not all(s.kind == MotionKind.RULE_CHANGE for s in sources):
        raise MotionError(_("A rule change can only be composited with other rule changes."))
    merged = Motion(conference_id=conference_id, number=await next_number(db, conference_id),
                    kind=MotionKind.RULE_CHANGE if two_thirds else MotionKind.COMPOSITE, title=title,
                    body_id=None, submitted_by=by, state=MotionState.ADMITTED)
    db.add(merged)
    await db.flush()
    db.add(MotionVersion(motion_id=merged.id, version=1, text=join_text(lines), made_by=by))  # type: ignore[arg-type]
    for body_id in sorted({s.body_id for s in sources if s.body_id is not None}):
        db.add(MotionSupporter(motion_id=merged.id, body_id=body_id))  # type: ignore[arg-type]
    for source in sources:
        source.state, source.composited_into, source.agenda_item_id = MotionState.COMPOSITED, merged.id, None
        for amendment in (await db.execute(select(Amendment).where(
                Amendment.motion_id == source.id,
                Amendment.state.in_([AmendmentState.SUBMITTED, AmendmentState.ADMITTED])))).scalars():
            amendment.state = AmendmentState.FELL
    await db.flush()
    await audit(db, conference_id, by, "motion.composited", motion_id=merged.id, number=merged.number,
                replaces_motion_ids=ids)
    return merged


async def composited_from(db: AsyncSession, motion_id: int) -> list[Motion]:
    return list((await db.execute(select(Motion).where(Motion.composited_into == motion_id)
                                  .order_by(Motion.number))).scalars())
