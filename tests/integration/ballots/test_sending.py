"""Emailing members their voting links through a real (local) SMTP server: throttled, resumable, audited."""

from __future__ import annotations

import io
import json
import re
import time
from datetime import timedelta
from email.message import Message

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import make_settings
from tests.helpers import Visitor, audit_entries, make_user
from tests.integration.conferences import test_smtp
from tests.integration.conferences.test_smtp import REFUSED_ADDRESS, Inbox, body_of
from unionvote.audit.models import AuditEntry
from unionvote.ballots import sending
from unionvote.ballots.credentials import member_for_code, member_for_link
from unionvote.ballots.members import import_members
from unionvote.ballots.models import MemberBallot
from unionvote.ballots.services import MemberBallotSpec, QuestionSpec, create_member_ballot, open_ballot, scope_for
from unionvote.cli import main
from unionvote.conferences.mailer import Throttle
from unionvote.config import Settings
from unionvote.db import session_scope, utcnow

MEMBERS = (b"membership number,name,email,mobile,employer\n"
           b"A1,Ann Smith,ann@branch.example,,Acme\n"
           b"A2,Bayard Jones,bayard@branch.example,,Acme\n"
           b"A3,Cara Patel,,07700900003,Globex\n"
           b"A4,Dev Okafor,dev@branch.example,,Globex\n")


inbox = test_smtp.inbox  # the local SMTP server the enrolment mailer's tests use


@pytest.fixture
def settings(database_url: str, inbox: tuple[Inbox, int]) -> Settings:
    return make_settings(database_url, smtp_host="127.0.0.1", smtp_port=inbox[1], smtp_starttls=False,
                         smtp_from="ballots@union.example", smtp_per_second=200,
                         public_url="https://vote.union.example")


async def _ballot(factory: async_sessionmaker[AsyncSession], members: bytes = MEMBERS) -> int:
    now = utcnow()
    async with session_scope(factory) as db:
        ballot = await create_member_ballot(db, MemberBallotSpec(
            slug="pay-2027", title="Pay offer 2027", description="The employers have offered 3%.",
            opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(days=14),
            questions=[QuestionSpec("Do you accept the offer?")]), by=None)
        await import_members(db, ballot.id, io.BytesIO(members), by=None)  # type: ignore[arg-type]
        await open_ballot(db, ballot.id, by=None)  # type: ignore[arg-type]
        return ballot.id  # type: ignore[return-value]


async def _send(factory: async_sessionmaker[AsyncSession], settings: Settings, ballot_id: int,
                **kwargs: object) -> sending.SendingReport:
    async with session_scope(factory) as db:
        await sending.check_can_send(db, settings, ballot_id)
    return await sending.send_credentials(factory, settings, ballot_id, by=None, **kwargs)  # type: ignore[arg-type]


def _link_and_code(message: Message) -> tuple[str, str]:
    text = body_of(message)
    [link] = re.findall(r"https://vote\.union\.example/vote/(\S+)", text)
    [code] = re.findall(r"this code: ([A-Z0-9]{5}-[A-Z0-9]{5})", text)
    return link, code


async def test_each_member_with_an_address_gets_a_working_link_and_code_and_a_refusal_is_reported(
    factory: async_sessionmaker[AsyncSession], settings: Settings, inbox: tuple[Inbox, int],
) -> None:
    handler, _ = inbox
    ballot_id = await _ballot(factory)

    report = await _send(factory, settings, ballot_id)

    assert report.sent == 2 and report.failures == [("A2", "The mail server refused the address.")]
    assert sorted(m["To"] for m in handler.messages) == ["ann@branch.example", "dev@branch.example"]
    async with session_scope(factory) as db:
        ballot = await db.get(MemberBallot, ballot_id)
        for message in handler.messages:
            assert message["Subject"] == "Your vote: Pay offer 2027"
            text = body_of(message)
            assert "indicative" in text and "Pay offer 2027" in text
            link, code = _link_and_code(message)
            # Nobody else's name or number, outside the random link and code (where "A2" may occur by chance).
            rest = text.replace(link, "").replace(code, "")
            assert not any(other in rest for other in ("Bayard", "Cara", "A2", "A3") + (
                ("Dev", "A4") if message["To"].startswith("ann") else ("Ann", "A1")))
            member = await member_for_link(db, link)
            assert member is not None and member.email == message["To"]
            assert text.startswith(f"Dear {member.name.split()[0]},")  # type: ignore[union-attr]
            assert await member_for_code(db, ballot, member.membership_number, code) == member  # type: ignore[arg-type]
        status = await sending.email_status(db, ballot)  # type: ignore[arg-type]
    assert (status.emailed, status.waiting, status.sending_since) == (2, 1, None)
    assert status.failures == [("A2", "The mail server refused the address.")]
    [entry] = [e for e in await _entries(factory, ballot_id) if e.action == "credentials.emailed"]
    assert json.loads(entry.payload) == {"issued": 3, "sent": 2, "failed": 1}
    assert "branch.example" not in entry.payload


async def _entries(factory: async_sessionmaker[AsyncSession], ballot_id: int) -> list[AuditEntry]:
    async with session_scope(factory) as db:
        return list((await db.execute(select(AuditEntry).where(AuditEntry.scope == scope_for(ballot_id))
                                      .order_by(AuditEntry.seq))).scalars())


