"""The dashboard's counts (member_turnout) agree with the member table through imports, joiners, removals and votes."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, pool, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from tests.integration.ballots.world import make_ballot
from tests.pg import fresh_postgres_database, postgres_url
from unionvote import migrate
from unionvote.ballots.casting import cast_member_vote
from unionvote.ballots.members import MembersFileRejected, add_member, import_members, remove_member
from unionvote.ballots.models import SEGMENTS, Member, MemberBallot, MemberTurnout
from unionvote.ballots.services import open_ballot, questions_of
from unionvote.ballots.turnout import overall, turnout
from unionvote.db import session_scope
from unionvote.voting.receipts import new_token


async def _counted_by_hand(db: AsyncSession, ballot_id: int, segment: str) -> dict[str, tuple[int, int]]:
    column = getattr(Member, segment)
    rows = (await db.execute(select(column, func.count(), func.count(Member.voted_at)).where(
        Member.ballot_id == ballot_id, Member.removed_at.is_(None)).group_by(column))).all()
    return {name or "(not given)": (entitled, voted) for name, entitled, voted in rows}


async def _shown(db: AsyncSession, ballot_id: int, segment: str) -> dict[str, tuple[int, int]]:
    shown = await turnout(db, await db.get(MemberBallot, ballot_id), segment)  # type: ignore[arg-type]
    return {row.name: (row.entitled, row.voted) for row in shown.rows}


async def _vote(factory: async_sessionmaker[AsyncSession], ballot_id: int, member_id: int) -> None:
    async with session_scope(factory) as db:
        [question] = await questions_of(db, ballot_id)
        await cast_member_vote(db, ballot_id, member_id, {question.id: ["yes"]}, new_token())  # type: ignore[dict-item]


async def test_turnout_by_every_segment_matches_a_count_of_the_members(
        factory: async_sessionmaker[AsyncSession]) -> None:
    ballot_id = await make_ballot(factory, {"Acme": 12, "Globex": 7, "Initech": 3}, open_now=False)
    async with session_scope(factory) as db:
        await add_member(db, ballot_id, {"membership_number": "J1", "employer": "Acme", "workplace": "Leeds",
                                         "region": "Yorkshire"}, by=None)
        await add_member(db, ballot_id, {"membership_number": "J2", "employer": "Umbrella"}, by=None)
        await remove_member(db, ballot_id, "M20", "left the union", by=None)  # Initech's first member
        await open_ballot(db, ballot_id, by=None)
        voters = (await db.execute(select(Member.id).where(Member.ballot_id == ballot_id,
                                                          Member.removed_at.is_(None)).order_by(Member.id))).scalars()
        voters = list(voters)[::2]
    # Votes arrive at the same time, each in its own transaction, as they do from members' phones.
    await asyncio.gather(*(_vote(factory, ballot_id, member_id) for member_id in voters))
    async with session_scope(factory) as db:
        for segment in SEGMENTS:
            assert await _shown(db, ballot_id, segment) == await _counted_by_hand(db, ballot_id, segment), segment
        everyone = await overall(db, await db.get(MemberBallot, ballot_id))  # type: ignore[arg-type]
    assert (everyone.entitled, everyone.voted) == (23, len(voters))  # 22 imported + 2 joiners - 1 removed


async def test_a_removed_employer_drops_off_the_dashboard(factory: async_sessionmaker[AsyncSession]) -> None:
    ballot_id = await make_ballot(factory, {"Acme": 2, "Tiny": 1}, open_now=False)
    async with session_scope(factory) as db:
        await remove_member(db, ballot_id, "M3", "moved to another union", by=None)
        shown = await _shown(db, ballot_id, "employer")
    assert shown == {"Acme": (2, 0)}


async def test_a_rejected_import_counts_nobody(factory: async_sessionmaker[AsyncSession]) -> None:
    ballot_id = await make_ballot(factory, {"Acme": 2}, open_now=False)
    data = b"membership number,employer\nZ1,Acme\nZ2,\n"
    async with session_scope(factory) as db:
        with pytest.raises(MembersFileRejected, match="Row 3: employer is missing"):
            await import_members(db, ballot_id, io.BytesIO(data), by=None)
    async with session_scope(factory) as db:
        entitled = (await db.execute(select(func.sum(MemberTurnout.entitled)).where(
            MemberTurnout.ballot_id == ballot_id, MemberTurnout.kind == "employer"))).scalar_one()
        assert entitled == 2
        assert await _shown(db, ballot_id, "employer") == {"Acme": (2, 0)}


async def test_extra_columns_are_stored_as_canonical_json(factory: async_sessionmaker[AsyncSession]) -> None:
    ballot_id = await make_ballot(factory, {"Acme": 1}, open_now=False)
    data = ('membership number,employer,Zone,Grade,"Shift ""pattern"""\n'
            'Q1,Acme,Nord-Süd,"B3, senior","4 on ""4 off"""\nQ2,Acme,,,\n').encode()
    async with session_scope(factory) as db:
        await import_members(db, ballot_id, io.BytesIO(data), by=None)
        stored = dict((await db.execute(select(Member.membership_number, Member.extra).where(
            Member.membership_number.in_(["Q1", "Q2"])))).all())
    assert stored["Q1"] == json.dumps({"Zone": "Nord-Süd", "Grade": "B3, senior", 'Shift "pattern"': '4 on "4 off"'},
                                      sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert json.loads(stored["Q2"]) == {"Zone": "", "Grade": "", 'Shift "pattern"': ""}


NEEDS_POSTGRES = pytest.mark.skipif(postgres_url() is None, reason="UNIONVOTE_TEST_POSTGRES_URL is not set")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=[pytest.mark.postgres, NEEDS_POSTGRES])])
async def unmigrated(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'before.db'}"
    else:
        async with fresh_postgres_database(postgres_url() or "") as url:
            yield url


