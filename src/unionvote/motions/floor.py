"""On the floor: the chair moves motions, takes amendments, declares outcomes, and puts questions to the vote.

Every change is audited. An outcome from a ballot carries the ballot's id; one the chair
declares (show of hands, remitted, withdrawn with consent, fell, not reached) carries none.
"""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.conferences.eligibility import session_at
from unionvote.db import utcnow
from unionvote.i18n import N_, _
from unionvote.motions.amendments import LIVE, PART_OF_MOTION, amendments_of, change_of
from unionvote.motions.common import STATE_WORDS, MotionError, amendment_label, audit, motion_label, settings_of
from unionvote.motions.lines import overlaps
from unionvote.motions.models import Amendment, AmendmentState, FloorDecision, Motion, MotionState

ON_AGENDA = frozenset({MotionState.ADMITTED, MotionState.SCHEDULED})
# While its motion is in one of these states an amendment can still be decided, or its record corrected.
OPEN_TO_AMENDMENT = ON_AGENDA | {MotionState.MOVED}
# action -> (states it may follow, the state it leads to); "carried" becomes carried as amended when it was.
MOTION_ACTIONS: dict[str, tuple[frozenset[str], str]] = {
    "move": (ON_AGENDA, MotionState.MOVED),
    "carried": (frozenset({MotionState.MOVED}), MotionState.CARRIED),
    "lost": (frozenset({MotionState.MOVED}), MotionState.LOST),
    "remitted": (frozenset({MotionState.MOVED}), MotionState.REMITTED),
    "withdrawn": (ON_AGENDA | {MotionState.MOVED}, MotionState.WITHDRAWN),
    "fell": (ON_AGENDA | {MotionState.MOVED}, MotionState.FELL),
    "not_reached": (ON_AGENDA, MotionState.NOT_REACHED),
}
AMENDMENT_ACTIONS: dict[str, str] = {
    "accepted": AmendmentState.ACCEPTED, "carried": AmendmentState.CARRIED, "lost": AmendmentState.LOST,
    "withdrawn": AmendmentState.WITHDRAWN, "fell": AmendmentState.FELL,
}
ACTION_WORDS = {"move": N_("moved"), "carried": N_("carried"), "lost": N_("lost"), "remitted": N_("remitted"),
                "withdrawn": N_("withdrawn"), "fell": N_("fell"), "not_reached": N_("not reached"),
                "accepted": N_("accepted")}


def state_word(state: str) -> str:
    """A motion's or amendment's state as a reader says it, in their language ('carried as amended')."""
    return _(STATE_WORDS.get(state, state)).lower()


def actions_open(motion: Motion) -> list[str]:
    """What the chair may record for this motion now, for the console's buttons."""
    return [action for action, (allowed, _) in MOTION_ACTIONS.items() if motion.state in allowed]


async def pending_amendments(db: AsyncSession, motion: Motion) -> list[Amendment]:
    """Admitted amendments not yet decided, in line order: the voting order before the motion."""
    return [a for a in await amendments_of(db, motion.id) if a.state == AmendmentState.ADMITTED]  # type: ignore[arg-type]


async def decide_motion(db: AsyncSession, motion: Motion, *, action: str, by: int | None,
                        ballot_id: int | None = None) -> str:
    if action not in MOTION_ACTIONS:
        raise MotionError(_("Choose what happened to the motion: moved, carried, lost, remitted, withdrawn, fell "
                            "or not reached."))
    allowed, state = MOTION_ACTIONS[action]
    if motion.state not in allowed:
        raise MotionError(_('%(label)s is %(state)s, so "%(action)s" cannot be recorded for it now.')
                          % {"label": motion_label(motion), "state": state_word(motion.state),
                             "action": _(ACTION_WORDS[action])}, 409)
    amendments = await amendments_of(db, motion.id)  # type: ignore[arg-type]
    if action == "carried" or action == "lost":
        waiting = [a for a in amendments if a.state == AmendmentState.ADMITTED]
        if waiting:
            names = ", ".join(amendment_label(motion, a) for a in waiting)
            raise MotionError(_("Decide the amendments first (%(names)s): amendments are voted on before the "
                                "motion.") % {"names": names}, 409)
        if action == "carried" and any(a.state in PART_OF_MOTION for a in amendments):
            state = MotionState.CARRIED_AS_AMENDED
    fallen: list[Amendment] = []
    if state != MotionState.MOVED:
        for amendment in amendments:  # the motion is decided: what was not taken falls with it
            if amendment.state in LIVE:
                amendment.state = AmendmentState.FELL
                fallen.append(amendment)
        await _clear_deciding(db, motion.conference_id, motion_id=motion.id)
    before = motion.state
    motion.state = state
    if ballot_id is not None:
        motion.ballot_id = ballot_id
    await _record(db, motion, None, before, state, by=by, ballot_id=ballot_id, fell=fallen)
    await audit(db, motion.conference_id, by, "motion.state", motion_id=motion.id, state=state, ballot_id=ballot_id)
    return state


