"""Who a credential belongs to, remembered by each worker for a few seconds and forgotten everywhere at once.

Authenticating a request reads the session or API token, the account, its roles and the member ballots it
organises: three or four statements. A worker keeps the answer here, keyed by the credential's SHA-256
(never the credential itself), for at most `Settings.credential_cache_seconds` (30 s), or
`Settings.credential_cache_listening_seconds` (600 s) while it is listening to PostgreSQL's announcements (below).

Whatever code changes something an answer depends on (a logout, a revoked token, a password change, an
account lock, a two-factor reset, a role granted or withdrawn, an accreditation withdrawn with its logins),
the database session notices it (the hooks below watch the tables, not the call sites) and, once the
transaction commits, this process forgets the entries at once and the live hub carries the same news to
every other worker (Redis), which forget them within milliseconds. A worker whose Redis listener fails
stops using its cache until the listener has been back for a while, so a revocation missed meanwhile
cannot be served from memory; the entry lifetime bounds the rest (an announcement lost in flight).

On PostgreSQL the change is also announced inside its own transaction, `NOTIFY unionvote_credentials` with
the same keys, which the database delivers exactly when (and only if) the transaction commits, to every
listening connection, whichever process made the change (a worker, a command such as `unionvote desk revoke`,
with or without Redis). Each worker keeps one connection listening (`credential_news.py`); while it listens,
nothing can change a login without the worker hearing of it, so its answers may live for ten minutes. When
the listening connection is lost the worker forgets everything, rests as above and goes back to the short
lifetime until it listens again.
"""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol
from weakref import WeakSet

from sqlalchemy import Column, event, func, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql import operators, visitors
from sqlalchemy.sql.elements import BinaryExpression, BindParameter

from unionvote.db import utcnow

if TYPE_CHECKING:
    from unionvote.accounts.sessions import SessionInfo
    from unionvote.auth import CurrentUser

log = logging.getLogger("unionvote.credentials")

EVERYONE = "*"
MAX_ENTRIES = 50_000  # per worker: about a conference's delegates, each on a phone and a laptop
LOG_SECONDS = 300.0  # how long a worker remembers what it was told to forget (for live tickets)
QUIET_AFTER_OUTAGE = 5.0  # seconds the hub must be back before a worker trusts its cache again
_FORGET = "unionvote.credentials.forget"
NOTIFY_CHANNEL = "unionvote_credentials"  # PostgreSQL's channel names are per database: one deployment each
NOTIFY_LIMIT = 7_000  # bytes: PostgreSQL refuses a payload of 8,000 or more; a longer list says "everyone"

# Tables an authenticated user's answer is read from, and the column naming the account in each.
_OWNER_COLUMN = {"user_account": "id", "api_token": "user_id", "user_session": "user_id",
                 "role_grant": "user_id", "member_ballot_organiser": "user_id"}
# Bookkeeping writes made while authenticating: they change nothing an answer holds that matters.
_TOUCH_COLUMNS = frozenset({"last_seen_at", "last_used_at", "expires_at"})
# What an answer holds of the account itself (and its password, whose change ends logins): counting failed
# logins or the last authenticator step used is no news, so a login does not spoil its own first page's ticket.
_ACCOUNT_COLUMNS = frozenset({"id", "email", "display_name", "is_admin", "is_active", "totp_enabled",
                              "totp_secret", "password_hash", "language"})


@dataclass(frozen=True)
class Known:
    """An authenticated credential as read from the database."""

    user: CurrentUser
    session: SessionInfo | None  # None for an API token
    credential_expires: datetime | None  # the session's or token's own expiry
    until: float  # monotonic time after which the database is asked again
    read_wall: float  # wall-clock time the database read began (what a live ticket vouches for)

    def fresh(self, now: float) -> bool:
        if now >= self.until:
            return False
        return self.credential_expires is None or self.credential_expires > utcnow()


