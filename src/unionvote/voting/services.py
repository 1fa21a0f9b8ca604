"""A ballot's life: draft, open (electorate frozen), closed, declared, or void; hall counts; certification.

Every step is one call taking the request's session, audited in the ballot's own chain
(`ballot:<id>`) with internal ids only. Casting lives in voting.casting.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from fractions import Fraction
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.audit.services import actor_of, record, scope_of
from unionvote.conferences.eligibility import eligible_voters, entitled_weight
from unionvote.conferences.models import Conference
from unionvote.conferences.quorum import quorum
from unionvote.db import gate, locked, utcnow
from unionvote.errors import RuleViolation
from unionvote.i18n import N_, _
from unionvote.voting.counting import (
    choices_of,
    contents,
    contents_document,
    digest,
    hall_counts,
    options_of,
    result_document,
)
from unionvote.voting.models import (
    Ballot,
    BallotState,
    ElectorateEntry,
    HallCount,
    Participation,
    Relation,
    SealingMode,
    Secrecy,
    Weighting,
)
from unionvote.voting.rules import (
    FOR_AGAINST_KEYS,
    Majority,
    Method,
    Rule,
    fraction_text,
)
from unionvote.voting.sealed import close_sealed, count_sealed, seal_at_opening, sealing_for

# Stored on the ballot in English; pages show them in the reader's language (translated()).
FOR_AGAINST_OPTIONS = (("for", N_("For")), ("against", N_("Against")), ("abstain", N_("Abstain")))
MAX_OPTIONS = 50
MAX_COUNTDOWN = 24 * 3600


# A ballot's state within a sentence ("this one is closed"), in the reader's language.
STATE_IN_A_SENTENCE = {BallotState.DRAFT: N_("not open yet"), BallotState.OPEN: N_("open"),
                       BallotState.CLOSED: N_("closed"), BallotState.DECLARED: N_("declared"),
                       BallotState.VOID: N_("void")}


class BallotError(RuleViolation):
    """A ballot request the rules refuse."""


def state_word(ballot: Ballot) -> str:
    return _(STATE_IN_A_SENTENCE.get(ballot.state, ballot.state))  # type: ignore[call-overload]


@dataclass(frozen=True)
class BallotSpec:
    """A checked description of a new ballot (schemas.BallotDraft builds one from input)."""

    title: str
    question: str
    method: Method = Method.FOR_AGAINST
    options: Sequence[tuple[str, str]] = FOR_AGAINST_OPTIONS
    max_choices: int = 1
    secrecy: Secrecy = Secrecy.SECRET
    sealing: SealingMode | None = None  # who holds the key of a secret ballot; None: voting.sealed.sealing_for
    weighting: Weighting = Weighting.ONE_EACH
    rule: Rule = field(default_factory=Rule)
    countdown_seconds: int | None = None
    motion_id: int | None = None
    amendment_id: int | None = None
    agenda_item_id: int | None = None

    def __post_init__(self) -> None:
        if not self.title.strip():
            raise BallotError(_("Give the ballot a title."))
        if len(self.title) > 200:
            raise BallotError(_("The title is longer than 200 characters."))
        if not self.question.strip():
            raise BallotError(_("Say what is being decided: the question is empty."))
        keys = [key for key, _ in self.options]
        if self.method is Method.FOR_AGAINST and tuple(keys) != FOR_AGAINST_KEYS:
            raise BallotError(_("A for/against ballot has exactly the options for, against and abstain."))
        if self.method is not Method.FOR_AGAINST:
            if len(keys) < 2:
                raise BallotError(_("A choice between options needs at least two options."))
            if len(keys) > MAX_OPTIONS:
                raise BallotError(_("A ballot has at most %(most)s options.") % {"most": MAX_OPTIONS})
            if len(set(keys)) != len(keys) or any(not key.strip() for key in keys):
                raise BallotError(_("Option keys must be present and different from each other."))
            if any(not label.strip() for _, label in self.options):
                raise BallotError(_("Every option needs a label."))
        if self.method is Method.UP_TO and not 1 <= self.max_choices <= len(keys):
            raise BallotError(_("'Up to K' needs K between 1 and the number of options (%(n)s).") % {"n": len(keys)})
        if self.rule.majority is Majority.PLURALITY and self.method is Method.FOR_AGAINST:
            raise BallotError(_("'Most votes' applies to choices between options, not to for/against votes."))
        if self.countdown_seconds is not None and not 10 <= self.countdown_seconds <= MAX_COUNTDOWN:
            raise BallotError(_("A countdown runs between 10 seconds and 24 hours."))


def _audit(db: AsyncSession, ballot: Ballot, by: int | None, action: str, **payload: Any) -> Any:
    assert ballot.id is not None
    return record(db, scope=scope_of("ballot", ballot.id), actor=actor_of(by), action=action,
                  payload={"ballot": ballot.id, "conference": ballot.conference_id, **payload})


async def _conference(db: AsyncSession, conference_id: int) -> Conference:
    conference = await db.get(Conference, conference_id)
    if conference is None:
        raise BallotError(_("No such conference."), 404)
    return conference


async def get_ballot(db: AsyncSession, ballot_id: int, conference_id: int | None = None) -> Ballot:
    """The ballot, refusing ids of another conference with the same 404 as unknown ones."""
    ballot = await db.get(Ballot, ballot_id)
    if ballot is None or (conference_id is not None and ballot.conference_id != conference_id):
        raise BallotError(_("No such ballot."), 404)
    return ballot


async def _locked_ballot(db: AsyncSession, ballot_id: int, conference_id: int | None) -> Ballot:
    """The ballot, alone: no cast is in flight while the caller changes it (see casting.cast_vote)."""
    await gate(db, "ballot", ballot_id, shared=False)
    ballot = (await locked(db, select(Ballot).where(Ballot.id == ballot_id)
                           .execution_options(populate_existing=True))).scalar_one_or_none()
    if ballot is None or (conference_id is not None and ballot.conference_id != conference_id):
        raise BallotError(_("No such ballot."), 404)
    return ballot


async def create_ballot(db: AsyncSession, conference_id: int, spec: BallotSpec, *, by: int | None,
                        follows: Ballot | None = None, relation: Relation | None = None) -> Ballot:
    await _conference(db, conference_id)
    ballot = Ballot(
        conference_id=conference_id, motion_id=spec.motion_id, amendment_id=spec.amendment_id,
        agenda_item_id=spec.agenda_item_id, title=spec.title.strip(), question=spec.question.strip(),
        secrecy=spec.secrecy, sealing=await sealing_for(db, conference_id, spec.secrecy, spec.sealing),
        method=spec.method, options=json.dumps([list(o) for o in spec.options]),
        max_choices=spec.max_choices if spec.method is Method.UP_TO else 1, weighting=spec.weighting,
        rule=json.dumps(spec.rule.as_dict(), sort_keys=True), countdown_seconds=spec.countdown_seconds,
        created_by=by, follows_id=follows.id if follows else None, relation=relation,
    )
    db.add(ballot)
    await db.flush()
    await _audit(db, ballot, by, "ballot.created", method=ballot.method, secrecy=ballot.secrecy,
                 **({"sealing": ballot.sealing} if ballot.sealing else {}), weighting=ballot.weighting,
                 rule=spec.rule.as_dict(), options=[list(o) for o in spec.options],
                 max_choices=ballot.max_choices, motion=ballot.motion_id, amendment=ballot.amendment_id,
                 follows=ballot.follows_id, relation=relation)
    # The conference's chain lists its ballots too, so an export that leaves one out breaks that chain.
    await record(db, scope=scope_of("conference", conference_id), actor=actor_of(by), action="ballot.created",
                 payload={"ballot": ballot.id, "conference": conference_id})
    return ballot


async def create_follow_up(db: AsyncSession, ballot_id: int, relation: Relation, *, by: int | None,
                           conference_id: int | None = None) -> Ballot:
    """A re-vote (ballots never re-open), or the card vote after a show of hands, as a new draft."""
    old = await get_ballot(db, ballot_id, conference_id)
    if old.state in (BallotState.DRAFT, BallotState.OPEN):
        raise BallotError(_("A ballot can be taken again only once it has closed (or been declared void)."), 409)
    if relation is Relation.CARD_VOTE and old.weighting == Weighting.CARD:
        raise BallotError(_("This ballot was already a card vote."), 409)
    spec = BallotSpec(
        title=old.title, question=old.question, method=Method(old.method), options=options_of(old),
        max_choices=old.max_choices, secrecy=Secrecy(old.secrecy),
        sealing=SealingMode(old.sealing) if old.sealing else None,
        weighting=Weighting.CARD if relation is Relation.CARD_VOTE else Weighting(old.weighting),
        rule=Rule.from_dict(json.loads(old.rule)), countdown_seconds=old.countdown_seconds,
        motion_id=old.motion_id, amendment_id=old.amendment_id, agenda_item_id=old.agenda_item_id,
    )
    return await create_ballot(db, old.conference_id, spec, by=by, follows=old, relation=relation)


def electorate_document(ballot_id: int, entries: Sequence[tuple[int, Fraction]]) -> dict[str, Any]:
    return {"ballot": ballot_id, "voters": [[delegate, fraction_text(weight)] for delegate, weight in entries]}


async def quorum_at_opening(db: AsyncSession, conference_id: int, override_reason: str | None) -> dict[str, Any]:
    """The conference's quorum as a ballot opens, for the record; an inquorate conference needs a reason."""
    status = await quorum(db, conference_id)
    reason = (override_reason or "").strip() or None
    if reason is not None and len(reason) > 500:
        raise BallotError(_("The reason for opening without a quorum is longer than 500 characters."))
    if not status.met and reason is None:
        raise BallotError(_("%(summary)s The conference is not quorate: the vote cannot open unless the chair "
                            "records why standing orders allow it.") % {"summary": status.summary}, 409)
    return {"met": status.met, "present": status.present, "required": status.required,
            "rule": str(status.rule.kind), "rule_value": status.rule.value,
            "overridden": not status.met, "reason": reason if not status.met else None}