async def decide_amendment(db: AsyncSession, motion: Motion, amendment: Amendment, *, action: str, by: int | None,
                           ballot_id: int | None = None) -> list[Amendment]:
    """Record what happened to an amendment; when it becomes part of the motion, overlapping ones fall.

    Returns the amendments that fell because of it.
    """
    if action not in AMENDMENT_ACTIONS:
        raise MotionError(_("Choose what happened to the amendment: accepted by the mover, carried, lost, "
                            "withdrawn or fell."))
    label = amendment_label(motion, amendment)
    if amendment.state != AmendmentState.ADMITTED:
        raise MotionError(_("%(label)s is %(state)s: only an admitted amendment not yet decided can be.")
                          % {"label": label, "state": state_word(amendment.state)}, 409)
    if action in ("carried", "lost") and motion.state != MotionState.MOVED:
        raise MotionError(_("%(label)s has not been moved yet, so its amendments cannot be voted on.")
                          % {"label": motion_label(motion)}, 409)
    if action == "accepted" and motion.state not in OPEN_TO_AMENDMENT:
        raise MotionError(_("%(label)s is no longer open to amendment.") % {"label": motion_label(motion)}, 409)
    before = amendment.state
    amendment.state = AMENDMENT_ACTIONS[action]
    if ballot_id is not None:
        amendment.ballot_id = ballot_id
    fallen: list[Amendment] = []
    if amendment.state in PART_OF_MOTION:
        mine = change_of(amendment)
        for other in await amendments_of(db, motion.id):  # type: ignore[arg-type]
            if other.id != amendment.id and other.state in LIVE and overlaps(mine, change_of(other)):
                other.state = AmendmentState.FELL
                fallen.append(other)
    await _clear_deciding(db, motion.conference_id, amendment_id=amendment.id)
    await _record(db, motion, amendment, before, amendment.state, by=by, ballot_id=ballot_id, fell=fallen)
    await audit(db, motion.conference_id, by, "amendment.state", amendment_id=amendment.id, motion_id=motion.id,
                state=amendment.state, ballot_id=ballot_id, fell_amendment_ids=[a.id for a in fallen])
    return fallen


async def _clear_deciding(db: AsyncSession, conference_id: int, *, motion_id: int | None = None,
                          amendment_id: int | None = None) -> None:
    settings = await settings_of(db, conference_id, lock=True)
    if (motion_id is not None and settings.deciding_motion_id == motion_id) or (
            amendment_id is not None and settings.deciding_amendment_id == amendment_id):
        settings.deciding_motion_id = settings.deciding_amendment_id = None


async def put_to_vote(db: AsyncSession, conference_id: int, *, motion_id: int | None, amendment_id: int | None,
                      by: int) -> None:
    """What the 'voting now' view shows delegates: one question at a time, or none."""
    from unionvote.motions.voting_link import voting_subject

    settings = await settings_of(db, conference_id, lock=True)
    if motion_id is None and amendment_id is None:
        settings.deciding_motion_id = settings.deciding_amendment_id = None
    else:
        subject = await voting_subject(db, motion_id=motion_id, amendment_id=amendment_id)
        if subject.conference_id != conference_id:
            raise MotionError(_("There is no such motion in this conference."), 404)
        settings.deciding_motion_id = None if amendment_id is not None else motion_id
        settings.deciding_amendment_id = amendment_id
    await audit(db, conference_id, by, "floor.deciding", motion_id=settings.deciding_motion_id,
                amendment_id=settings.deciding_amendment_id)


async def set_current_item(db: AsyncSession, conference_id: int, item_id: int | None, *, by: int) -> None:
    from unionvote.motions.agenda import item_in

    if item_id is not None:
        await item_in(db, conference_id, item_id)
    settings = await settings_of(db, conference_id, lock=True)
    settings.current_item_id = item_id
    await audit(db, conference_id, by, "floor.current_item", item_id=item_id)


# ---- the record of decisions, and corrections -------------------------------------------------

async def _record(db: AsyncSession, motion: Motion, amendment: Amendment | None, before: str, after: str, *,
                  by: int | None, ballot_id: int | None, fell: list[Amendment], corrects: FloorDecision | None = None,
                  reason: str | None = None) -> FloorDecision:
    sitting = await session_at(db, motion.conference_id, utcnow())
    row = FloorDecision(conference_id=motion.conference_id, motion_id=motion.id,  # type: ignore[arg-type]
                        amendment_id=amendment.id if amendment else None, from_state=before, to_state=after,
                        ballot_id=ballot_id, fell=json.dumps([a.id for a in fell]),
                        business_session_id=sitting.id if sitting else None,
                        corrects_id=corrects.id if corrects else None, reason=reason, decided_by=by)
    db.add(row)
    await db.flush()
    return row


