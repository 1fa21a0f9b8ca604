"""Text-message reminders to members who have not voted, through an SMS gateway.

`SmsGateway` is what a provider must do: send one text and say what became of it. The
provider here is Twilio's Programmable Messaging REST API (version 2010-04-01):

- send: POST {api}/2010-04-01/Accounts/{AccountSid}/Messages.json, HTTP Basic auth with the
  account SID and auth token, form fields To, From, Body and StatusCallback; a 201 answer is
  JSON with the message's `sid` and `status`; an error answer is JSON with a numeric `code`
  (21610: the number replied STOP and the provider will not text it).
- delivery receipts: the provider POSTs MessageSid, MessageStatus (queued, sending, sent,
  delivered, undelivered, failed) and ErrorCode to the StatusCallback URL.
- replies: the provider POSTs From and Body for each text to our number; STOP and its synonyms
  opt the number out of every later text, START opts it back in.
- both carry X-Twilio-Signature: base64 of HMAC-SHA1, keyed with the auth token, over the full
  URL followed by each POST field's name and value, sorted by name.

Configured by UNIONVOTE_TWILIO_ACCOUNT_SID, UNIONVOTE_TWILIO_AUTH_TOKEN, UNIONVOTE_TWILIO_FROM
(a number in E.164 form or a Messaging Service SID starting MG), UNIONVOTE_TWILIO_API_URL
(default https://api.twilio.com) and UNIONVOTE_SMS_PER_SECOND (default 1).

A run has a name. Each member is claimed for the run (a row in member_text, unique per ballot,
run and member) and committed before the text goes, so a stopped run resumes where it stopped
and nobody is texted twice in one run, even if a send's answer is lost. Each reminder carries a
fresh single-use voting link (their earlier link stops working; their code still works). The
audit trail and logs get counts only, never numbers or names.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import secrets
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from unionvote.audit.services import actor_of, record
from unionvote.ballots.chasing import dial_number
from unionvote.ballots.credentials import _check_issuable, link_hash
from unionvote.ballots.languages import ballot_wording
from unionvote.ballots.models import INDICATIVE_NOTICE, Member, MemberBallot
from unionvote.ballots.outreach_models import MemberText, TextOptOut
from unionvote.ballots.services import MemberBallotError, lock_ballot, scope_for
from unionvote.conferences.mailer import Throttle
from unionvote.db import is_postgres, session_scope, utcnow
from unionvote.i18n import _, current_language, format_when, in_languages, message_languages

SMS_BATCH = 100
OPTED_OUT_CODE = 21610
STOP_WORDS = frozenset({"STOP", "STOPALL", "STOP ALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"})
START_WORDS = frozenset({"START", "UNSTOP", "YES"})
RECEIPT_STATUSES = frozenset({"queued", "sending", "sent", "delivered", "undelivered", "failed"})


@dataclass(frozen=True)
class SendOutcome:
    provider_id: str | None
    status: str  # the provider's status, or "failed" / "opted-out"
    error: str | None = None


class SmsGateway(Protocol):
    def send(self, to: str, body: str) -> SendOutcome: ...


@dataclass(frozen=True)
class TwilioGateway:
    account_sid: str
    auth_token: str
    sender: str
    api_url: str = "https://api.twilio.com"
    status_callback: str | None = None
    timeout: float = 15.0

    def send(self, to: str, body: str) -> SendOutcome:
        fields = {"To": to, "Body": body, ("MessagingServiceSid" if self.sender.startswith("MG") else "From"):
                  self.sender}
        if self.status_callback:
            fields["StatusCallback"] = self.status_callback
        if not self.api_url.startswith(("https://", "http://")):
            return SendOutcome(None, "failed", "The SMS provider's address is not an http(s) URL.")
        url = f"{self.api_url.rstrip('/')}/2010-04-01/Accounts/{urllib.parse.quote(self.account_sid)}/Messages.json"
        basic = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        request = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode(), method="POST", headers={  # noqa: S310 (http(s) checked above)
            "Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310 (http(s) checked above)
                data = json.loads(answer.read() or b"{}")
            return SendOutcome(str(data.get("sid") or "")[:64] or None, str(data.get("status") or "queued")[:16])
        except urllib.error.HTTPError as exc:
            try:
                data = json.loads(exc.read() or b"{}")
            except ValueError:
                data = {}
            if data.get("code") == OPTED_OUT_CODE:
                return SendOutcome(None, "opted-out", "The number has replied STOP.")
            return SendOutcome(None, "failed", f"The SMS provider refused it (HTTP {exc.code}, code "
                                               f"{data.get('code', 'none')}).")
        except (OSError, ValueError) as exc:
            return SendOutcome(None, "failed", f"The SMS provider could not be reached ({type(exc).__name__}).")


def gateway_from_environment(public_url: str, env: Mapping[str, str] | None = None) -> TwilioGateway | None:
    env = os.environ if env is None else env
    sid, token, sender = (env.get(f"UNIONVOTE_TWILIO_{k}", "").strip() for k in ("ACCOUNT_SID", "AUTH_TOKEN", "FROM"))
    if not (sid and token and sender):
        return None
    return TwilioGateway(sid, token, sender, env.get("UNIONVOTE_TWILIO_API_URL", "").strip() or "https://api.twilio.com",
                         f"{public_url}/sms/twilio/status")


def sms_per_second(env: Mapping[str, str] | None = None) -> int:
    raw = (os.environ if env is None else env).get("UNIONVOTE_SMS_PER_SECOND", "1")
    return max(1, int(raw)) if raw.isdigit() else 1


def e164(mobile: str | None, env: Mapping[str, str] | None = None) -> str | None:
    """A mobile number in E.164 form, as the provider wants it and as opt-outs are kept: a national number
    (one leading 0) takes the country code UNIONVOTE_SMS_COUNTRY_CODE (default 44, the UK)."""
    number = dial_number(mobile)
    if number is None:
        return None
    if number.startswith("+"):
        return number
    if number.startswith("00"):
        return "+" + number[2:]
    country = (os.environ if env is None else env).get("UNIONVOTE_SMS_COUNTRY_CODE", "44").strip().lstrip("+")
    return f"+{country}{number[1:]}" if number.startswith("0") else "+" + number


def twilio_signature(auth_token: str, url: str, fields: Mapping[str, str]) -> str:
    signed = url + "".join(f"{name}{fields[name]}" for name in sorted(fields))
    return base64.b64encode(hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()).decode()


def signature_ok(auth_token: str, url: str, fields: Mapping[str, str], given: str) -> bool:
    return bool(given) and hmac.compare_digest(twilio_signature(auth_token, url, fields), given)


def reminder_text(ballot: MemberBallot, first_name: str, link: str) -> str:
    """The reminder in the ballot's language, and the other language of a bilingual ballot after it (STOP
    stays English: the provider acts on that word)."""
    def words() -> str:
        title = ballot_wording(ballot, "title", current_language(), beside=False).text
        return " ".join((
            _("%(first_name)s, you have not voted yet in the union's ballot \"%(title)s\". It closes %(closes)s "
              "UTC. Vote here (this link is yours alone and works once): %(link)s")
            % {"first_name": first_name, "title": title, "closes": format_when(ballot.closes_at, "d MMM, HH:mm"),
               "link": link}, _(INDICATIVE_NOTICE), _("Reply STOP for no more texts.")))

    return "\n\n".join(in_languages(message_languages(None, ballot.language, ballot.bilingual_language), words))


@dataclass
class TextingReport:
    sent: int = 0
    failed: int = 0
    opted_out: int = 0
    skipped_opted_out: int = 0  # passed over: opted out before, or no usable number

    def counts(self) -> dict[str, int]:
        return {"sent": self.sent, "failed": self.failed, "opted_out": self.opted_out,
                "passed_over": self.skipped_opted_out}


@dataclass(frozen=True)
class _Claimed:
    text_id: int
    to: str
    body: str


async def _claim_batch(db: AsyncSession, ballot_id: int, run: str, public_url: str, limit: int
                       ) -> tuple[list[_Claimed], int]:
    """The next members to text in this run, claimed (and given a fresh link) in one transaction; and how many
    members the batch passed over (claimed too, without a text: opted out or no usable number)."""
    ballot = await lock_ballot(db, ballot_id)
    _check_issuable(ballot)
    already = select(MemberText.member_id).where(MemberText.ballot_id == ballot_id, MemberText.run == run)
    rows = (await db.execute(select(Member.id, Member.name, Member.mobile).where(
        Member.ballot_id == ballot_id, Member.removed_at.is_(None), Member.voted_at.is_(None),
        Member.mobile.is_not(None), Member.mobile != "", Member.id.not_in(already))
        .order_by(Member.id).limit(limit))).all()
    opted_out = set((await db.execute(select(TextOptOut.mobile).where(TextOptOut.mobile.in_(
        [e164(m) or "" for _, _, m in rows])))).scalars())
    claimed, now = [], utcnow()
    for member_id, name, mobile in rows:
        number = e164(mobile)
        text = MemberText(ballot_id=ballot_id, member_id=member_id, run=run)
        if number is None or number in opted_out:
            text.status, text.error = "opted-out" if number else "failed", None if number else "No usable number."
            db.add(text)
            continue
        token = secrets.token_urlsafe(24)
        await db.execute(update(Member).where(Member.id == member_id).values(
            link_hash=link_hash(token), credential_issued_at=now, credential_used_at=None))
        db.add(text)
        await db.flush()
        first = ((name or "").split() or ["Member"])[0]
        claimed.append(_Claimed(text.id, number, reminder_text(ballot, first, f"{public_url}/vote/{token}")))  # type: ignore[arg-type]
    return claimed, len(rows) - len(claimed)


async def send_reminders(factory: async_sessionmaker[AsyncSession], gateway: SmsGateway, ballot_id: int, run: str, *,
                         public_url: str, by: int | None, throttle: Throttle | None = None,
                         max_texts: int | None = None) -> TextingReport:
    """Text every member who has not voted, has a mobile and has not opted out, once in run `run`."""
    run = run.strip()[:64]
    if not run:
        raise MemberBallotError("Name the reminder run, such as 'final-week', so that it can be resumed.")
    report, throttle = TextingReport(), throttle or Throttle(sms_per_second())
    while max_texts is None or report.sent + report.failed + report.opted_out < max_texts:
        room = SMS_BATCH if max_texts is None else min(SMS_BATCH, max_texts - report.sent - report.failed
                                                       - report.opted_out)
        async with session_scope(factory) as db:
            claimed, passed_over = await _claim_batch(db, ballot_id, run, public_url, room)
        if not claimed and not passed_over:
            break
        outcomes: list[tuple[_Claimed, SendOutcome]] = []
        for item in claimed:
            await asyncio.to_thread(throttle.wait)
            outcomes.append((item, await asyncio.to_thread(gateway.send, item.to, item.body)))
        async with session_scope(factory) as db:
            batch = TextingReport(skipped_opted_out=passed_over)
            for item, outcome in outcomes:
                await db.execute(update(MemberText).where(MemberText.id == item.text_id).values(
                    provider_id=outcome.provider_id, status=outcome.status, error=outcome.error, updated_at=utcnow()))
                if outcome.status == "opted-out":
                    await _opt_out(db, item.to)
                    batch.opted_out += 1
                elif outcome.status == "failed":
                    batch.failed += 1
                else:
                    batch.sent += 1
            await record(db, scope=scope_for(ballot_id), actor=actor_of(by), action="reminders.texted",
                         payload=batch.counts())
        report.sent, report.failed, report.opted_out = (report.sent + batch.sent, report.failed + batch.failed,
                                                        report.opted_out + batch.opted_out)
        report.skipped_opted_out += passed_over
    return report


async def _opt_out(db: AsyncSession, number: str) -> None:
    insert = pg_insert if is_postgres(db) else sqlite_insert
    await db.execute(insert(TextOptOut).values(mobile=number, at=utcnow()).on_conflict_do_nothing())


async def note_receipt(db: AsyncSession, fields: Mapping[str, str]) -> bool:
    """A delivery receipt: the text's latest status. False when the message is not one of ours."""
    status = fields.get("MessageStatus", "")
    if status not in RECEIPT_STATUSES:
        raise MemberBallotError(f"Unknown message status '{status[:20]}'.")
    error = fields.get("ErrorCode") or None
    changed = await db.execute(update(MemberText).where(MemberText.provider_id == fields.get("MessageSid", "")[:64])
                               .values(status=status, error=f"Provider error {error[:20]}" if error else None,
                                       updated_at=utcnow()))
    return bool(changed.rowcount)  # type: ignore[attr-defined]


async def note_reply(db: AsyncSession, fields: Mapping[str, str]) -> str | None:
    """A member's reply: STOP (and synonyms) opts their number out, START opts it back in."""
    number, word = e164(fields.get("From", "")), " ".join(fields.get("Body", "").upper().split())
    if number is None:
        return None
    if word in STOP_WORDS:
        await _opt_out(db, number)
        return "stop"
    if word in START_WORDS:
        await db.execute(delete(TextOptOut).where(TextOptOut.mobile == number))
        return "start"
    return None