async def open_ballot(db: AsyncSession, ballot_id: int, *, by: int | None, conference_id: int | None = None,
                      override_reason: str | None = None) -> Ballot:
    """Freeze the electorate (who is eligible now, with what weight), hash it into the chain, start voting.

    The conference's quorum is checked and recorded; an inquorate conference needs `override_reason`."""
    ballot = await _locked_ballot(db, ballot_id, conference_id)
    if ballot.state != BallotState.DRAFT:
        raise BallotError(_("Only a draft ballot can be opened; this one is %(state)s.") % {"state": state_word(ballot)}
                          + (" " + _("Create a re-vote instead.") if ballot.state != BallotState.OPEN else ""), 409)
    conference = await _conference(db, ballot.conference_id)
    quorum_record = await quorum_at_opening(db, ballot.conference_id, override_reason)
    await seal_at_opening(db, ballot, by)  # a secret ballot is always sealed (invariant 2)
    card = ballot.weighting == Weighting.CARD
    now = utcnow()
    voters = await eligible_voters(db, ballot.conference_id, now, card_vote=card)
    if not voters:
        raise BallotError(_("No one can vote: no accredited delegate is checked in to the session running now."), 409)
    assert ballot.id is not None
    await db.execute(insert(ElectorateEntry), [
        {"ballot_id": ballot.id, "delegate_id": v.delegate_id, "user_id": v.user_id, "body_id": v.body_id,
         "weight": fraction_text(v.weight)} for v in voters])
    total = sum((v.weight for v in voters), Fraction(0))
    snapshot = electorate_document(ballot.id, [(v.delegate_id, v.weight) for v in voters])
    ballot.state, ballot.opened_at = BallotState.OPEN, now
    ballot.card_mode = conference.card_vote_mode if card else None
    ballot.electorate_hash, ballot.electorate_size = digest(snapshot), len(voters)
    ballot.electorate_weight = fraction_text(total)
    ballot.entitled_weight = fraction_text(await entitled_weight(db, ballot.conference_id, card_vote=card))
    if ballot.countdown_seconds:
        ballot.closes_at = now + timedelta(seconds=ballot.countdown_seconds)
    await _audit(db, ballot, by, "ballot.opened", electorate_hash=ballot.electorate_hash,
                 electorate_size=len(voters), electorate_weight=ballot.electorate_weight,
                 entitled_weight=ballot.entitled_weight, card_mode=ballot.card_mode,
                 closes_at=ballot.closes_at.isoformat() if ballot.closes_at else None, quorum=quorum_record)
    return ballot


