"""A member ballot to test with: created, its membership imported from generated CSV."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.integration.live.test_websocket import csrf_token
from unionvote.ballots.casting import cast_member_vote
from unionvote.ballots.credentials import issue_credentials
from unionvote.ballots.members import import_members
from unionvote.ballots.models import Member
from unionvote.ballots.services import MemberBallotSpec, QuestionSpec, create_member_ballot, open_ballot, questions_of
from unionvote.cli import main
from unionvote.config import Settings
from unionvote.db import make_engine, make_session_factory, session_scope, utcnow
from unionvote.voting.receipts import new_token

HEADER = "membership number,name,email,mobile,employer,workplace,region,branch\n"


def members_csv(by_employer: dict[str, int], start: int = 1) -> bytes:
    lines, number = [HEADER], start
    for employer, count in by_employer.items():
        for _ in range(count):
            lines.append(f"M{number},Member {number},m{number}@example.org,07700900{number % 1000:03d},{employer},"
                         f"{employer} depot,North,{employer[:3]} branch\n")
            number += 1
    return "".join(lines).encode()


async def make_ballot(factory: async_sessionmaker[AsyncSession], by_employer: dict[str, int], *, slug: str = "pay-2027",
                      open_now: bool = True, yes_percent: int | None = None, min_segment: int = 10,
                      objection_hours: int = 0) -> int:
    now = utcnow()
    async with session_scope(factory) as db:
        ballot = await create_member_ballot(db, MemberBallotSpec(
            slug=slug, title="Pay offer 2027", description="Do you accept the pay offer?",
            opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(days=14),
            questions=[QuestionSpec("Do you accept the employers' pay offer?")], yes_percent=yes_percent,
            min_segment=min_segment, objection_hours=objection_hours), by=None)
        await import_members(db, ballot.id, io.BytesIO(members_csv(by_employer)), by=None)  # type: ignore[arg-type]
        if open_now:
            await open_ballot(db, ballot.id, by=None)  # type: ignore[arg-type]
        return ballot.id  # type: ignore[return-value]


async def votes_from(factory: async_sessionmaker[AsyncSession], ballot_id: int, employer: str,
                     answers: list[str]) -> None:
    """The first members of `employer` who have not voted answer the (one) question, in turn."""
    async with session_scope(factory) as db:
        [question] = await questions_of(db, ballot_id)
        members = (await db.execute(select(Member.id).where(Member.employer == employer, Member.voted_at.is_(None))
                                    .order_by(Member.id).limit(len(answers)))).scalars().all()
        for member_id, answer in zip(members, answers, strict=True):
            await cast_member_vote(db, ballot_id, member_id, {question.id: [answer]}, new_token())  # type: ignore[dict-item]


async def issued_ballot(db: AsyncSession, by_employer: dict[str, int]) -> tuple[int, dict[str, str]]:
    """An open yes-or-no ballot of `by_employer`'s members with their links issued: its id, each member's link
    by name."""
    now = utcnow()
    ballot = await create_member_ballot(db, MemberBallotSpec(
        slug="pay-2027", title="Pay", description="The offer.", opens_at=now - timedelta(minutes=1),
        closes_at=now + timedelta(days=3), questions=[QuestionSpec("Accept?")]), by=None)
    await import_members(db, ballot.id, io.BytesIO(members_csv(by_employer)), by=None)  # type: ignore[arg-type]
    issued = await issue_credentials(db, ballot.id, by=None)  # type: ignore[arg-type]
    await open_ballot(db, ballot.id, by=None)  # type: ignore[arg-type]
    return ballot.id, {c.name: c.link_token for c in issued}  # type: ignore[misc]


def vote_yes_by_link(client: TestClient[Litestar], link: str) -> None:
    """A member opens their voting link (no login needed) and answers yes."""
    form = client.get(f"/vote/{link}")
    question = re.search(r'name="(q\d+)"', form.text).group(1)  # type: ignore[union-attr]
    token = re.search(r'name="token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    voted = client.post(f"/vote/{link}", data={"token": token, question: "yes"},
                        headers={"x-csrftoken": csrf_token(client)})
    assert voted.status_code == 201, voted.text


async def on_database(url: str, work: Callable[[async_sessionmaker[AsyncSession]], Awaitable[Any]]) -> Any:
    """`work` on the database at `url` through an engine of its own, as the command line reaches it."""
    engine = make_engine(Settings(database_url=url))
    try:
        return await work(make_session_factory(engine))
    finally:
        await engine.dispose()


def export_member_ballot(database_url: str, out: Path, monkeypatch: pytest.MonkeyPatch,
                         capsys: pytest.CaptureFixture[str],
                         run: Callable[[async_sessionmaker[AsyncSession]], Awaitable[Any]]) -> str:
    """`run` the ballot 'pay-2027', then `unionvote audit export` it into `out`; returns what the command said."""
    monkeypatch.setenv("UNIONVOTE_DATABASE_URL", database_url)
    asyncio.run(on_database(database_url, run))
    assert main(["audit", "export", "--member-ballot", "pay-2027", "--out", str(out)]) == 0
    return capsys.readouterr().out


def verify_export(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """`unionvote audit verify` on an export: its exit code and what it said."""
    code = main(["audit", "verify", str(path)])
    return code, capsys.readouterr().out
