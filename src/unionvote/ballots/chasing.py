"""Reps' chase lists: a rep texts and calls the members of their own workplace or branch who have not voted.

An organiser grants a rep one workplace or branch of one ballot (audited by user id). The
rep's list holds only members of that scope who are still on the ballot, have not voted
and have not asked for no contact; it shows no vote choice, because none is reachable from
`member`. Outcomes are stored by member id; the audit chain gets counts and ids only.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy import and_, case, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.accounts.models import User
from unionvote.audit.services import actor_of, record
from unionvote.ballots.languages import ballot_wording
from unionvote.ballots.models import Member, MemberBallot, MemberBallotState, MemberTurnout
from unionvote.ballots.organisers import active_user
from unionvote.ballots.outreach_models import (
    OUTCOMES,
    REP_SEGMENTS,
    MemberBallotOutreach,
    MemberBallotRep,
    MemberContact,
)
from unionvote.ballots.services import MemberBallotError, get_ballot, scope_for
from unionvote.ballots.thresholds import SegmentAnalysis, analyse
from unionvote.i18n import N_, _, current_language, format_when, in_languages, message_languages

# Until staff write their own, reps text this, in the ballot's language (both of a bilingual ballot's); the
# {placeholders} stay as they are in every language.
DEFAULT_MESSAGE = N_("Hi {first_name}, it's {rep} from the union. Have you voted in \"{ballot}\" yet? Voting closes "
                     "{closes}. Your link and code came by email or post; ask me if you need a new one.")
PLACEHOLDERS = ("first_name", "rep", "ballot", "closes")
LIST_LIMIT = 500  # a workplace's chase list; bigger scopes are for the organisers' exports


@dataclass(frozen=True)
class Scope:
    ballot_id: int
    kind: str
    value: str

    @property
    def words(self) -> str:
        return f"{self.kind} {self.value}"


@dataclass(frozen=True)
class ToChase:
    member_id: int
    name: str
    mobile: str
    last_outcome: str | None
    sms_href: str | None
    tel_href: str | None


@dataclass(frozen=True)
class RepFigures:
    user_id: int
    name: str
    email: str
    scope: Scope
    contacted: int
    voted_after_contact: int
    turnout: SegmentAnalysis


@dataclass(frozen=True)
class WorkplaceFigures:
    name: str
    contacted: int
    turnout: SegmentAnalysis


def dial_number(mobile: str | None) -> str | None:
    """The digits of a number, with a leading + kept, for sms: and tel: (RFC 3966, RFC 5724)."""
    if not mobile:
        return None
    digits = "".join(ch for ch in mobile if ch.isdigit())
    if not digits:
        return None
    return ("+" if mobile.strip().startswith("+") else "") + digits


def fill_message(template: str, *, first_name: str, rep: str, ballot: MemberBallot, title: str | None = None,
                 closes: str | None = None) -> str:
    values = {"first_name": first_name, "rep": rep, "ballot": title or ballot.title,
              "closes": closes or f"{ballot.closes_at:%d %B at %H:%M} UTC"}
    text = template
    for key in PLACEHOLDERS:
        text = text.replace("{" + key + "}", values[key])
    return text


def sms_href(number: str, body: str) -> str:
    # RFC 5724: sms:<number>?body=<percent-encoded text>
    return f"sms:{number}?body={quote(body, safe='')}"


async def saved_chase_message(db: AsyncSession, ballot_id: int) -> str | None:
    return (await db.execute(select(MemberBallotOutreach.chase_message).where(
        MemberBallotOutreach.ballot_id == ballot_id))).scalar_one_or_none()


async def chase_message(db: AsyncSession, ballot_id: int) -> str:
    """The message staff see to edit: theirs, or the default in their language."""
    return await saved_chase_message(db, ballot_id) or _(DEFAULT_MESSAGE)


def default_message(ballot: MemberBallot, first_name: str, rep: str) -> str:
    """The default text in the ballot's language, and the other language of a bilingual ballot after it."""
    def words() -> str:
        return fill_message(_(DEFAULT_MESSAGE), first_name=first_name, rep=rep, ballot=ballot,
                            title=ballot_wording(ballot, "title", current_language(), beside=False).text,
                            closes=format_when(ballot.closes_at, "d MMMM, HH:mm") + " UTC")

    return "\n\n".join(in_languages(message_languages(None, ballot.language, ballot.bilingual_language), words))