async def participation_hash(db: AsyncSession, ballot_id: int) -> tuple[int, str]:
    voters = sorted((await db.execute(
        select(Participation.delegate_id).where(Participation.ballot_id == ballot_id))).scalars())
    return len(voters), digest({"ballot": ballot_id, "voted": voters})


async def close_ballot(db: AsyncSession, ballot_id: int, *, by: int | None, conference_id: int | None = None
                       ) -> Ballot:
    """Stop voting. Casts that committed before this are counted; later ones are refused."""
    ballot = await _locked_ballot(db, ballot_id, conference_id)
    if ballot.state != BallotState.OPEN:
        raise BallotError(_("Only an open ballot can be closed; this one is %(state)s.")
                          % {"state": state_word(ballot)}, 409)
    assert ballot.id is not None
    rows = await contents(db, ballot.id)
    voted, who_hash = await participation_hash(db, ballot.id)
    sealed = await close_sealed(db, ballot, digest)  # None unless the ballot is sealed
    if voted != len(rows) + (sealed.count if sealed else 0):  # both halves are written in one transaction
        raise BallotError(_("The ballot's records disagree (votes and voters); it was not closed."), 500)
    ballot.state, ballot.closed_at = BallotState.CLOSED, utcnow()
    sealed_fields = {} if sealed is None else sealed.recorded()
    await _audit(db, ballot, by, "ballot.closed", turnout=voted, participation_hash=who_hash,
                 contents_hash=sealed.contents_hash if sealed else digest(contents_document(rows)), **sealed_fields)
    return ballot