async def decisions_of(db: AsyncSession, motion_id: int) -> list[FloorDecision]:
    """Every decision recorded on a motion and its amendments, oldest first, corrections included."""
    return list((await db.execute(select(FloorDecision).where(FloorDecision.motion_id == motion_id)
                                  .order_by(FloorDecision.id))).scalars())


async def last_decision(db: AsyncSession, motion: Motion, amendment: Amendment | None) -> FloorDecision | None:
    rows = [d for d in await decisions_of(db, motion.id)  # type: ignore[arg-type]
            if d.amendment_id == (amendment.id if amendment else None)]
    return rows[-1] if rows else None


async def recently_decided(db: AsyncSession, conference_id: int, limit: int = 8) -> list[Motion]:
    """The motions with something recorded on the floor, most recent first: where the chair corrects mistakes."""
    ids: list[int] = []
    for motion_id in (await db.execute(select(FloorDecision.motion_id).where(
            FloorDecision.conference_id == conference_id).order_by(FloorDecision.id.desc()).limit(limit * 6))
            ).scalars():
        if motion_id not in ids:
            ids.append(motion_id)
    return [m for m in [await db.get(Motion, i) for i in ids[:limit]] if m is not None]


MAX_REASON = 500


async def correct_decision(db: AsyncSession, motion: Motion, amendment: Amendment | None, *, to_state: str,
                           reason: str, by: int) -> FloorDecision:
    """Put right an outcome the chair recorded by mistake: back to where it stood, or to another outcome.

    A correction is a new row and a new audit entry; the mistaken entry stays. Only the chair's own outcomes
    can be corrected (a declared ballot's result is changed by voiding it and voting again), and only in the
    sitting where it was recorded. Going back restores the amendments that fell with it.
    """
    label = amendment_label(motion, amendment) if amendment else motion_label(motion)
    reason = reason.strip()
    if not reason:
        raise MotionError(_("Give the reason for the correction; it is recorded with it."))
    if len(reason) > MAX_REASON:
        raise MotionError(_("The reason is longer than %(most)s characters.") % {"most": MAX_REASON})
    if amendment is not None and motion.state not in OPEN_TO_AMENDMENT:
        raise MotionError(_("%(motion)s has been decided with %(label)s as it stood then, so %(label)s can no "
                            "longer be corrected.") % {"motion": motion_label(motion), "label": label}, 409)
    last = await last_decision(db, motion, amendment)
    current = amendment.state if amendment else motion.state
    if last is None or last.to_state != current:
        raise MotionError(_("Nothing the chair recorded for %(label)s can be corrected.") % {"label": label}, 409)
    if last.ballot_id is not None:
        raise MotionError(_("%(label)s was decided by the declared result of ballot %(ballot)s: declare that "
                            "ballot void and take the vote again instead.")
                          % {"label": label, "ballot": last.ballot_id}, 409)
    sitting = await session_at(db, motion.conference_id, utcnow())
    if last.business_session_id is not None and (sitting is None or sitting.id != last.business_session_id):
        raise MotionError(_("%(label)s was recorded in an earlier session; only conference can now change it "
                            "(for example on a motion to rescind).") % {"label": label}, 409)
    allowed = correction_targets(last, amendment is not None)
    if to_state not in allowed:
        words = ", ".join(state_word(s) for s in allowed)
        raise MotionError(_("%(label)s can be corrected to: %(states)s.") % {"label": label, "states": words})
    restored: list[Amendment] = []
    if to_state == last.from_state:  # going back: what fell with the mistake comes back into the debate
        for amendment_id in json.loads(last.fell):
            other = await db.get(Amendment, amendment_id)
            if other is not None and other.state == AmendmentState.FELL:
                other.state = AmendmentState.ADMITTED
                restored.append(other)
    if amendment is not None:
        amendment.state = to_state
    else:
        motion.state = to_state
    row = await _record(db, motion, amendment, current, to_state, by=by, ballot_id=None, fell=[], corrects=last,
                        reason=reason)
    await audit(db, motion.conference_id, by, "amendment.corrected" if amendment else "motion.corrected",
                motion_id=motion.id, amendment_id=amendment.id if amendment else None, decision_id=row.id,
                corrects=last.id, **{"from": current, "to": to_state}, reason=reason,
                restored_amendment_ids=[a.id for a in restored])
    return row


def correction_targets(last: FloorDecision, for_amendment: bool) -> list[str]:
    """Where a recorded outcome may be corrected to: where it stood before, or another outcome from there."""
    if for_amendment:
        others = [state for state in AMENDMENT_ACTIONS.values() if state != last.to_state]
    else:
        others = [state for action, (allowed, state) in MOTION_ACTIONS.items()
                  if last.from_state in allowed and state != last.to_state and action != "move"]
    return [last.from_state, *others]
