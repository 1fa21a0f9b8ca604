"""Turnout: who has voted (never how), overall, by segment and over time; reminder lists of non-voters.

Everything is counted from the member table's `voted_at` mark, in one grouped query,
so the figures are exact at any size and never hold a running tally of choices.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.ballots.models import SEGMENTS, Member, MemberBallot
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


async def turnout(db: AsyncSession, ballot: MemberBallot, segment: str = "employer", sort: str = "name") -> Turnout:
    column = getattr(Member, check_segment(segment))
    grouped = (await db.execute(select(column, func.count(), func.count(Member.voted_at)).where(
        Member.ballot_id == ballot.id, Member.removed_at.is_(None)).group_by(column))).all()
    rule = {"turnout_percent": ballot.turnout_percent}
    rows = [analyse(name or "(not given)", entitled, voted, **rule) for name, entitled, voted in grouped]
    overall = analyse("Everyone", sum(r.entitled for r in rows), sum(r.voted for r in rows), **rule)
    return Turnout(segment, overall, _sort(rows, sort))


async def overall(db: AsyncSession, ballot: MemberBallot) -> SegmentAnalysis:
    entitled, voted = (await db.execute(select(func.count(), func.count(Member.voted_at)).where(
        Member.ballot_id == ballot.id, Member.removed_at.is_(None)))).one()
    return analyse("Everyone", entitled, voted, turnout_percent=ballot.turnout_percent)


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
    """Members who have not voted (optionally of one segment), for reminders. Never how anyone voted."""
    after = 0
    while True:
        query = select(Member).where(Member.ballot_id == ballot.id, Member.removed_at.is_(None),
                                     Member.voted_at.is_(None), Member.id > after)
        if segment:
            query = query.where(getattr(Member, check_segment(segment)) == (value or ""))
        members = (await db.execute(query.order_by(Member.id).limit(batch))).scalars().all()
        if not members:
            return
        for m in members:
            yield [m.membership_number, m.name or "", m.email or "", m.mobile or "", m.employer, m.workplace,
                   m.region, m.branch]
        after = members[-1].id  # type: ignore[assignment]