async def close_due_ballots(db: AsyncSession) -> list[Ballot]:
    """Close every open ballot whose countdown has run out (the app checks every second)."""
    due = (await db.execute(select(Ballot.id).where(Ballot.state == BallotState.OPEN,
                                                    Ballot.closes_at.is_not(None),
                                                    Ballot.closes_at <= utcnow()))).scalars().all()
    closed = []
    for ballot_id in due:
        ballot = await _locked_ballot(db, ballot_id, None)
        if ballot.state == BallotState.OPEN:  # another worker may have closed it first
            closed.append(await close_ballot(db, ballot_id, by=None))
    return closed


async def record_hall_count(db: AsyncSession, ballot_id: int, *, section: str, counts: dict[str, int],
                            invalid: int = 0, papers: int | None = None, by: int | None,
                            conference_id: int | None = None) -> HallCount:
    """A teller's count for a section of the hall; entering a section again replaces its count, audited."""
    ballot = await _locked_ballot(db, ballot_id, conference_id)
    if ballot.state != BallotState.CLOSED:
        # Not while voting runs: a partial hall count of a secret vote would be a running tally.
        raise BallotError(_("Hall counts are entered once voting has closed, before the result is declared."), 409)
    if ballot.method == Method.RANKED:
        raise BallotError(_("A ranked ballot takes no hall counts: every paper is ranked and counted by the "
                            "election's count."), 409)
    if ballot.weighting == Weighting.CARD:
        # Hands and heads cannot be added to card weights; every card is cast as its delegation's weight.
        raise BallotError(_("A card vote takes no hall counts: each delegation casts its card, carrying the "
                            "weight frozen when the vote opened."), 409)
    section = section.strip()
    if not section or len(section) > 100:
        raise BallotError(_("Name the section of the hall (up to 100 characters)."))
    choices = choices_of(ballot)
    unknown = sorted(set(counts) - set(choices.options))
    if unknown:
        raise BallotError(_("'%(key)s' is not an option on this ballot.") % {"key": unknown[0]})
    if any(not isinstance(n, int) or isinstance(n, bool) or n < 0 for n in [*counts.values(), invalid]):
        raise BallotError(_("Counts are whole numbers, zero or more."))
    clean = {key: counts.get(key, 0) for key in choices.options}
    if choices.method is Method.UP_TO:
        if papers is None or papers < 0:
            raise BallotError(_("For an 'up to K' vote, enter the number of valid papers as well."))
        if any(n > papers for n in clean.values()):
            raise BallotError(_("No option can have more votes than there were valid papers."))
    else:
        papers = sum(clean.values())
    existing = (await db.execute(select(HallCount).where(HallCount.ballot_id == ballot_id,
                                                         HallCount.section == section))).scalar_one_or_none()
    entry = existing or HallCount(ballot_id=ballot_id, section=section, counts="{}")
    entry.counts, entry.papers, entry.invalid = json.dumps(clean, sort_keys=True), papers, invalid
    entry.teller_id, entry.entered_at = by, utcnow()
    db.add(entry)
    await db.flush()
    await _audit(db, ballot, by, "ballot.hall_count", section=section, counts=clean, papers=papers,
                 invalid=invalid, replaces=existing is not None)
    return entry