async def set_chase_message(db: AsyncSession, ballot_id: int, message: str, *, by: int | None) -> None:
    await get_ballot(db, ballot_id)
    message = message.strip()
    if not message:
        raise MemberBallotError(_("Write the message reps will text, such as: %(example)s")
                                % {"example": _(DEFAULT_MESSAGE)})
    if len(message) > 600:
        raise MemberBallotError(_("The message is %(n)s characters long; keep it under 600 (four texts).")
                                % {"n": len(message)})
    unknown = {part.split("}")[0] for part in message.split("{")[1:]} - set(PLACEHOLDERS)
    if unknown:
        raise MemberBallotError(_("The message uses %(unknown)s, which is not filled in. It can use %(known)s.")
                                % {"unknown": "{" + sorted(unknown)[0] + "}",
                                   "known": ", ".join("{" + p + "}" for p in PLACEHOLDERS)})
    outreach = await db.get(MemberBallotOutreach, ballot_id)
    if outreach is None:
        db.add(MemberBallotOutreach(ballot_id=ballot_id, chase_message=message))
    else:
        outreach.chase_message = message
    await record(db, scope=scope_for(ballot_id), actor=actor_of(by), action="chase.message_set",
                 payload={"length": len(message)})


async def grant_rep(db: AsyncSession, ballot_id: int, email: str, kind: str, value: str, *, by: int | None) -> User:
    await get_ballot(db, ballot_id)
    if kind not in REP_SEGMENTS:
        raise MemberBallotError(_("A rep chases one workplace or one branch, not '%(kind)s'.") % {"kind": kind})
    value = value.strip()
    if not value:
        raise MemberBallotError(_("Name the branch the rep will chase, exactly as in the membership import.")
                                if kind == "branch" else
                                _("Name the workplace the rep will chase, exactly as in the membership import."))
    if not (await db.execute(select(Member.id).where(
            Member.ballot_id == ballot_id, getattr(Member, kind) == value).limit(1))).first():
        words = (_("No member of this ballot is in the branch '%(value)s'. Check the spelling against the turnout "
                     "page.") if kind == "branch" else
                 _("No member of this ballot is in the workplace '%(value)s'. Check the spelling against the "
                   "turnout page."))
        raise MemberBallotError(words % {"value": value}, 404)
    user = await active_user(db, email, "rep")
    if (await db.execute(select(MemberBallotRep.id).where(
            MemberBallotRep.ballot_id == ballot_id, MemberBallotRep.user_id == user.id))).first():
        raise MemberBallotError(_("%(name)s is a rep on this ballot already: remove them first to change what "
                                    "they chase.") % {"name": user.display_name}, 409)
    db.add(MemberBallotRep(ballot_id=ballot_id, user_id=user.id, kind=kind, value=value,  # type: ignore[arg-type]
                           granted_by=by))
    await db.flush()
    await record(db, scope=scope_for(ballot_id), actor=actor_of(by), action="rep.granted",
                 payload={"user_id": user.id, "kind": kind})
    return user


async def remove_rep(db: AsyncSession, ballot_id: int, user_id: int, *, by: int | None) -> None:
    removed = await db.execute(delete(MemberBallotRep).where(
        MemberBallotRep.ballot_id == ballot_id, MemberBallotRep.user_id == user_id))
    if removed.rowcount == 0:  # type: ignore[attr-defined]
        raise MemberBallotError(_("That person is not a rep on this ballot."), 404)
    await record(db, scope=scope_for(ballot_id), actor=actor_of(by), action="rep.removed",
                 payload={"user_id": user_id})


async def scope_of_rep(db: AsyncSession, ballot_id: int, user_id: int) -> Scope:
    row = (await db.execute(select(MemberBallotRep.kind, MemberBallotRep.value).where(
        MemberBallotRep.ballot_id == ballot_id, MemberBallotRep.user_id == user_id))).first()
    if row is None:
        raise MemberBallotError(_("You have no chase list for this ballot. An organiser can give you your "
                                  "workplace or branch."), 403)
    return Scope(ballot_id, row.kind, row.value)


async def ballots_repped_by(db: AsyncSession, user_id: int) -> list[tuple[MemberBallot, Scope]]:
    rows = (await db.execute(select(MemberBallot, MemberBallotRep.kind, MemberBallotRep.value).join(
        MemberBallotRep, MemberBallotRep.ballot_id == MemberBallot.id).where(
        MemberBallotRep.user_id == user_id).order_by(MemberBallot.opens_at.desc()))).all()
    return [(ballot, Scope(ballot.id, kind, value)) for ballot, kind, value in rows]  # type: ignore[arg-type]


def _latest_outcomes(ballot_id: int):  # type: ignore[no-untyped-def]
    latest = select(MemberContact.member_id, func.max(MemberContact.id).label("last")).where(
        MemberContact.ballot_id == ballot_id).group_by(MemberContact.member_id).subquery()
    return select(MemberContact.member_id, MemberContact.outcome).join(
        latest, and_(latest.c.member_id == MemberContact.member_id, latest.c.last == MemberContact.id)).subquery()