class Hub(Protocol):
    def publish(self, data: str, channels: str) -> None: ...


class CredentialCache:
    def __init__(self, seconds: float, *, max_entries: int = MAX_ENTRIES, listening_seconds: float | None = None
                 ) -> None:
        self.seconds, self.max_entries = seconds, max_entries
        self.listening_seconds = seconds if listening_seconds is None else listening_seconds
        self.listening = False  # a connection is hearing every committed change's announcement (NOTIFY)
        self._known: dict[str, Known] = {}
        self._by_user: dict[int, set[str]] = {}
        self.generation = 0
        self._log: deque[tuple[int, float, frozenset[str]]] = deque()
        self._log_starts = 0  # every forgetting after this generation is still in the log
        self.trusted_since = time.time()  # wall clock: live tickets issued earlier are not trusted here
        self._resting_until = 0.0  # monotonic: the hub failed; no answers from memory until then
        self.hits = self.misses = 0
        _caches.add(self)

    @property
    def lifetime(self) -> float:
        """How long a new answer is kept: longer while every change is heard the moment it commits."""
        return max(self.seconds, self.listening_seconds) if self.listening else self.seconds

    def started_listening(self) -> None:
        """The announcements' connection listens (again). A change that committed while nobody listened was
        not heard: forget everything, so no read begun before now is kept (`put` checks the generation)."""
        self.forget([EVERYONE])
        self.listening = True

    def stopped_listening(self) -> None:
        """The announcements' connection is lost: whatever is announced now goes unheard."""
        self.listening = False
        self.hub_failed()

    @property
    def enabled(self) -> bool:
        return self.seconds > 0 and time.monotonic() >= self._resting_until

    # ---- reading -------------------------------------------------------------------------
    def get(self, key: str) -> Known | None:
        if not self.enabled:
            return None
        known = self._known.get(key)
        if known is not None and not known.fresh(time.monotonic()):
            self._drop(key)
            known = None
        if known is None:
            self.misses += 1
        else:
            self.hits += 1
        return known

    def put(self, read_at: int, key: str, user: CurrentUser, session: SessionInfo | None,
            credential_expires: datetime | None, read_wall: float) -> None:
        """Keep what was read from the database when the read began at generation `read_at`, unless
        something it may depend on was forgotten since (the read could predate that change)."""
        if not self.enabled or not self._unchanged_since(read_at, key, user.id):
            return
        if key not in self._known and len(self._known) >= self.max_entries:
            self._drop(next(iter(self._known)))  # the oldest entry
        self._known[key] = Known(user, session, credential_expires, time.monotonic() + self.lifetime, read_wall)
        self._by_user.setdefault(user.id, set()).add(key)

    def _unchanged_since(self, generation: int, key: str, user_id: int) -> bool:
        if generation < self._log_starts:
            return False
        return not any(_touches(keys, key, user_id) for gen, _, keys in reversed(self._log) if gen > generation)

    def changed_since(self, wall_time: float, key: str, user_id: int) -> bool:
        """Whether this worker may have been told to forget the credential or its account since `wall_time`
        (true too when it cannot tell: it started, or its hub came back, after that)."""
        if not self.enabled or wall_time < self.trusted_since or wall_time < time.time() - LOG_SECONDS:
            return True
        return any(_touches(keys, key, user_id) for _, at, keys in reversed(self._log) if at >= wall_time)

    # ---- forgetting ----------------------------------------------------------------------
    def forget(self, keys: Iterable[str]) -> None:
        keys = frozenset(keys)
        self.generation += 1
        now = time.time()
        self._log.append((self.generation, now, keys))
        while self._log and (self._log[0][1] < now - LOG_SECONDS or len(self._log) > self.max_entries):
            self._log_starts = self._log.popleft()[0]
        if EVERYONE in keys:
            self._known.clear()
            self._by_user.clear()
            return
        for item in keys:
            kind, _, ident = item.partition(":")
            if kind == "user" and ident.isdigit():
                for key in list(self._by_user.get(int(ident), ())):
                    self._drop(key)
            else:
                self._drop(item)

    def heard(self, payload: bytes) -> None:
        """An announcement from the live hub (another worker's, or this one's own echo)."""
        try:
            keys = json.loads(payload)
        except ValueError:
            keys = [EVERYONE]
        self.forget(keys if isinstance(keys, list) and keys else [EVERYONE])

    def hub_failed(self) -> None:
        """The hub's listener lost Redis: announcements may be missed, so forget everything and rest."""
        self.forget([EVERYONE])
        self._resting_until = time.monotonic() + QUIET_AFTER_OUTAGE
        self.trusted_since = time.time() + QUIET_AFTER_OUTAGE

    def empty(self) -> None:
        """Drop every remembered answer, which is not news of a change (live tickets stay good)."""
        self._known.clear()
        self._by_user.clear()

    def _drop(self, key: str) -> None:
        known = self._known.pop(key, None)
        if known is not None:
            held = self._by_user.get(known.user.id)
            if held is not None:
                held.discard(key)
                if not held:
                    del self._by_user[known.user.id]

    def __len__(self) -> int:
        return len(self._known)


