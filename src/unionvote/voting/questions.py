"""Ballots on the floor's questions: a motion or amendment becomes a ballot with its own title, question and rule.

The console, the floor and the API all prepare ballots through `spec_from_draft`, so a ballot on a
motion is titled and worded by the motion (never by the form) and a rule change needs two thirds.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.i18n import SOURCE_LANGUAGE, _, current_language, speaking
from unionvote.motions import floor as floor_rules
from unionvote.motions.voting_link import VotingSubject, voting_subject
from unionvote.voting import services
from unionvote.voting.models import Ballot, BallotState
from unionvote.voting.schemas import BallotDraft, to_spec
from unionvote.voting.services import BallotError, BallotSpec


async def subject_in(db: AsyncSession, conference_id: int, *, motion_id: int | None, amendment_id: int | None
                     ) -> VotingSubject:
    subject = await voting_subject(db, motion_id=motion_id, amendment_id=amendment_id)
    if subject.conference_id != conference_id:
        raise BallotError(_("There is no such motion in this conference."), 404)
    return subject


async def spec_from_draft(db: AsyncSession, conference_id: int, draft: BallotDraft) -> BallotSpec:
    """A checked spec: a free-standing question as written, or the motion's or amendment's own words."""
    if draft.motion_id is None and draft.amendment_id is None:
        return to_spec(draft)
    subject = await subject_in(db, conference_id, motion_id=draft.motion_id, amendment_id=draft.amendment_id)
    if current_language() != SOURCE_LANGUAGE:  # refusals above in the chair's language; the record's words English
        with speaking(SOURCE_LANGUAGE):
            subject = await subject_in(db, conference_id, motion_id=draft.motion_id, amendment_id=draft.amendment_id)
    return dataclasses.replace(to_spec(draft, title=subject.title, question=subject.question,
                                       two_thirds=subject.two_thirds),
                               motion_id=subject.motion_id, amendment_id=subject.amendment_id,
                               agenda_item_id=subject.agenda_item_id)


async def live_ballot_on(db: AsyncSession, subject: VotingSubject) -> Ballot | None:
    """A ballot on this very question that is open or closed and not yet declared, if there is one."""
    for ballot in await services.ballots_of(db, subject.conference_id, states=[BallotState.OPEN,
                                                                               BallotState.CLOSED]):
        if ballot.motion_id == subject.motion_id and ballot.amendment_id == subject.amendment_id:
            return ballot
    return None


async def put_question(db: AsyncSession, conference_id: int, draft: BallotDraft, *, by: int,
                       override_reason: str | None = None) -> Ballot:
    """The chair's one step: the ballot is made from the motion or amendment, opened, and shown to delegates."""
    if draft.motion_id is None and draft.amendment_id is None:
        raise BallotError(_("Choose the motion or amendment to put to the vote."))
    subject = await subject_in(db, conference_id, motion_id=draft.motion_id, amendment_id=draft.amendment_id)
    running = await live_ballot_on(db, subject)
    if running is not None:
        raise BallotError(_("%(title)s is already being voted on (ballot %(ballot)s); close and declare that ballot "
                            "first.") % {"title": subject.title, "ballot": running.id}, 409)
    ballot = await services.create_ballot(db, conference_id, await spec_from_draft(db, conference_id, draft), by=by)
    assert ballot.id is not None
    await services.open_ballot(db, ballot.id, by=by, conference_id=conference_id, override_reason=override_reason)
    await floor_rules.put_to_vote(db, conference_id, motion_id=subject.motion_id if subject.amendment_id is None
                                  else None, amendment_id=subject.amendment_id, by=by)
    return ballot
