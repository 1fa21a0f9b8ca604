"""Emailing enrolment links through a real (local) SMTP server."""

from __future__ import annotations

import email
import json
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.header import decode_header, make_header
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from tests.conftest import make_settings
from tests.helpers import Visitor, app_db, audit_entries
from tests.integration.conferences.invitation_world import PEOPLE, conference_with_register
from unionvote.conferences.credentials import Invitation
from unionvote.conferences.mailer import InvitationEmail, send_all
from unionvote.config import Settings

REFUSED_ADDRESS = "bayard@branch.example"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Inbox:
    """An SMTP server's handler: keeps every message, refuses one address."""

    messages: list[Message] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        if address == REFUSED_ADDRESS:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def settings(database_url: str, inbox: tuple[Inbox, int]) -> Settings:
    return make_settings(database_url, smtp_host="127.0.0.1", smtp_port=inbox[1], smtp_starttls=False,
                         smtp_from="conference@union.example", smtp_per_second=50,
                         public_url="https://vote.union.example")


def body_of(message: Message) -> str:
    return message.get_payload(decode=True).decode()  # type: ignore[union-attr]


def subject_of(message: Message) -> str:
    """The subject as its reader sees it (unfolded, any non-ASCII words decoded)."""
    return str(make_header(decode_header(message["Subject"].replace("\r\n", "").replace("\n", ""))))


async def test_links_are_emailed_each_to_its_own_delegate_and_a_refusal_stops_nobody_else(
    app: Litestar, client: AsyncTestClient[Litestar], inbox: tuple[Inbox, int],
) -> None:
    handler, _ = inbox
    world = await conference_with_register(app, client)

    response = await world.staff.post(f"/conferences/{world.id}/invitations/email", data={"who": "everyone"})
    assert response.status_code == 303

    received = {message["To"]: message for message in handler.messages}
    everyone = {person[2]: person for person in PEOPLE}
    assert sorted(received) == sorted(set(everyone) - {REFUSED_ADDRESS})
    for address, message in received.items():
        assert message["From"] == "conference@union.example"
        assert message["Subject"] == f"Your invitation to Conference {world.slug}"
        text = body_of(message)
        first_name = everyone[address][1].split()[0]
        assert text.startswith(f"Dear {first_name},")
        others = [p for p in PEOPLE if p[2] != address]
        assert not any(p[2] in text or p[1] in text for p in others), "another delegate's data"
        assert text.count("/enrol/") == 1
        [link] = [line for line in text.splitlines() if line.startswith("https://vote.union.example/enrol/")]
        assert (await Visitor(client).get(link.removeprefix("https://vote.union.example"))).status_code == 200

    async with app_db(app) as db:
        rows = (await db.execute(select(Invitation.delegate_id, Invitation.emailed_at, Invitation.email_error))).all()
    outcome = {delegate_id: (sent is not None, error) for delegate_id, sent, error in rows}
    assert outcome[world.delegates["B2"]] == (False, "The mail server refused the address.")
    assert all(outcome[world.delegates[n]] == (True, None) for n in ("A1", "C3", "O1"))
    page = await world.staff.get(f"/conferences/{world.id}/invitations")
    assert "Email failed:" in page.text and "The mail server refused the address." in page.text
    [entry] = await audit_entries(app, scope=f"conference:{world.id}", action="invitations.emailed")
    assert json.loads(entry.payload) == {"sent": 3, "failed": 1}
    assert "bayard" not in entry.payload


async def test_the_api_queues_emails_for_the_chosen_delegates(
    app: Litestar, client: AsyncTestClient[Litestar], inbox: tuple[Inbox, int],
) -> None:
    handler, _ = inbox
    world = await conference_with_register(app, client)
    response = await world.staff.post(f"/api/v1/conferences/{world.id}/invitations/email",
                                      json={"delegate_ids": [world.delegates["O1"]]})
    assert response.status_code == 202 and response.json() == {"queued": 1, "already_enrolled": 0, "skipped": []}
    assert [message["To"] for message in handler.messages] == ["olive@branch.example"]


def item(n: int) -> InvitationEmail:
    return InvitationEmail(n, f"person{n}@branch.example", "Pat", "Conference", f"https://x.example/enrol/{n}",
                           datetime(2026, 12, 6, 12, 0))


def test_sending_is_throttled(inbox: tuple[Inbox, int]) -> None:
    handler, port = inbox
    naps: list[float] = []
    settings = Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False, smtp_per_second=4)
    started = time.monotonic()
    outcomes = send_all(settings, [item(n) for n in range(5)], sleep=naps.append)
    sending = time.monotonic() - started
    assert [o.error for o in outcomes] == [None] * 5 and len(handler.messages) == 5
    # Four gaps of at least a quarter of a second: the time spent sending, topped up by naps.
    assert naps[0] == 0 and all(nap <= 0.25 for nap in naps)
    assert sending + sum(naps) >= 4 * 0.25 - 0.01


def test_an_unreachable_mail_server_is_reported_for_each_delegate_without_waiting_for_all() -> None:
    settings = Settings(smtp_host="127.0.0.1", smtp_port=free_port(), smtp_starttls=False, smtp_per_second=1000)
    outcomes = send_all(settings, [item(n) for n in range(10)], sleep=lambda _: None)
    assert [o.invitation_id for o in outcomes] == list(range(10))
    assert {o.error for o in outcomes} == {"Could not reach the mail server."}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_without_a_mail_server_staff_are_told_to_use_the_mail_merge(
    database_url: str,
) -> None:
    from unionvote.app import create_app

    app = create_app(make_settings(database_url))
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        client.follow_redirects = False
        world = await conference_with_register(app, client)
        page = await world.staff.get(f"/conferences/{world.id}/invitations")
        assert "Email the links" not in page.text
        response = await world.staff.post(f"/conferences/{world.id}/invitations/email", data={"who": "everyone"})
        assert response.status_code == 409 and "mail merge" in response.text
        assert await audit_entries(app, action="invitations.issued") == []
