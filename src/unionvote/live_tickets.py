"""Live tickets: a page that follows live topics names them with a short-lived signed ticket, so the
websocket it opens a moment later is admitted without a database transaction.

A ticket is `user.read.expires.mac`: HMAC-SHA256, under a key derived from the secret key, over the
SHA-256 of the login credential it was issued to (session cookie or API token), the account, the topics
the page follows, when the login was last read from the database and when the ticket expires. The
handshake must present the same credential and ask for exactly
those topics, so a ticket copied out of a page or a log is worth nothing without the login, and cannot
open any other topic. It is honoured only while fresh and only if this worker has heard of no change to
that login or account since shortly before that read (unionvote.credentials); otherwise the handshake
authenticates the ordinary way, where the database decides.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from enum import StrEnum

MAX_TOPICS = 16  # a page follows a few topics; a socket asking for more is cut to these
TICKET_SECONDS = 30  # a page opens its socket within a second; a reconnect later authenticates afresh
SKEW_SECONDS = 1.0  # how far the clocks of workers on different hosts may disagree


class Verdict(StrEnum):
    GOOD = "good"  # admit without asking the database
    STALE = "stale"  # expired, or the login may have changed since: authenticate the ordinary way
    FORGED = "forged"  # not ours, not this login's, or not these topics: refuse


@dataclass(frozen=True)
class Ticket:
    user_id: int
    read_at: int  # when the login was read from the database (whole seconds, rounded down)
    expires: int


def wanted_topics(raw: str) -> list[str]:
    """The topics a websocket URL asks for, as the socket and its ticket both read them."""
    return [t for t in raw.split(",") if t][:MAX_TOPICS]


def _key(secret_key: str) -> bytes:
    return hmac.new(secret_key.encode(), b"unionvote live ticket v1", hashlib.sha256).digest()


def _mac(secret_key: str, credential_digest: str, user_id: int, topics: list[str], read_at: int, expires: int
         ) -> str:
    message = "\n".join([credential_digest, str(user_id), ",".join(topics), str(read_at), str(expires)])
    digest = hmac.new(_key(secret_key), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def issue(secret_key: str, credential_digest: str, user_id: int, topics: list[str], *, read_at: float,
          credential_expires: float | None = None, now: float | None = None) -> str:
    """A ticket for a login read from the database at `read_at`, good for TICKET_SECONDS from `now`."""
    read, expires = int(read_at), int(time.time() if now is None else now) + TICKET_SECONDS
    if credential_expires is not None:
        expires = min(expires, int(credential_expires))  # never outlives the login
    return f"{user_id}.{read}.{expires}.{_mac(secret_key, credential_digest, user_id, topics, read, expires)}"


def read(secret_key: str, ticket: str, credential_digest: str, topics: list[str], *, now: float | None = None
         ) -> tuple[Verdict, Ticket | None]:
    """Whether `ticket` was issued to this credential for exactly these topics, and is still fresh."""
    parts = ticket.split(".")
    if len(parts) != 4 or not all(p.isdigit() for p in parts[:3]):
        return Verdict.FORGED, None
    user_id, read_at, expires = (int(p) for p in parts[:3])
    expected = _mac(secret_key, credential_digest, user_id, topics, read_at, expires)
    if not hmac.compare_digest(expected, parts[3]):
        return Verdict.FORGED, None
    now = time.time() if now is None else now
    if not now < expires <= now + TICKET_SECONDS + SKEW_SECONDS:
        return Verdict.STALE, None
    return Verdict.GOOD, Ticket(user_id, read_at, expires)