def _touches(keys: frozenset[str], key: str, user_id: int) -> bool:
    return EVERYONE in keys or key in keys or f"user:{user_id}" in keys


def session_key(digest: str) -> str:
    return f"session:{digest}"


def token_key(digest: str) -> str:
    return f"token:{digest}"


# ---- announcing --------------------------------------------------------------------------
_caches: WeakSet[CredentialCache] = WeakSet()  # every cache in this process (tests run several apps at once)
_hubs: list[tuple[Hub, str]] = []  # where this process announces: the apps' live hubs, or Redis itself


def channel_for(namespace: str) -> str:
    """The hub channel of one deployment's announcements (Redis pub/sub channels are shared by every namespace).
    No websocket may follow it: its kind has no topic rule."""
    return f"{namespace}:credentials"


def attach_hub(hub: Hub, channel: str) -> None:
    _hubs.append((hub, channel))


def detach_hub(hub: Hub) -> None:
    _hubs[:] = [(h, c) for h, c in _hubs if h is not hub]


class RedisAnnouncer:
    """For a process without a live hub (a command such as `unionvote desk revoke`): straight to Redis."""

    def __init__(self, url: str) -> None:
        from redis import Redis

        self.redis = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)

    def publish(self, data: str, channels: str) -> None:
        from redis.exceptions import RedisError

        try:
            self.redis.publish(channels, data)
        except (RedisError, OSError) as exc:  # the workers' entries still end within their lifetime
            log.warning("credential change not announced: redis unavailable", extra={"error": type(exc).__name__})


def hub_failed_everywhere() -> None:
    for cache in list(_caches):
        cache.hub_failed()


def announce(keys: Iterable[str]) -> None:
    """Forget `keys` in this process now and tell every other worker through the hub."""
    keys = sorted(set(keys))
    for cache in list(_caches):
        cache.forget(keys)
    payload = json.dumps(keys)
    for hub, channel in list(_hubs):
        hub.publish(payload, channel)


def forget_after_commit(session: Session, keys: Iterable[str]) -> None:
    session.info.setdefault(_FORGET, set()).update(keys)


@event.listens_for(Session, "after_commit")
def _announce_committed(session: Session) -> None:
    keys = session.info.pop(_FORGET, None)
    if keys:
        announce(keys)


@event.listens_for(Session, "before_commit")
def _notify_in_the_transaction(session: Session) -> None:
    """PostgreSQL: the announcement is part of the change's own transaction, so every listening worker hears
    it the moment the change commits, and never hears of a change that rolled back."""
    bind = session.bind
    if bind is None or bind.dialect.name != "postgresql":
        return
    session.flush()  # the last flush's changes are noticed by the hooks below before we look
    keys = session.info.get(_FORGET)
    if keys:
        session.execute(select(func.pg_notify(NOTIFY_CHANNEL, notify_payload(keys))))


