"""What the voting domain asks of motions: what is being decided, in what order, and where results go."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.errors import RuleViolation
from unionvote.i18n import _
from unionvote.motions.agenda import items_in_order
from unionvote.motions.amendments import describe, motion_as_amended
from unionvote.motions.common import STATE_WORDS, MotionError, amendment_label, motion_label
from unionvote.motions.floor import decide_amendment, decide_motion, pending_amendments
from unionvote.motions.lines import parse_text, text_of_lines
from unionvote.motions.models import Amendment, AmendmentState, Motion, MotionKind, MotionState
from unionvote.motions.submission import version_of


@dataclass(frozen=True)
class VotingSubject:
    conference_id: int
    motion_id: int | None
    amendment_id: int | None
    agenda_item_id: int | None
    title: str  # e.g. "Amendment 12.1 to Motion 12: Fair pay now"
    question: str  # plain text the voter sees: what exactly is being decided
    two_thirds: bool  # rule-change motions need two thirds


def _motion_title(motion: Motion) -> str:
    return f"{motion_label(motion)}: {motion.title}"


async def _motion_subject(db: AsyncSession, motion: Motion) -> VotingSubject:
    amended = await motion_as_amended(db, motion)
    text = "\n".join(f"{line.number}  {line.text}" if line.text else "" for line in amended.lines)
    lead = (f"That conference adopts {_motion_title(motion)}"
            + (f", as amended by {', '.join(amended.amendments)}" if amended.changed else "") + ":")
    if motion.kind == MotionKind.RULE_CHANGE:
        lead += " (a rule change: it needs a two-thirds majority)"
    return VotingSubject(motion.conference_id, motion.id, None, motion.agenda_item_id, _motion_title(motion),
                         f"{lead}\n\n{text}", motion.kind == MotionKind.RULE_CHANGE)


async def _amendment_subject(db: AsyncSession, motion: Motion, amendment: Amendment) -> VotingSubject:
    label = amendment_label(motion, amendment)
    lines = parse_text((await version_of(db, motion, amendment.motion_version)).text)
    parts = [f"That {label} be carried: {describe(amendment)} of {motion_label(motion)}."]
    if amendment.kind != "insert":
        old = text_of_lines(lines, amendment.first_line, amendment.last_line)
        parts.append("Taking out:\n" + "\n".join(old))
    if amendment.text:
        parts.append("Putting in:\n" + amendment.text)
    return VotingSubject(motion.conference_id, motion.id, amendment.id, motion.agenda_item_id,
                         f"{label} to {_motion_title(motion)}", "\n\n".join(parts), False)


async def _load(db: AsyncSession, motion_id: int | None, amendment_id: int | None
                ) -> tuple[Motion, Amendment | None]:
    if motion_id is None and amendment_id is None:
        raise MotionError(_("Name a motion or an amendment."), 400)
    amendment = None
    if amendment_id is not None:
        amendment = await db.get(Amendment, amendment_id)
        if amendment is None or (motion_id is not None and amendment.motion_id != motion_id):
            raise MotionError(_("There is no such amendment."), 404)
        motion_id = amendment.motion_id
    motion = await db.get(Motion, motion_id)
    if motion is None:
        raise MotionError(_("There is no such motion."), 404)
    return motion, amendment


async def voting_subject(db: AsyncSession, *, motion_id: int | None = None, amendment_id: int | None = None
                         ) -> VotingSubject:
    """What a ballot on this motion or amendment decides. 404 unknown; 409 when it cannot be voted on now."""
    motion, amendment = await _load(db, motion_id, amendment_id)
    if motion.state != MotionState.MOVED:
        raise MotionError(_("%(motion)s (%(state)s): only a motion that has been moved can be voted on.") % {
            "motion": motion_label(motion), "state": _(STATE_WORDS.get(motion.state, motion.state))}, 409)
    if amendment is not None:
        if amendment.state != AmendmentState.ADMITTED:
            raise MotionError(_("%(amendment)s (%(state)s): it cannot be voted on.") % {
                "amendment": amendment_label(motion, amendment),
                "state": _(STATE_WORDS.get(amendment.state, amendment.state))}, 409)
        return await _amendment_subject(db, motion, amendment)
    waiting = await pending_amendments(db, motion)
    if waiting:
        names = ", ".join(amendment_label(motion, a) for a in waiting)
        raise MotionError(_("Vote on the amendments first (%(names)s), then on the motion.") % {"names": names}, 409)
    return await _motion_subject(db, motion)


async def votable_items(db: AsyncSession, conference_id: int) -> list[VotingSubject]:
    """What the chair may put to the vote now, in voting order: each moved motion's amendments, then the motion."""
    moved = list((await db.execute(select(Motion).where(Motion.conference_id == conference_id,
                                                        Motion.state == MotionState.MOVED))).scalars())
    order = {item.id: i for i, item in enumerate(await items_in_order(db, conference_id))}
    moved.sort(key=lambda m: (order.get(m.agenda_item_id, len(order)), m.debate_order, m.number))
    out: list[VotingSubject] = []
    for motion in moved:
        for amendment in await pending_amendments(db, motion):
            out.append(await _amendment_subject(db, motion, amendment))
        out.append(await _motion_subject(db, motion))
    return out


def in_voting_order(items: list[VotingSubject]) -> list[tuple[VotingSubject, bool]]:
    """Each question with whether it can be voted on now: a motion waits until its amendments are decided."""
    waiting = {s.motion_id for s in items if s.amendment_id is not None}
    return [(s, s.amendment_id is not None or s.motion_id not in waiting) for s in items]


async def record_vote_outcome(db: AsyncSession, *, motion_id: int | None = None, amendment_id: int | None = None,
                              carried: bool, ballot_id: int, actor: str) -> None:
    """A declared result: amendment carried or lost; motion carried, carried as amended, or lost."""
    motion, amendment = await _load(db, motion_id, amendment_id)
    action = "carried" if carried else "lost"
    by = _user_of(actor)
    if amendment is not None:
        await decide_amendment(db, motion, amendment, action=action, by=by, ballot_id=ballot_id)
    else:
        await decide_motion(db, motion, action=action, by=by, ballot_id=ballot_id)


def _user_of(actor: str) -> int | None:
    kind, _, ident = actor.partition(":")
    if kind == "user" and ident.isdigit():
        return int(ident)
    if actor == "system":
        return None
    raise RuleViolation(_("The actor must be 'system' or 'user:<id>'."), 400)
