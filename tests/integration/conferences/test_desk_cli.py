"""`unionvote desk ...` and `unionvote conferences quorum`: the desk's work from a terminal."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.integration.conferences.builders import bodies_csv, delegates_csv, session_now
from unionvote.cli import main
from unionvote.conferences.eligibility import eligible_voters
from unionvote.conferences.models import Conference
from unionvote.conferences.register import Delegate
from unionvote.conferences.services import create_conference
from unionvote.config import Settings
from unionvote.db import make_engine, make_session_factory, session_scope


async def _conference_with_session(url: str) -> None:
    engine = make_engine(Settings(database_url=url))
    try:
        factory = make_session_factory(engine)
        async with session_scope(factory) as db:
            conference = await create_conference(db, slug="adc-2027", name="Annual Delegate Conference", by=None)
        await session_now(factory, conference.id)  # type: ignore[arg-type]
    finally:
        await engine.dispose()


async def _state(url: str) -> tuple[dict[str, str], set[str]]:
    """(status by membership number, membership numbers of those who may vote now)."""
    engine = make_engine(Settings(database_url=url))
    try:
        async with session_scope(make_session_factory(engine)) as db:
            conference_id = (await db.execute(select(Conference.id))).scalar_one()
            delegates = (await db.execute(select(Delegate))).scalars().all()
            by_id = {d.id: d.membership_number for d in delegates}
            voters = await eligible_voters(db, conference_id)
            return ({d.membership_number: d.status for d in delegates},
                    {by_id[v.delegate_id] for v in voters})
    finally:
        await engine.dispose()


@pytest.fixture
def desk(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.setenv("UNIONVOTE_DATABASE_URL", database_url)
    asyncio.run(_conference_with_session(database_url))
    (tmp_path / "bodies.csv").write_bytes(bodies_csv(("LON", 1000), ("MAN", 600)))
    (tmp_path / "delegates.csv").write_bytes(delegates_csv(
        ("1", "LON", "delegate"), ("2", "MAN", "delegate"), ("3", "MAN", "substitute")))
    assert main(["bodies", "import", "--conference", "adc-2027", str(tmp_path / "bodies.csv")]) == 0
    assert main(["delegates", "import", "--conference", "adc-2027", str(tmp_path / "delegates.csv")]) == 0
    return database_url


def test_the_desk_accredits_checks_in_and_the_delegate_may_vote(
        desk: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["desk", "accredit", "--conference", "adc-2027", "--member", "1", "--note", "union card seen"]) == 0
    assert main(["desk", "check-in", "--conference", "adc-2027", "--member", "1"]) == 0

    statuses, voters = asyncio.run(_state(desk))
    assert statuses["1"] == "accredited" and voters == {"1"}
    assert "Membership number 1: checked in to Tuesday morning." in capsys.readouterr().out


def test_a_substitute_takes_over_and_a_revoked_delegate_cannot_vote(
        desk: str, capsys: pytest.CaptureFixture[str]) -> None:
    for member in ("1", "2", "3"):
        main(["desk", "accredit", "--conference", "adc-2027", "--member", member, "--note", "photo ID"])
    assert main(["desk", "substitute", "--conference", "adc-2027", "--member", "2", "--substitute", "3",
                 "--reason", "taken ill"]) == 0
    for member in ("1", "2", "3"):
        main(["desk", "check-in", "--conference", "adc-2027", "--member", member])
    assert main(["desk", "revoke", "--conference", "adc-2027", "--member", "1", "--reason", "left early"]) == 0

    statuses, voters = asyncio.run(_state(desk))
    assert statuses == {"1": "revoked", "2": "substituted", "3": "accredited"}
    assert voters == {"3"}


def test_quorum_answers_in_words_and_by_exit_code(desk: str, capsys: pytest.CaptureFixture[str]) -> None:
    before = main(["conferences", "quorum", "--conference", "adc-2027"])
    empty = capsys.readouterr().out
    main(["desk", "accredit", "--conference", "adc-2027", "--member", "1", "--note", "photo ID"])
    main(["desk", "check-in", "--conference", "adc-2027", "--member", "1"])
    capsys.readouterr()

    after = main(["conferences", "quorum", "--conference", "adc-2027"])

    out = capsys.readouterr().out
    assert empty.startswith("Rule: ") and "0 voting delegates present" in empty
    assert "1 voting delegate present" in out
    for code, text in ((before, empty), (after, out)):
        assert code == (0 if "\nQuorate" in text else 3)


def test_mistakes_get_a_plain_message_and_change_nothing(desk: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["desk", "accredit", "--conference", "adc-2027", "--member", "99", "--note", "photo ID"]) == 2
    assert main(["desk", "accredit", "--conference", "nope-2027", "--member", "1", "--note", "photo ID"]) == 2
    assert main(["desk", "accredit", "--conference", "adc-2027", "--member", "1", "--note", "  "]) == 1
    err = capsys.readouterr().err
    assert "No one with membership number '99'" in err and "No conference with the short name 'nope-2027'" in err
    assert asyncio.run(_state(desk))[0] == {"1": "not_accredited", "2": "not_accredited", "3": "not_accredited"}
