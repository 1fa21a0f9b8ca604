"""What the conference pages and API read: the register searched, paged and counted; one delegate's standing.

Read-only. Every change goes through the rule modules beside this one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.conferences.eligibility import session_at
from unionvote.conferences.models import BusinessSession
from unionvote.conferences.register import AccreditationStatus, Body, Delegate, DelegateRole, Presence, Substitution
from unionvote.conferences.services import ConferenceError
from unionvote.i18n import N_

PER_PAGE = 50
MAX_SEARCH = 100
# Delegates may check in for the next session from an hour before it starts.
CHECK_IN_OPENS = timedelta(hours=1)

STATUS_WORDS = {
    AccreditationStatus.NOT_ACCREDITED: N_("Not accredited yet"),
    AccreditationStatus.ACCREDITED: N_("Accredited"),
    AccreditationStatus.REVOKED: N_("Accreditation revoked"),
    AccreditationStatus.SUBSTITUTED: N_("Replaced by a substitute"),
}


@dataclass(frozen=True)
class RegisterRow:
    id: int
    membership_number: str
    name: str
    email: str
    body_id: int | None
    body_code: str | None
    body_name: str | None
    role: str
    status: str
    is_lead: bool
    user_id: int | None
    present: bool  # checked in to the session open for check-in now


@dataclass(frozen=True)
class RegisterPage:
    rows: list[RegisterRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class RegisterCounts:
    bodies: int
    members: int  # the card weight of all bodies
    by_role: dict[str, int]
    by_status: dict[str, int]
    sessions: int


def clean_search(text: str | None) -> str:
    text = " ".join((text or "").split())
    if len(text) > MAX_SEARCH:
        raise ConferenceError(f"Search for at most {MAX_SEARCH} characters.")
    if any(ch < " " or ch == "\x7f" for ch in text):
        raise ConferenceError("Search for a name, membership number or body code: letters, digits and spaces.")
    return text


async def search_register(db: AsyncSession, conference_id: int, *, text: str = "", body_id: int | None = None,
                          page: int = 1, per_page: int = PER_PAGE, session_id: int | None = None,
                          delegate_id: int | None = None) -> RegisterPage:
    """Delegates whose name, membership number or body matches `text`, in name order, one page at a time."""
    text = clean_search(text)
    if page < 1 or not 1 <= per_page <= 500:
        raise ConferenceError("Ask for page 1 or later, with 1 to 500 delegates a page.")
    where = [Delegate.conference_id == conference_id]
    if text:
        where.append(or_(Delegate.name.icontains(text, autoescape=True),
                         Delegate.membership_number.icontains(text, autoescape=True),
                         Body.code.icontains(text, autoescape=True), Body.name.icontains(text, autoescape=True)))
    if body_id is not None:
        where.append(Delegate.body_id == body_id)
    if delegate_id is not None:
        where.append(Delegate.id == delegate_id)
    base = select(Delegate.id).select_from(Delegate).outerjoin(Body, Body.id == Delegate.body_id).where(*where)
    total = (await db.execute(select(func.count()).select_from(base.subquery()))).scalar_one()
    present = Presence.id.is_not(None) if session_id is not None else literal(False)
    query = (select(Delegate.id, Delegate.membership_number, Delegate.name, Delegate.email, Delegate.body_id,
                    Body.code, Body.name, Delegate.role, Delegate.status, Delegate.is_lead, Delegate.user_id,
                    present)
             .select_from(Delegate).outerjoin(Body, Body.id == Delegate.body_id).where(*where)
             .order_by(Delegate.name, Delegate.membership_number).limit(per_page).offset((page - 1) * per_page))
    if session_id is not None:
        query = query.outerjoin(Presence, and_(Presence.delegate_id == Delegate.id,
                                               Presence.business_session_id == session_id,
                                               Presence.checked_out_at.is_(None)))
    rows = [RegisterRow(*row[:-1], present=bool(row[-1])) for row in (await db.execute(query)).all()]
    return RegisterPage(rows=rows, total=total, page=page, per_page=per_page)


async def register_counts(db: AsyncSession, conference_id: int) -> RegisterCounts:
    bodies, members = (await db.execute(select(func.count(Body.id), func.coalesce(func.sum(Body.membership), 0))
                                        .where(Body.conference_id == conference_id))).one()
    by_role = dict((await db.execute(select(Delegate.role, func.count()).where(Delegate.conference_id == conference_id)
                                     .group_by(Delegate.role))).all())
    by_status = dict((await db.execute(select(Delegate.status, func.count())
                                       .where(Delegate.conference_id == conference_id)
                                       .group_by(Delegate.status))).all())
    sessions = (await db.execute(select(func.count()).select_from(BusinessSession)
                                 .where(BusinessSession.conference_id == conference_id))).scalar_one()
    return RegisterCounts(bodies=bodies, members=int(members), by_role=by_role, by_status=by_status, sessions=sessions)


async def bodies_of(db: AsyncSession, conference_id: int) -> list[Body]:
    return list((await db.execute(select(Body).where(Body.conference_id == conference_id)
                                  .order_by(Body.code))).scalars())


async def delegate_in(db: AsyncSession, conference_id: int, delegate_id: int) -> Delegate:
    """A delegate of this conference; any other id is 'not found', whoever asks."""
    delegate = await db.get(Delegate, delegate_id)
    if delegate is None or delegate.conference_id != conference_id:
        raise ConferenceError("There is no such delegate in this conference.", 404)
    return delegate


async def ensure_delegate_in(db: AsyncSession, conference_id: int, delegate_id: int) -> None:
    """The same check before a change, reading one column only: the rule that follows locks and loads
    the row itself, and an object loaded here first would hide a concurrent change from it."""
    found = (await db.execute(select(Delegate.conference_id).where(Delegate.id == delegate_id))).scalar_one_or_none()
    if found != conference_id:
        raise ConferenceError("There is no such delegate in this conference.", 404)


async def delegate_for_user(db: AsyncSession, conference_id: int, user_id: int) -> Delegate | None:
    return (await db.execute(select(Delegate).where(Delegate.conference_id == conference_id,
                                                    Delegate.user_id == user_id))).scalar_one_or_none()


async def delegate_id_for_user(db: AsyncSession, conference_id: int, user_id: int) -> int | None:
    """For a change the rules will lock and load themselves (see ensure_delegate_in)."""
    return (await db.execute(select(Delegate.id).where(Delegate.conference_id == conference_id,
                                                       Delegate.user_id == user_id))).scalar_one_or_none()


async def session_for_check_in(db: AsyncSession, conference_id: int, now: datetime) -> BusinessSession | None:
    """The session running now or, failing that, the next one if it starts within CHECK_IN_OPENS."""
    running = await session_at(db, conference_id, now)
    if running is not None:
        return running
    return (await db.execute(select(BusinessSession).where(
        BusinessSession.conference_id == conference_id, BusinessSession.starts_at > now,
        BusinessSession.starts_at <= now + CHECK_IN_OPENS).order_by(BusinessSession.starts_at).limit(1)
    )).scalar_one_or_none()


async def next_session(db: AsyncSession, conference_id: int, now: datetime) -> BusinessSession | None:
    return (await db.execute(select(BusinessSession).where(
        BusinessSession.conference_id == conference_id, BusinessSession.starts_at > now)
        .order_by(BusinessSession.starts_at).limit(1))).scalar_one_or_none()


async def is_checked_in(db: AsyncSession, delegate_id: int, session_id: int) -> bool:
    return (await db.execute(select(Presence.id).where(
        Presence.delegate_id == delegate_id, Presence.business_session_id == session_id,
        Presence.checked_out_at.is_(None)))).first() is not None


@dataclass(frozen=True)
class SubstitutionLink:
    """Whose credential a delegate holds, or who holds theirs."""

    other_id: int
    other_name: str
    holds_credential_of: bool  # True: this delegate is the substitute
    reason: str


async def substitution_of(db: AsyncSession, delegate_id: int) -> SubstitutionLink | None:
    row = (await db.execute(select(Substitution).where(or_(Substitution.absent_delegate_id == delegate_id,
                                                           Substitution.substitute_delegate_id == delegate_id))
                            )).scalar_one_or_none()
    if row is None:
        return None
    is_substitute = row.substitute_delegate_id == delegate_id
    other_id = row.absent_delegate_id if is_substitute else row.substitute_delegate_id
    other = await db.get(Delegate, other_id)
    return SubstitutionLink(other_id=other_id, other_name=other.name if other else "someone no longer listed",
                            holds_credential_of=is_substitute, reason=row.reason)


async def substitute_choices(db: AsyncSession, absent: Delegate) -> list[Delegate]:
    """Accredited substitutes free to take over `absent`'s credential: of the same body, or of none."""
    taken = select(Substitution.substitute_delegate_id).where(Substitution.conference_id == absent.conference_id)
    return list((await db.execute(select(Delegate).where(
        Delegate.conference_id == absent.conference_id, Delegate.role == DelegateRole.SUBSTITUTE,
        Delegate.status == AccreditationStatus.ACCREDITED,
        or_(Delegate.body_id.is_(None), Delegate.body_id == absent.body_id),
        Delegate.id.not_in(taken)).order_by(Delegate.name))).scalars())


@dataclass(frozen=True)
class Standing:
    """One person's place in a conference, for their own page: register entry, session, presence."""

    delegate: Delegate | None  # None: not on the register
    session: BusinessSession | None  # open for check-in now
    upcoming: BusinessSession | None  # the next one to start
    checked_in: bool
    substitution: SubstitutionLink | None


async def standing_of(db: AsyncSession, conference_id: int, user_id: int, now: datetime) -> Standing:
    delegate = await delegate_for_user(db, conference_id, user_id)
    session = await session_for_check_in(db, conference_id, now)
    upcoming = await next_session(db, conference_id, now)
    if delegate is None:
        return Standing(None, session, upcoming, False, None)
    checked_in = session is not None and await is_checked_in(db, delegate.id, session.id)  # type: ignore[arg-type]
    return Standing(delegate, session, upcoming, checked_in, await substitution_of(db, delegate.id))  # type: ignore[arg-type]