async def chase_list(db: AsyncSession, ballot: MemberBallot, scope: Scope, rep_name: str) -> list[ToChase]:
    """The scope's members who have not voted, with links that text or call them. Never a choice."""
    last = _latest_outcomes(ballot.id)  # type: ignore[arg-type]
    rows = (await db.execute(select(Member.id, Member.name, Member.mobile, last.c.outcome).outerjoin(
        last, last.c.member_id == Member.id).where(
        Member.ballot_id == ballot.id, getattr(Member, scope.kind) == scope.value, Member.removed_at.is_(None),
        Member.voted_at.is_(None), func.coalesce(last.c.outcome, "") != "no-contact")
        .order_by(Member.name, Member.id).limit(LIST_LIMIT))).all()
    template = await saved_chase_message(db, ballot.id)  # type: ignore[arg-type]
    shown = []
    for member_id, name, mobile, outcome in rows:
        number = dial_number(mobile) if outcome != "wrong-number" else None
        first = ((name or "").split() or ["there"])[0]
        body = fill_message(template, first_name=first, rep=rep_name, ballot=ballot) if template else \
            default_message(ballot, first, rep_name)
        shown.append(ToChase(member_id, name or "(name erased)", mobile or "", outcome,
                             sms_href(number, body) if number else None, f"tel:{number}" if number else None))
    return shown


async def record_outcome(db: AsyncSession, ballot: MemberBallot, scope: Scope, member_id: int, outcome: str, *,
                         rep_id: int) -> None:
    if outcome not in OUTCOMES:
        raise MemberBallotError(_("Choose what happened: %(choices)s.")
                                % {"choices": ", ".join(_(words) for words in OUTCOMES.values()).lower()})
    if ballot.state != MemberBallotState.OPEN:
        raise MemberBallotError(_("This ballot is not open: there is nobody to chase now."), 409)
    member = (await db.execute(select(Member.id, Member.voted_at).where(
        Member.id == member_id, Member.ballot_id == ballot.id, getattr(Member, scope.kind) == scope.value,
        Member.removed_at.is_(None)))).first()
    if member is None:
        raise MemberBallotError(_("That member is not on your chase list."), 404)
    db.add(MemberContact(ballot_id=ballot.id, member_id=member_id, rep_id=rep_id,  # type: ignore[arg-type]
                         outcome=outcome))
    await record(db, scope=scope_for(ballot.id), actor=actor_of(rep_id),  # type: ignore[arg-type]
                 action="chase.outcome", payload={"member_id": member_id, "outcome": outcome})


async def _segment_turnout(db: AsyncSession, ballot: MemberBallot, kind: str, value: str) -> SegmentAnalysis:
    entitled, voted = (await db.execute(select(
        func.coalesce(func.sum(MemberTurnout.entitled), 0), func.coalesce(func.sum(MemberTurnout.voted), 0)).where(
        MemberTurnout.ballot_id == ballot.id, MemberTurnout.kind == kind, MemberTurnout.value == value))).one()
    return analyse(value or "(not given)", int(entitled), int(voted), turnout_percent=ballot.turnout_percent)


async def rep_figures(db: AsyncSession, ballot: MemberBallot) -> list[RepFigures]:
    """Per rep: members contacted, of those how many voted after the first contact, and their scope's turnout."""
    reps = (await db.execute(select(MemberBallotRep.user_id, User.display_name, User.email, MemberBallotRep.kind,
                                    MemberBallotRep.value).join(User, User.id == MemberBallotRep.user_id).where(
        MemberBallotRep.ballot_id == ballot.id).order_by(User.display_name, User.id))).all()
    first = select(MemberContact.rep_id, MemberContact.member_id,
                   func.min(MemberContact.recorded_at).label("at")).where(
        MemberContact.ballot_id == ballot.id).group_by(MemberContact.rep_id, MemberContact.member_id).subquery()
    counts = {rep: (int(contacted), int(after or 0)) for rep, contacted, after in (await db.execute(
        select(first.c.rep_id, func.count(), func.sum(case((Member.voted_at > first.c.at, 1), else_=0)))
        .join(Member, Member.id == first.c.member_id).group_by(first.c.rep_id))).all()}
    figures = []
    for user_id, name, email, kind, value in reps:
        contacted, after = counts.get(user_id, (0, 0))
        figures.append(RepFigures(user_id, name, email, Scope(ballot.id, kind, value), contacted, after,  # type: ignore[arg-type]
                                  await _segment_turnout(db, ballot, kind, value)))
    return figures


async def workplace_figures(db: AsyncSession, ballot: MemberBallot) -> list[WorkplaceFigures]:
    """Per workplace that anyone chased: members contacted, and the workplace's turnout now."""
    contacted = Counter(dict((await db.execute(select(Member.workplace, func.count(func.distinct(Member.id))).join(
        MemberContact, MemberContact.member_id == Member.id).where(MemberContact.ballot_id == ballot.id)
        .group_by(Member.workplace))).all()))
    places = sorted(set(contacted) | {value for (value,) in (await db.execute(select(MemberBallotRep.value).where(
        MemberBallotRep.ballot_id == ballot.id, MemberBallotRep.kind == "workplace"))).all()})
    return [WorkplaceFigures(place or "(not given)", contacted.get(place, 0),
                             await _segment_turnout(db, ballot, "workplace", place)) for place in places]
