"""Nominations: who may nominate, statements, support from delegates, withdrawal, the committee's decision."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.conferences import lookup
from unionvote.conferences.register import AccreditationStatus, Delegate
from unionvote.db import locked, utcnow
from unionvote.elections.models import Election, ElectionState, Nomination, NominationState, NominatorKind, Support
from unionvote.elections.services import ElectionError, audit_election, get_election, locked_election
from unionvote.i18n import _


def _check_open(election: Election) -> None:
    if election.state != ElectionState.NOMINATIONS or utcnow() >= election.nominations_close_at:
        raise ElectionError(_("Nominations for this election have closed."), 409)


def _check_statement(election: Election, statement: str) -> str:
    statement = statement.replace("\r\n", "\n").strip()
    if len(statement) > election.statement_limit:
        raise ElectionError(_("The statement is %(length)s characters long; the limit is %(limit)s. Shorten it by "
                              "%(over)s.") % {"length": len(statement), "limit": election.statement_limit,
                                              "over": len(statement) - election.statement_limit})
    return statement


async def _delegate_of(db: AsyncSession, conference_id: int, user_id: int) -> Delegate | None:
    delegate = await lookup.delegate_for_user(db, conference_id, user_id)
    if delegate is None or delegate.status == AccreditationStatus.REVOKED:
        return None
    return delegate


async def nominate(db: AsyncSession, conference_id: int, election_id: int, *, candidate_name: str, statement: str,
                   body_id: int | None, by: int, on_behalf: bool = False) -> Nomination:
    """A body's delegate nominates for the body; or, when delegates nominate, a delegate is the first supporter.

    `on_behalf`: the committee entering a nomination received on paper."""
    election = await locked_election(db, conference_id, election_id)
    _check_open(election)
    name = " ".join(candidate_name.split())
    if not 1 <= len(name) <= 200:
        raise ElectionError(_("Give the candidate's name (1 to 200 characters)."))
    text = _check_statement(election, statement)
    delegate = None if on_behalf else await _delegate_of(db, conference_id, by)
    if not on_behalf and delegate is None:
        raise ElectionError(_("Only delegates of this conference can nominate."), 403)
    if election.nominator_kind == NominatorKind.BODY:
        if body_id is None:
            raise ElectionError(_("Choose the body making the nomination."))
        if body_id not in {b.id for b in await lookup.bodies_of(db, conference_id)}:
            raise ElectionError(_("There is no such body in this conference."), 404)
        if delegate is not None and delegate.body_id != body_id:
            raise ElectionError(_("You can nominate only for the body you are a delegate of."), 403)
    else:
        body_id = None
    same = (await db.execute(select(Nomination.id).where(
        Nomination.election_id == election.id, Nomination.candidate_name == name,
        Nomination.state != NominationState.WITHDRAWN))).first()
    if same is not None:
        raise ElectionError(_("%(name)s is already nominated for this election.") % {"name": name}, 409)
    nomination = Nomination(election_id=election.id, candidate_name=name, statement=text, body_id=body_id,
                            nominated_by=by)
    db.add(nomination)
    await db.flush()
    if election.nominator_kind == NominatorKind.DELEGATES and delegate is not None:
        db.add(Support(nomination_id=nomination.id, user_id=by))  # type: ignore[arg-type]
    await audit_election(db, election, by, "nominated", nomination=nomination.id, body=body_id, on_behalf=on_behalf)
    return nomination


async def nomination_in(db: AsyncSession, conference_id: int, election_id: int, nomination_id: int) -> Nomination:
    nomination = await db.get(Nomination, nomination_id)
    await get_election(db, conference_id, election_id)
    if nomination is None or nomination.election_id != election_id:
        raise ElectionError(_("There is no such nomination in this election."), 404)
    return nomination


async def support(db: AsyncSession, conference_id: int, election_id: int, nomination_id: int, *, by: int) -> None:
    election = await locked_election(db, conference_id, election_id)
    _check_open(election)
    if election.nominator_kind != NominatorKind.DELEGATES:
        raise ElectionError(_("In this election bodies nominate; delegates do not add support."), 409)
    nomination = await nomination_in(db, conference_id, election_id, nomination_id)
    if nomination.state == NominationState.WITHDRAWN:
        raise ElectionError(_("That nomination has been withdrawn."), 409)
    if await _delegate_of(db, conference_id, by) is None:
        raise ElectionError(_("Only delegates of this conference can support a nomination."), 403)
    try:
        async with db.begin_nested():
            db.add(Support(nomination_id=nomination.id, user_id=by))  # type: ignore[arg-type]
    except IntegrityError:
        raise ElectionError(_("You already support this nomination."), 409) from None
    await audit_election(db, election, by, "supported", nomination=nomination.id)


async def supporters(db: AsyncSession, nomination_ids: list[int]) -> dict[int, int]:
    if not nomination_ids:
        return {}
    rows = await db.execute(select(Support.nomination_id, func.count()).where(
        Support.nomination_id.in_(nomination_ids)).group_by(Support.nomination_id))
    return {nid: n for nid, n in rows.all()}


async def withdraw(db: AsyncSession, conference_id: int, election_id: int, nomination_id: int, *, by: int,
                   as_committee: bool = False) -> None:
    """Before the close of nominations; by whoever made the nomination, or the committee."""
    election = await locked_election(db, conference_id, election_id)
    _check_open(election)
    nomination = (await locked(db, select(Nomination).where(Nomination.id == nomination_id))).scalar_one_or_none()
    if nomination is None or nomination.election_id != election.id:
        raise ElectionError(_("There is no such nomination in this election."), 404)
    if not as_committee and nomination.nominated_by != by:
        raise ElectionError(_("Only whoever made the nomination, or the committee, can withdraw it."), 403)
    if nomination.state == NominationState.WITHDRAWN:
        raise ElectionError(_("That nomination has already been withdrawn."), 409)
    nomination.state = NominationState.WITHDRAWN
    await audit_election(db, election, by, "nomination_withdrawn", nomination=nomination.id)


async def decide(db: AsyncSession, conference_id: int, election_id: int, nomination_id: int, *, valid: bool,
                 note: str, by: int) -> Nomination:
    """The committee marks a nomination valid or invalid (with the reason), until nominations are closed."""
    election = await locked_election(db, conference_id, election_id)
    if election.state != ElectionState.NOMINATIONS:
        raise ElectionError(_("Nominations are closed: decisions on them can no longer change."), 409)
    nomination = (await locked(db, select(Nomination).where(Nomination.id == nomination_id))).scalar_one_or_none()
    if nomination is None or nomination.election_id != election.id:
        raise ElectionError(_("There is no such nomination in this election."), 404)
    if nomination.state == NominationState.WITHDRAWN:
        raise ElectionError(_("That nomination has been withdrawn."), 409)
    note = " ".join(note.split())
    if len(note) > 500:
        raise ElectionError(_("Keep the committee's note under 500 characters."))
    if not valid and not note:
        raise ElectionError(_("Say why the nomination is invalid: the candidate and nominator will read it."))
    if valid and election.nominator_kind == NominatorKind.DELEGATES:
        have = (await supporters(db, [nomination.id])).get(nomination.id, 0)
        if have < election.supporters_needed:
            raise ElectionError(_("This nomination has %(have)s supporter(s); it needs %(needed)s.")
                                % {"have": have, "needed": election.supporters_needed}, 409)
    nomination.state = NominationState.VALID if valid else NominationState.INVALID
    nomination.committee_note = note or None
    await audit_election(db, election, by, "nomination_decided", nomination=nomination.id, valid=valid)
    return nomination
