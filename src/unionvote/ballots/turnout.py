"""Turnout: who has voted (never how), overall, by segment and over time; reminder lists of non-voters.

Entitled and voted counts per segment come from `member_turnout`: the import counts the
members it adds, and a database trigger follows the member table's `voted_at` and
`removed_at` marks in the transaction that sets them, so the figures are exact and a
dashboard at 500,000 members reads a few thousand rows instead of counting the
membership. It never holds a tally of choices.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.ballots.models import SEGMENTS, Member, MemberBallot, MemberTurnout
from unionvote.ballots.open_ballots import read_alone
from unionvote.ballots.services import MemberBallotError
from unionvote.ballots.thresholds import SegmentAnalysis, analyse
from unionvote.db import UTCDateTime, is_postgres

SORTS = ("name", "entitled", "voted", "turnout", "short")
NON_VOTER_HEADER = ("membership number", "name", "email", "mobile", "employer", "workplace", "region", "branch")


@dataclass(frozen=True)
class Turnout:
    segment: str  # "" for everyone together
    overall: SegmentAnalysis
    rows: list[SegmentAnalysis]


def check_segment(segment: str) -> str:
    if segment not in SEGMENTS:
        raise MemberBallotError(f"Turnout can be shown by {', '.join(SEGMENTS[:-1])} or {SEGMENTS[-1]}, "
                                f"not '{segment}'.")
    return segment


def _sort(rows: list[SegmentAnalysis], sort: str) -> list[SegmentAnalysis]:
    keys = {"name": lambda r: (r.name.lower(),), "entitled": lambda r: (-r.entitled, r.name),
            "voted": lambda r: (-r.voted, r.name),
            "turnout": lambda r: (-(r.voted * 10**6 // r.entitled if r.entitled else 0), r.name),
            "short": lambda r: (-r.turnout.short_by, r.name)}
    return sorted(rows, key=keys.get(sort, keys["name"]))


async def _counts(db: AsyncSession, ballot_id: int, segment: str) -> list[tuple[str, int, int]]:
    """(segment value, entitled, voted) for every value with a member still on the ballot."""
    entitled, voted = func.sum(MemberTurnout.entitled), func.sum(MemberTurnout.voted)
    # Alone in autocommit when the request has begun nothing: one round trip while votes keep the workers busy.
    rows = await read_alone(db, select(MemberTurnout.value, entitled, voted).where(
        MemberTurnout.ballot_id == ballot_id, MemberTurnout.kind == check_segment(segment))
        .group_by(MemberTurnout.value).having(entitled > 0))
    return [(value, int(e), int(v)) for value, e, v in rows]


async def turnout(db: AsyncSession, ballot: MemberBallot, segment: str = "employer", sort: str = "name") -> Turnout:
    rule = {"turnout_percent": ballot.turnout_percent}
    rows = [analyse(name or "(not given)", entitled, voted, **rule)
            for name, entitled, voted in await _counts(db, ballot.id, segment)]  # type: ignore[arg-type]
    overall = analyse("Everyone", sum(r.entitled for r in rows), sum(r.voted for r in rows), **rule)
    return Turnout(segment, overall, _sort(rows, sort))


async def overall(db: AsyncSession, ballot: MemberBallot) -> SegmentAnalysis:
    entitled, voted = (await db.execute(select(
        func.coalesce(func.sum(MemberTurnout.entitled), 0), func.coalesce(func.sum(MemberTurnout.voted), 0)).where(
        MemberTurnout.ballot_id == ballot.id, MemberTurnout.kind == "employer"))).one()
    return analyse("Everyone", int(entitled), int(voted), turnout_percent=ballot.turnout_percent)


async def over_time(db: AsyncSession, ballot: MemberBallot) -> list[tuple[datetime, int]]:
    """Cumulative votes at the end of each hour that had votes, oldest first."""
    if is_postgres(db):
        hour = func.date_trunc("hour", Member.voted_at)
    else:
        hour = func.strftime("%Y-%m-%d %H:00:00", Member.voted_at)
    rows = (await db.execute(select(hour.label("hour"), func.count()).where(
        Member.ballot_id == ballot.id, Member.voted_at.is_not(None)).group_by(hour).order_by(hour))).all()
    points, total = [], 0
    for when, count in rows:
        moment = when if isinstance(when, datetime) else datetime.fromisoformat(when)
        moment = UTCDateTime().process_result_value(moment.replace(tzinfo=None) if moment.tzinfo is None
                                                    else moment, None)  # type: ignore[arg-type]
        total += count
        points.append((moment + timedelta(hours=1), total))  # type: ignore[operator]
    return points


async def non_voters(db: AsyncSession, ballot: MemberBallot, segment: str | None, value: str | None,
                     batch: int = 5_000) -> AsyncIterator[list[str]]:
    """Members who have not voted (optionally of one segment), for reminders. Never how anyone voted.

    One query streamed in batches (a server-side cursor on PostgreSQL), selecting only the
    columns the list shows: at 500,000 members, paging by id with whole rows took a minute.
    """
    query = select(Member.membership_number, Member.name, Member.email, Member.mobile, Member.employer,
                   Member.workplace, Member.region, Member.branch).where(
        Member.ballot_id == ballot.id, Member.removed_at.is_(None), Member.voted_at.is_(None))
    if segment:
        query = query.where(getattr(Member, check_segment(segment)) == (value or ""))
    rows = await db.stream(query.order_by(Member.id).execution_options(yield_per=batch))
    async for number, name, email, mobile, employer, workplace, region, branch in rows:
        yield [number, name or "", email or "", mobile or "", employer, workplace, region, branch]