def notify_payload(keys: Iterable[str]) -> str:
    payload = json.dumps(sorted(set(keys)))
    return payload if len(payload.encode()) < NOTIFY_LIMIT else json.dumps([EVERYONE])


@event.listens_for(Session, "after_soft_rollback")
def _drop_uncommitted(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_FORGET, None)


# ---- noticing changes --------------------------------------------------------------------
def _keys_of(obj: Any, *, is_new: bool) -> set[str]:
    table = getattr(getattr(obj, "__table__", None), "name", None)
    if table == "conference":
        state = inspect(obj)
        flag = state.attrs.totp_required_for_delegates.history.has_changes()
        return {EVERYONE} if (state.deleted or flag) and not is_new else set()
    if table not in _OWNER_COLUMN or (is_new and table in ("user_account", "api_token", "user_session")):
        return set()  # a new account, token or session is in no cache yet
    owner = getattr(obj, _OWNER_COLUMN[table], None)
    keys = {f"user:{owner}"} if owner is not None else {EVERYONE}
    if table == "user_session":
        keys.add(session_key(obj.id))
    return keys


def _answer_may_change(obj: Any) -> bool:
    if getattr(getattr(obj, "__table__", None), "name", None) != "user_account":
        return True
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in _ACCOUNT_COLUMNS)


@event.listens_for(Session, "after_flush")
def _noticed_flush(session: Session, _flush_context: Any) -> None:
    keys: set[str] = set()
    for obj in session.new:
        keys |= _keys_of(obj, is_new=True)
    for obj in session.deleted:
        keys |= _keys_of(obj, is_new=False)
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=False) and _answer_may_change(obj):
            keys |= _keys_of(obj, is_new=False)
    if keys:
        forget_after_commit(session, keys)


@event.listens_for(Session, "do_orm_execute")
def _noticed_statement(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    statement: Any = state.statement
    table = getattr(statement, "table", None)
    name = getattr(table, "name", None)
    if name == "conference":
        if state.is_delete or "totp_required_for_delegates" in _set_columns(statement):
            forget_after_commit(state.session, {EVERYONE})
        return
    if name not in _OWNER_COLUMN:
        return
    changed = _set_columns(statement) if state.is_update else set()
    if state.is_update and (changed <= _TOUCH_COLUMNS or (name == "user_account" and not changed & _ACCOUNT_COLUMNS
                                                          and "?" not in changed)):
        return
    forget_after_commit(state.session, _targets(name, statement.whereclause))


def _set_columns(statement: Any) -> set[str]:
    values = getattr(statement, "_values", None) or {}
    names = {getattr(column, "key", None) or str(column) for column in values}
    return names or {"?"}  # values given some other way: assume anything changed


def _targets(table: str, where: Any) -> set[str]:
    """The accounts (or sessions) a bulk statement's WHERE names by equality or IN; everyone when it names none.
    A statement that selects rows only by expiry (purging expired sessions) touches nothing a cache serves."""
    owner, keys, columns = _OWNER_COLUMN[table], set(), set()
    for node in visitors.iterate(where) if where is not None else ():
        if isinstance(node, Column):
            columns.add(node.key)
        if not (isinstance(node, BinaryExpression) and isinstance(node.left, Column)
                and isinstance(node.right, BindParameter)):
            continue
        if node.operator not in (operators.eq, operators.in_op):
            continue
        value = node.right.effective_value
        values = value if isinstance(value, list | tuple | set | frozenset) else [value]
        if node.left.key == owner:
            keys |= {f"user:{v}" for v in values}
        elif table == "user_session" and node.left.key == "id":
            keys |= {session_key(str(v)) for v in values}
    if not keys and columns and columns <= {"expires_at"}:
        return set()
    return keys or {EVERYONE}
