"""`unionvote ballots import-members` and `erase-personal-data`: all rows or none; names go, results stay."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.integration.ballots.world import members_csv
from unionvote.audit.chain import verify_lines
from unionvote.audit.services import export_lines
from unionvote.ballots.casting import cast_member_vote
from unionvote.ballots.models import Member, MemberBallot
from unionvote.ballots.results import declare_result
from unionvote.ballots.services import (
    MemberBallotSpec,
    QuestionSpec,
    close_ballot,
    create_member_ballot,
    open_ballot,
    questions_of,
    scope_for,
)
from unionvote.cli import main
from unionvote.config import Settings
from unionvote.db import make_engine, make_session_factory, session_scope, utcnow
from unionvote.voting.receipts import new_token


async def _run(url: str, step: str) -> object:
    engine = make_engine(Settings(database_url=url))
    try:
        async with session_scope(make_session_factory(engine)) as db:
            if step == "create":
                now = utcnow()
                await create_member_ballot(db, MemberBallotSpec(
                    slug="pay-2027", title="Pay", description="The offer.", opens_at=now - timedelta(hours=1),
                    closes_at=now + timedelta(days=1), questions=[QuestionSpec("Accept?")],
                    retention_until=date.today() + timedelta(days=30)), by=None)
                return None
            ballot = (await db.execute(select(MemberBallot))).scalar_one()
            if step == "run":
                await open_ballot(db, ballot.id, by=None)  # type: ignore[arg-type]
                [question] = await questions_of(db, ballot.id)  # type: ignore[arg-type]
                member = (await db.execute(select(Member).order_by(Member.id))).scalars().first()
                await cast_member_vote(db, ballot.id, member.id, {question.id: ["yes"]}, new_token())  # type: ignore[arg-type,union-attr,dict-item]
                await close_ballot(db, ballot.id, by=None)  # type: ignore[arg-type]
                await declare_result(db, ballot.id, by=None)  # type: ignore[arg-type]
                return None
            if step == "members":
                return [(m.name, m.email, m.mobile, m.employer) for m in (await db.execute(select(Member))).scalars()]
            lines = [line async for line in export_lines(db, scope_for(ballot.id))]  # type: ignore[arg-type]
            return ballot.result_hash, lines
    finally:
        await engine.dispose()


@pytest.fixture
def cli_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("UNIONVOTE_DATABASE_URL", database_url)
    asyncio.run(_run(database_url, "create"))
    return database_url


def test_a_bad_file_prints_every_bad_row_and_imports_nothing(cli_database: str, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "members.csv").write_bytes(b"membership number,employer\n,Acme\nA2,\nA3,Acme\n")
    assert main(["ballots", "import-members", "--ballot", "pay-2027", str(tmp_path / "members.csv")]) == 1
    err = capsys.readouterr().err
    assert "Row 2: membership number is missing" in err and "Row 3: employer is missing" in err
    assert asyncio.run(_run(cli_database, "members")) == []


def test_a_crm_export_is_read_with_the_mapping_named_on_the_command_line(
        cli_database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "crm.csv").write_bytes(b"Member No,First Name,Last Name,Mobile Phone,Employer Name\n"
                                       b"C1,Ann,Jones,07700 900301,Acme\n")
    args = ["ballots", "import-members", "--ballot", "pay-2027", str(tmp_path / "crm.csv")]
    assert main([*args[:4], "--mapping", "membership-system", args[4]]) == 1
    err = capsys.readouterr().err
    assert "Row 1: the header lacks 'membership number' (the membership-system mapping reads it from" in err
    assert "the headings fit the mapping 'CRM contacts export" in err
    assert asyncio.run(_run(cli_database, "members")) == []
    assert main([*args[:4], "--mapping", "crm-contacts", args[4]]) == 0
    assert "1 imported (columns read with the crm-contacts mapping)" in capsys.readouterr().out
    assert asyncio.run(_run(cli_database, "members")) == [("Ann Jones", None, "07700900301", "Acme")]


def test_erasure_removes_names_and_keeps_a_verifiable_result(cli_database: str, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "members.csv").write_bytes(members_csv({"Acme": 3}))
    assert main(["ballots", "import-members", "--ballot", "pay-2027", str(tmp_path / "members.csv")]) == 0
    assert "3 imported" in capsys.readouterr().out
    asyncio.run(_run(cli_database, "run"))
    result_before, _ = asyncio.run(_run(cli_database, "export"))
    assert main(["ballots", "erase-personal-data", "--due"]) == 0
    assert "No member ballot has personal data due" in capsys.readouterr().out
    assert main(["ballots", "erase-personal-data", "--ballot", "pay-2027"]) == 1
    assert "not due for erasure" in capsys.readouterr().err
    assert main(["ballots", "erase-personal-data", "--ballot", "pay-2027", "--force"]) == 0
    assert asyncio.run(_run(cli_database, "members")) == [(None, None, None, "Acme")] * 3
    result_after, lines = asyncio.run(_run(cli_database, "export"))
    assert result_after == result_before
    assert verify_lines(lines).ok
    assert '"action":"members.personal_data_erased"' in lines[-1]
    assert not any("Member 1" in line or "example.org" in line for line in lines)