async def test_sending_again_skips_those_emailed_and_retries_failures_and_one_member_can_be_sent_a_new_link(
    factory: async_sessionmaker[AsyncSession], settings: Settings, inbox: tuple[Inbox, int],
) -> None:
    handler, _ = inbox
    ballot_id = await _ballot(factory)
    await _send(factory, settings, ballot_id)
    first_links = {m["To"]: _link_and_code(m)[0] for m in handler.messages}
    handler.messages.clear()

    again = await _send(factory, settings, ballot_id)
    assert again.sent == 0 and [number for number, _ in again.failures] == ["A2"]
    assert handler.messages == []

    one = await _send(factory, settings, ballot_id, membership_number="a1")
    assert one.sent == 1 and [m["To"] for m in handler.messages] == ["ann@branch.example"]
    new_link = _link_and_code(handler.messages[0])[0]
    async with session_scope(factory) as db:
        assert await member_for_link(db, first_links["ann@branch.example"]) is None, "the old link still works"
        assert (await member_for_link(db, new_link)).membership_number == "A1"  # type: ignore[union-attr]
        assert (await member_for_link(db, first_links["dev@branch.example"])).membership_number == "A4"  # type: ignore[union-attr]
    actions = [e.action for e in await _entries(factory, ballot_id)]
    assert actions[-2:] == ["credential.reissued", "credentials.emailed"]

    with pytest.raises(sending.MemberBallotError, match="no email address"):
        await _send(factory, settings, ballot_id, membership_number="A3")


async def test_sending_is_throttled_across_batches_and_only_one_run_at_a_time(
    factory: async_sessionmaker[AsyncSession], settings: Settings, inbox: tuple[Inbox, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    handler, _ = inbox
    members = "membership number,email,employer\n" + "".join(f"B{n},b{n}@branch.example,Acme\n" for n in range(5))
    ballot_id = await _ballot(factory, members.encode())
    monkeypatch.setattr(sending, "SEND_BATCH", 2)
    naps: list[float] = []
    slow = Settings(**{**settings.__dict__, "smtp_per_second": 4})

    async with session_scope(factory) as db:
        await sending.check_can_send(db, slow, ballot_id)
    async with session_scope(factory) as db:
        with pytest.raises(sending.MemberBallotError, match="being emailed already"):
            await sending.check_can_send(db, slow, ballot_id)
    started = time.monotonic()
    report = await sending.send_credentials(factory, slow, ballot_id, by=None, throttle=Throttle(4, naps.append))
    took = time.monotonic() - started

    assert report.sent == 5 and len(handler.messages) == 5
    assert took + sum(naps) >= 4 * 0.25 - 0.01  # four gaps of a quarter second, over three batches
    assert len([e for e in await _entries(factory, ballot_id) if e.action == "credentials.emailed"]) == 3
    async with session_scope(factory) as db:  # the run has ended: another may start
        await sending.check_can_send(db, slow, ballot_id)


async def test_staff_send_from_the_overview_page_and_a_second_run_is_refused_while_one_is_going(
    app: Litestar, client: AsyncTestClient[Litestar], inbox: tuple[Inbox, int],
    factory: async_sessionmaker[AsyncSession],
) -> None:
    handler, _ = inbox
    ballot_id = await _ballot(factory)
    _, secret = await make_user(app, "admin@union.example", admin=True)
    admin = Visitor(client)
    await admin.log_in("admin@union.example", totp_secret=secret)

    response = await admin.post(f"/member-ballots/{ballot_id}/credentials/email", data={})
    assert response.status_code == 303
    assert sorted(m["To"] for m in handler.messages) == ["ann@branch.example", "dev@branch.example"]
    page = (await admin.get(f"/member-ballots/{ballot_id}")).text
    assert "Emailed so far: 2" in page and "The mail server refused the address." in page

    async with session_scope(factory) as db:
        await db.execute(update(MemberBallot).where(MemberBallot.id == ballot_id).values(emailing_since=utcnow()))
    refused = await admin.post(f"/member-ballots/{ballot_id}/credentials/email", data={})
    assert refused.status_code == 409 and "being emailed already" in refused.text
    assert len(handler.messages) == 2
    assert [e.action for e in await audit_entries(app, scope=scope_for(ballot_id), action="credentials.emailed")] \
        == ["credentials.emailed"]


def test_the_command_line_sends_and_says_who_was_not_reached(
    database_url: str, settings: Settings, inbox: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import asyncio

    from unionvote.db import make_engine, make_session_factory

    async def make() -> int:
        engine = make_engine(Settings(database_url=database_url))
        try:
            return await _ballot(make_session_factory(engine))
        finally:
            await engine.dispose()

    asyncio.run(make())
    for name, value in {"UNIONVOTE_DATABASE_URL": database_url, "UNIONVOTE_SECRET_KEY": "x" * 40,
                        "UNIONVOTE_SMTP_HOST": "127.0.0.1", "UNIONVOTE_SMTP_PORT": str(inbox[1]),
                        "UNIONVOTE_SMTP_STARTTLS": "0", "UNIONVOTE_SMTP_PER_SECOND": "100"}.items():
        monkeypatch.setenv(name, value)
    assert main(["ballots", "send-credentials", "--ballot", "pay-2027"]) == 1
    out, err = capsys.readouterr()
    assert "2 emailed, 1 failed" in out and "Not sent to member A2: The mail server refused the address." in err
    assert REFUSED_ADDRESS not in out + err
    assert main(["ballots", "send-credentials", "--ballot", "no-such"]) == 2
    assert "no ballot called 'no-such'" in capsys.readouterr().err
    assert len(inbox[0].messages) == 2