async def declare_result(db: AsyncSession, ballot_id: int, *, by: int | None, casting_vote: str | None = None,
                         conference_id: int | None = None) -> Ballot:
    """Count from the stored contents and hall counts under the stored rule, and publish the result."""
    ballot = await _locked_ballot(db, ballot_id, conference_id)
    if ballot.state != BallotState.CLOSED:
        raise BallotError("A result can be declared only for a closed ballot"
                          + (" (close it first)." if ballot.state == BallotState.OPEN else "."), 409)
    if ballot.method == Method.RANKED:
        raise BallotError(_("A ranked ballot is declared through its election's count."), 409)
    assert ballot.id is not None
    casting_vote = (casting_vote or "").strip() or None
    sealed = await count_sealed(db, ballot, digest)  # the decrypted totals of a sealed ballot
    document = result_document(ballot, await contents(db, ballot.id), await hall_counts(db, ballot.id), casting_vote,
                               sealed=sealed)
    if not document["decision"]["tie"]:
        casting_vote = document["casting_vote"] = None  # a casting vote only counts when there is a tie
    ballot.result, ballot.result_hash = json.dumps(document, sort_keys=True), digest(document)
    ballot.state, ballot.declared_at, ballot.casting_vote = BallotState.DECLARED, utcnow(), casting_vote
    await _audit(db, ballot, by, "ballot.declared", result_hash=ballot.result_hash,
                 outcome=document["decision"]["outcome"], winners=document["decision"]["winners"],
                 casting_vote=casting_vote)
    await _write_back(db, ballot, document, by)
    return ballot


async def declare_ranked_result(db: AsyncSession, ballot_id: int, document: dict[str, Any], *, by: int | None
                                ) -> Ballot:
    """Declare a ranked ballot with the result its election counted (the count lives in elections)."""
    ballot = await _locked_ballot(db, ballot_id, None)
    if ballot.method != Method.RANKED:
        raise BallotError(_("Only a ranked ballot takes a result counted elsewhere."), 409)
    if ballot.state != BallotState.CLOSED:
        raise BallotError(_("A result can be declared only for a closed ballot."), 409)
    ballot.result, ballot.result_hash = json.dumps(document, sort_keys=True), digest(document)
    ballot.state, ballot.declared_at = BallotState.DECLARED, utcnow()
    await _audit(db, ballot, by, "ballot.declared", result_hash=ballot.result_hash, outcome="counted",
                 winners=list(document.get("elected", [])), casting_vote=None)
    return ballot


async def _write_back(db: AsyncSession, ballot: Ballot, document: dict[str, Any], by: int | None) -> None:
    if ballot.motion_id is None and ballot.amendment_id is None:
        return
    from unionvote.motions.voting_link import record_vote_outcome

    assert ballot.id is not None
    await record_vote_outcome(db, motion_id=None if ballot.amendment_id else ballot.motion_id,
                              amendment_id=ballot.amendment_id, carried=document["decision"]["outcome"] == "carried",
                              ballot_id=ballot.id, actor=actor_of(by))


async def void_ballot(db: AsyncSession, ballot_id: int, *, reason: str, by: int | None,
                      conference_id: int | None = None) -> Ballot:
    ballot = await _locked_ballot(db, ballot_id, conference_id)
    reason = reason.strip()
    if not reason:
        raise BallotError(_("Give the reason the ballot is void; it is published with it."))
    if len(reason) > 500:
        raise BallotError(_("The reason is longer than 500 characters."))
    if ballot.state == BallotState.VOID:
        raise BallotError(_("This ballot is already void."), 409)
    if ballot.certified_at is not None:
        raise BallotError(_("A certified result cannot be made void."), 409)
    before = ballot.state
    ballot.state, ballot.void_reason = BallotState.VOID, reason
    await _audit(db, ballot, by, "ballot.voided", previous_state=before, reason=reason)
    return ballot


async def certify_result(db: AsyncSession, ballot_id: int, *, by: int, conference_id: int | None = None) -> Ballot:
    """The returning officer's certificate that the declared result is the count of the recorded votes."""
    ballot = await _locked_ballot(db, ballot_id, conference_id)
    if ballot.state != BallotState.DECLARED:
        raise BallotError(_("Only a declared result can be certified."), 409)
    if ballot.certified_at is not None:
        raise BallotError(_("This result is already certified."), 409)
    ballot.certified_at, ballot.certified_by = utcnow(), by
    await _audit(db, ballot, by, "ballot.certified", result_hash=ballot.result_hash)
    return ballot


async def ballots_of(db: AsyncSession, conference_id: int, *, states: Sequence[str] | None = None) -> list[Ballot]:
    stmt = select(Ballot).where(Ballot.conference_id == conference_id)
    if states:
        stmt = stmt.where(Ballot.state.in_(states))
    return list((await db.execute(stmt.order_by(Ballot.id.desc()))).scalars())
