"""Moderation: participants report thoughts; staff hide, restore or approve them with a reason; staff respond.

Reasons are chosen from a fixed list, so the audit chain never carries free text that could
name someone. Responses ("what we will do") are shown to participants in Discover.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.audit.services import actor_of, record
from unionvote.consult.models import Consultation, Participant, Report, Response, Thought, ThoughtStatus
from unionvote.consult.participation import random_id, saved
from unionvote.consult.setup import ConsultError, audit_scope
from unionvote.consult.star import forget_board
from unionvote.i18n import N_, _

REPORT_REASONS = {
    "abusive": N_("Abusive or offensive"),
    "personal": N_("Names or identifies someone"),
    "off-topic": N_("Not about the question"),
    "spam": N_("Spam or advertising"),
}
HIDE_REASONS = {**REPORT_REASONS, "duplicate": N_("Repeats another thought")}
RESTORE_REASONS = {
    "acceptable": N_("Reviewed: it is acceptable"),
    "edited-context": N_("Reviewed: the report was mistaken"),
}
ACTIONS = {"hide": (HIDE_REASONS, ThoughtStatus.HIDDEN), "restore": (RESTORE_REASONS, ThoughtStatus.VISIBLE),
           "approve": (RESTORE_REASONS, ThoughtStatus.VISIBLE)}
CHOOSE_A_REASON = {"hide": N_("Choose a reason to hide this thought."),
                   "restore": N_("Choose a reason to restore this thought."),
                   "approve": N_("Choose a reason to approve this thought.")}


async def _thought_in(db: AsyncSession, consultation: Consultation, thought_id: str) -> Thought:
    thought = await db.get(Thought, thought_id) if len(thought_id) <= 32 else None
    if thought is None or thought.consultation_id != consultation.id:
        raise ConsultError(_("There is no such thought in this consultation."), 404)
    return thought


async def report(db: AsyncSession, consultation: Consultation, participant: Participant, thought_id: str,
                 reason: str) -> None:
    if reason not in REPORT_REASONS:
        raise ConsultError("Choose why you are reporting this thought.")
    thought = await _thought_in(db, consultation, thought_id)
    if thought.status != ThoughtStatus.VISIBLE:
        raise ConsultError("That thought is already withdrawn for review.", 409)
    participant = await saved(db, participant)
    try:
        async with db.begin_nested():
            db.add(Report(id=random_id(), thought_id=thought.id, participant_id=participant.id, reason=reason))
    except IntegrityError:
        raise ConsultError("You have reported this thought already; staff will look at it.", 409) from None


async def moderate(db: AsyncSession, consultation: Consultation, thought_id: str, action: str, reason: str, *,
                   by: int) -> Thought:
    if action not in ACTIONS:
        raise ConsultError(_("Choose to hide, restore or approve the thought."))
    reasons, status = ACTIONS[action]
    if reason not in reasons:
        raise ConsultError(_(CHOOSE_A_REASON[action]))
    thought = await _thought_in(db, consultation, thought_id)
    if action == "approve" and thought.status != ThoughtStatus.HELD:
        raise ConsultError(_("Only thoughts held for review can be approved."), 409)
    if action == "restore" and thought.status != ThoughtStatus.HIDDEN:
        raise ConsultError(_("Only hidden thoughts can be restored."), 409)
    if action == "hide" and thought.status == ThoughtStatus.HIDDEN:
        raise ConsultError(_("That thought is hidden already."), 409)
    thought.status = status
    forget_board(db, consultation.id)  # type: ignore[arg-type]
    await db.execute(update(Report).where(Report.thought_id == thought.id).values(resolved=True))
    await record(db, scope=audit_scope(consultation.id), actor=actor_of(by), action=f"thought.{action}",  # type: ignore[arg-type]
                 payload={"consultation": consultation.id, "thought": thought.id, "reason": reason})
    return thought


@dataclass(frozen=True)
class QueueItem:
    thought: Thought
    reports: dict[str, int]  # reason -> how many


async def review_queue(db: AsyncSession, consultation_id: int) -> list[QueueItem]:
    """Thoughts held for review or reported and not yet reviewed; then hidden ones, to restore."""
    counts = (await db.execute(select(Report.thought_id, Report.reason, func.count())
                               .join(Thought, Thought.id == Report.thought_id)
                               .where(Thought.consultation_id == consultation_id, Report.resolved.is_(False))
                               .group_by(Report.thought_id, Report.reason))).all()
    reported: dict[str, dict[str, int]] = {}
    for thought_id, reason, n in counts:
        reported.setdefault(thought_id, {})[reason] = n
    rows = (await db.execute(select(Thought).where(
        Thought.consultation_id == consultation_id,
        (Thought.status != ThoughtStatus.VISIBLE) | Thought.id.in_(list(reported) or [""]))
        .order_by(Thought.status, Thought.number))).scalars()
    return [QueueItem(t, reported.get(t.id, {})) for t in rows]


async def respond(db: AsyncSession, consultation: Consultation, thought_id: str, text: str, *, by: int) -> Response:
    text = text.strip()
    if not text:
        raise ConsultError("Write the response before posting it.")
    if len(text) > 2000:
        raise ConsultError(f"The response is {len(text)} characters long; keep it to 2,000.")
    thought = await _thought_in(db, consultation, thought_id)
    response = (await db.execute(select(Response).where(Response.thought_id == thought.id))).scalar_one_or_none()
    if response is None:
        response = Response(thought_id=thought.id, text=text, by_user_id=by)
        db.add(response)
    else:
        response.text = text
    await db.flush()
    await record(db, scope=audit_scope(consultation.id), actor=actor_of(by), action="thought.responded",  # type: ignore[arg-type]
                 payload={"consultation": consultation.id, "thought": thought.id, "response": response.id})
    return response


async def responses(db: AsyncSession, consultation_id: int) -> dict[str, Response]:
    rows = (await db.execute(select(Response).join(Thought, Thought.id == Response.thought_id)
                             .where(Thought.consultation_id == consultation_id))).scalars()
    return {r.thought_id: r for r in rows}