async def test_members_imported_before_the_counts_existed_are_counted_by_the_upgrade(unmigrated: str) -> None:
    migrate.upgrade(unmigrated, "a4d1c9e7b203")  # the revision before member_turnout
    engine = create_async_engine(unmigrated, poolclass=pool.NullPool)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO member_ballot (id, slug, title, description, state, opens_at, closes_at, "
                "turnout_percent, min_segment, code_salt, created_at) VALUES (7, 'old-ballot', 'Old', 'Old.', 'open', "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 50, 10, 'salt', CURRENT_TIMESTAMP)"))
            await conn.execute(text(
                "INSERT INTO member (ballot_id, membership_number, employer, workplace, region, branch, voted_at, "
                "removed_at) VALUES (7, 'A1', 'Acme', 'Leeds', 'North', 'B1', CURRENT_TIMESTAMP, NULL), "
                "(7, 'A2', 'Acme', 'York', 'North', 'B1', NULL, NULL), "
                "(7, 'A3', 'Acme', 'York', 'North', 'B1', NULL, CURRENT_TIMESTAMP)"))
        migrate.upgrade(unmigrated, "head")
        async with engine.begin() as conn:
            counts = (await conn.execute(text(
                "SELECT kind, value, sum(entitled), sum(voted) FROM member_turnout WHERE ballot_id = 7 "
                "GROUP BY kind, value ORDER BY kind, value"))).all()
            await conn.execute(text("UPDATE member SET voted_at = CURRENT_TIMESTAMP WHERE membership_number = 'A2'"))
            voted = (await conn.execute(text(
                "SELECT sum(voted) FROM member_turnout WHERE ballot_id = 7 AND kind = 'region'"))).scalar_one()
    finally:
        await engine.dispose()
    assert [tuple(row) for row in counts] == [("branch", "B1", 2, 1), ("employer", "Acme", 2, 1),
                                              ("region", "North", 2, 1), ("workplace", "Leeds", 1, 1),
                                              ("workplace", "York", 1, 0)]
    assert voted == 2  # the trigger is in place: a vote after the upgrade is counted
