"""Sending enrolment links by email, when an SMTP server is configured.

Plain-text messages through the standard library's smtplib, in a worker thread so the event
loop keeps serving; at most `smtp_per_second` messages a second; one failure is reported for
that delegate and the rest are still sent. Failure reasons are our own words, never the
server's reply, which may quote the address (personal data that must not outlive a purge).
Each message is in its recipient's language (unionvote.i18n.message_languages), both languages of a
bilingual conference in one message.
"""

from __future__ import annotations

import asyncio
import smtplib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid
from typing import TypeVar

from unionvote.config import Settings
from unionvote.i18n import SOURCE_LANGUAGE, _, format_when, in_languages

SMTP_TIMEOUT_SECONDS = 30
GIVE_UP_AFTER = 3  # connection failures in a row
BETWEEN_LANGUAGES = "\n* * *\n\n"  # between the languages of a bilingual message
T = TypeVar("T")


@dataclass(frozen=True)
class InvitationEmail:
    invitation_id: int
    to: str
    first_name: str
    conference_name: str
    link: str
    expires_at: datetime
    languages: tuple[str, ...] = (SOURCE_LANGUAGE,)  # the recipient's, then the other of a bilingual conference


@dataclass(frozen=True)
class SendOutcome:
    invitation_id: int
    error: str | None = None  # None: handed to the mail server


def in_languages_email(settings: Settings, to: str, languages: Sequence[str],
                       words: Callable[[], tuple[str, str]]) -> EmailMessage:
    """An email whose subject and body `words()` gives, once in each of `languages` (a bilingual message
    holds both, its reader's language first)."""
    parts = in_languages(languages, words)
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = " / ".join(subject for subject, _body in parts)
    message["Message-ID"] = make_msgid(domain=settings.smtp_from.rpartition("@")[2] or None)
    message.set_content(BETWEEN_LANGUAGES.join(body for _subject, body in parts))
    return message


def compose(settings: Settings, item: InvitationEmail) -> EmailMessage:
    values = {"first_name": item.first_name, "conference": item.conference_name, "link": item.link}
    return in_languages_email(settings, item.to, item.languages, lambda: (
        _("Your invitation to %(conference)s") % values,
        _("Dear %(first_name)s,\n\n"
          "You are registered for %(conference)s. To take part online, set a password for your unionvote account "
          "by opening this link:\n\n"
          "%(link)s\n\n"
          "The link works once, until %(expires_on)s. Do not share it: it lets whoever opens it set your "
          "password.\n\n"
          "If you were not expecting this email, you can ignore it, or tell union staff.\n")
        % {**values, "expires_on": format_when(item.expires_at, "d MMMM y")}))


def _connection_lost(exc: Exception) -> bool:
    # smtplib's errors are OSErrors too; of those, only a disconnect means the connection is gone.
    return isinstance(exc, smtplib.SMTPServerDisconnected) or (
        isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException))


def _reason(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "The mail server refused the address."
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"The mail server refused the message (code {exc.smtp_code})."
    if _connection_lost(exc):
        return "Could not reach the mail server."
    if isinstance(exc, ValueError):
        return "The address or name cannot be put in an email."
    return f"Sending failed ({type(exc).__name__})."


def _connect(settings: Settings) -> smtplib.SMTP:
    assert settings.smtp_host
    smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS)
    try:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password or "")
    except Exception:
        smtp.close()
        raise
    return smtp


class Throttle:
    """At most `per_second` messages a second, kept across several batches of one sending run."""

    def __init__(self, per_second: int, sleep: Callable[[float], None] = time.sleep) -> None:
        self.interval = 1 / max(1, per_second)
        self.sleep = sleep
        self.next_at = time.monotonic()

    def wait(self) -> None:
        self.sleep(max(0.0, self.next_at - time.monotonic()))
        self.next_at = time.monotonic() + self.interval


def send_each(settings: Settings, items: Sequence[T], message_of: Callable[[T], EmailMessage],
              throttle: Throttle | None = None) -> list[str | None]:
    """Send each item's message over one connection (reconnecting after a dropped one). Blocking.

    Returns, item by item, None when the mail server took the message, or why it did not.
    """
    throttle = throttle or Throttle(settings.smtp_per_second)
    errors: list[str | None] = []
    smtp: smtplib.SMTP | None = None
    lost_in_a_row = 0
    try:
        for item in items:
            if lost_in_a_row >= GIVE_UP_AFTER:  # the server is down: say so for the rest, without waiting
                errors.append("Could not reach the mail server.")
                continue
            throttle.wait()
            try:
                smtp = smtp or _connect(settings)
                smtp.send_message(message_of(item))
                errors.append(None)
                lost_in_a_row = 0
            except (OSError, ValueError) as exc:  # smtplib's errors are OSErrors
                errors.append(_reason(exc))
                if _connection_lost(exc):
                    lost_in_a_row += 1
                    if smtp is not None:
                        smtp.close()
                    smtp = None
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except OSError:
                smtp.close()
    return errors


def send_all(settings: Settings, items: list[InvitationEmail],
             sleep: Callable[[float], None] = time.sleep) -> list[SendOutcome]:
    """Send each enrolment message (see send_each). Blocking."""
    errors = send_each(settings, items, lambda item: compose(settings, item), Throttle(settings.smtp_per_second, sleep))
    return [SendOutcome(item.invitation_id, error) for item, error in zip(items, errors, strict=True)]


async def send_invitations(settings: Settings, items: list[InvitationEmail]) -> list[SendOutcome]:
    return await asyncio.to_thread(send_all, settings, items)
