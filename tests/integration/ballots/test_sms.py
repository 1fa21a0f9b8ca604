"""Text reminders through the SMS provider's API (a stand-in on loopback): non-voters only, never twice in a
run, throttled, resumable, receipts and STOP honoured, audited as counts only."""

from __future__ import annotations

import json
import time

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.helpers import audit_entries
from tests.integration.ballots.test_chasing import _vote
from tests.integration.ballots.twilio_standin import ACCOUNT_SID, AUTH_TOKEN, SENDER, twilio_standin
from tests.integration.ballots.world import make_ballot
from unionvote.ballots.outreach_models import MemberText, TextOptOut
from unionvote.ballots.services import scope_for
from unionvote.ballots.sms import TwilioGateway, send_reminders, twilio_signature
from unionvote.conferences.mailer import Throttle
from unionvote.db import session_scope

PUBLIC = "http://127.0.0.1:8000"


def _gateway(url: str) -> TwilioGateway:
    return TwilioGateway(ACCOUNT_SID, AUTH_TOKEN, SENDER, url, f"{PUBLIC}/sms/twilio/status")


async def _texts(factory: async_sessionmaker[AsyncSession]) -> list[MemberText]:
    async with session_scope(factory) as db:
        return list((await db.execute(select(MemberText).order_by(MemberText.id))).scalars())


async def test_reminders_go_to_non_voters_once_a_run_throttled_and_resumable(
    factory: async_sessionmaker[AsyncSession], app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    ballot_id = await make_ballot(factory, {"Acme": 6})  # mobiles 07700900001 ... 07700900006
    await _vote(factory, ballot_id, "M1", "yes")
    async with session_scope(factory) as db:
        db.add(TextOptOut(mobile="+447700900002"))  # replied STOP earlier
    with twilio_standin() as provider:
        provider.unsubscribed.add("+447700900003")  # the provider knows of a STOP we never saw
        started = time.monotonic()
        first = await send_reminders(factory, _gateway(provider.url), ballot_id, "final-week", public_url=PUBLIC,
                                     by=None, throttle=Throttle(4), max_texts=2)
        assert (first.sent, first.opted_out) == (1, 1)  # stopped after two: the run is left half done
        rest = await send_reminders(factory, _gateway(provider.url), ballot_id, "final-week", public_url=PUBLIC,
                                    by=None, throttle=Throttle(4))
        assert time.monotonic() - started >= 0.5  # three sends at four a second, at least
        again = await send_reminders(factory, _gateway(provider.url), ballot_id, "final-week", public_url=PUBLIC,
                                     by=None, throttle=Throttle(4))

    assert (rest.sent, rest.failed, again.sent, again.opted_out) == (2, 0, 0, 0)
    assert sorted(m["To"] for m in provider.sent) == ["+447700900004", "+447700900005", "+447700900006"]
    assert all(m["From"] == SENDER and m["StatusCallback"] == f"{PUBLIC}/sms/twilio/status" for m in provider.sent)
    async with session_scope(factory) as db:
        assert set((await db.execute(select(TextOptOut.mobile))).scalars()) == {"+447700900002", "+447700900003"}
    counts = [json.loads(e.payload) for e in await audit_entries(app, scope=scope_for(ballot_id),
                                                                 action="reminders.texted")]
    assert sum(c["sent"] for c in counts) == 3 and all(set(c) == {"sent", "failed", "opted_out", "passed_over"}
                                                       for c in counts)
    assert "7700" not in json.dumps(counts)

    # The member votes from the link in their text, and a later run passes them by.
    link = next(m["Body"] for m in provider.sent if m["To"] == "+447700900004").split("works once): ", 1)[1].split()[0]
    form = await client.get(link.removeprefix(PUBLIC))
    assert form.status_code == 200 and "pay offer" in form.text
    await _vote(factory, ballot_id, "M4", "no")
    with twilio_standin() as provider:
        later = await send_reminders(factory, _gateway(provider.url), ballot_id, "last-day", public_url=PUBLIC,
                                     by=None, throttle=Throttle(50))
    assert later.sent == 2 and sorted(m["To"] for m in provider.sent) == ["+447700900005", "+447700900006"]


async def test_delivery_receipts_and_stop_replies_are_taken_only_when_signed(
    factory: async_sessionmaker[AsyncSession], client: AsyncTestClient[Litestar], monkeypatch: pytest.MonkeyPatch,
) -> None:
    ballot_id = await make_ballot(factory, {"Acme": 2})
    with twilio_standin() as provider:
        monkeypatch.setenv("UNIONVOTE_TWILIO_ACCOUNT_SID", ACCOUNT_SID)
        monkeypatch.setenv("UNIONVOTE_TWILIO_AUTH_TOKEN", AUTH_TOKEN)
        monkeypatch.setenv("UNIONVOTE_TWILIO_FROM", SENDER)
        await send_reminders(factory, _gateway(provider.url), ballot_id, "first", public_url=PUBLIC, by=None,
                             throttle=Throttle(50))
    [one, two] = await _texts(factory)
    receipt = {"MessageSid": one.provider_id, "MessageStatus": "delivered", "AccountSid": ACCOUNT_SID}
    forged = await client.post("/sms/twilio/status", data=receipt, headers={"X-Twilio-Signature": "bm9wZQ=="})
    assert forged.status_code == 403
    signed = twilio_signature(AUTH_TOKEN, f"{PUBLIC}/sms/twilio/status", receipt)  # type: ignore[arg-type]
    assert (await client.post("/sms/twilio/status", data=receipt, headers={"X-Twilio-Signature": signed})
            ).status_code == 204
    failed = {"MessageSid": two.provider_id, "MessageStatus": "undelivered", "ErrorCode": "30003"}
    assert (await client.post("/sms/twilio/status", data=failed, headers={
        "X-Twilio-Signature": twilio_signature(AUTH_TOKEN, f"{PUBLIC}/sms/twilio/status", failed)})  # type: ignore[arg-type]
            ).status_code == 204
    assert [(t.status, t.error) for t in await _texts(factory)] == [("delivered", None),
                                                                    ("undelivered", "Provider error 30003")]

    stop = {"From": "+447700900001", "Body": " stop ", "To": SENDER}  # member M1's mobile is 07700900001
    replied = await client.post("/sms/twilio/inbound", data=stop, headers={
        "X-Twilio-Signature": twilio_signature(AUTH_TOKEN, f"{PUBLIC}/sms/twilio/inbound", stop)})
    assert replied.status_code == 201 and "<Response>" in replied.text
    async with session_scope(factory) as db:
        assert list((await db.execute(select(TextOptOut.mobile))).scalars()) == ["+447700900001"]
    with twilio_standin() as provider:
        after = await send_reminders(factory, _gateway(provider.url), ballot_id, "second", public_url=PUBLIC,
                                     by=None, throttle=Throttle(50))
    assert (after.sent, after.skipped_opted_out) == (1, 1) and [m["To"] for m in provider.sent] == ["+447700900002"]
