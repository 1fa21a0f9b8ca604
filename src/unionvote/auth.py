"""Who is asking: the authentication middleware, the current user, and route guards.

Every route declares its guard. A request carries either a session cookie (browsers)
or an `Authorization: Bearer` API token (integrations); never both at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from advanced_alchemy.extensions.litestar._utils import (
    delete_aa_scope_state,
    get_aa_scope_state,
    set_aa_scope_state,
)
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import ASGIApp, Receive, Scope, Send
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import Executable

from unionvote.accounts.models import STAFF_ROLES, ApiToken, Role, RoleGrant, User
from unionvote.accounts.sessions import COOKIE_NAME, SessionInfo
from unionvote.ballots.models import MemberBallotOrganiser
from unionvote.conferences.models import Conference
from unionvote.credentials import CredentialCache, session_key, token_key
from unionvote.db import session_scope, utcnow
from unionvote.i18n import N_, _
from unionvote.live_tickets import SKEW_SECONDS, Ticket, Verdict, read, wanted_topics
from unionvote.security import token_digest

API_TOKEN_PREFIX = "uvt_"  # noqa: S105 - a prefix, not a secret
# What an API token may do: read (GET), vote (cast votes, check in and out), manage (every other change).
TOKEN_SCOPES = ("read", "vote", "manage")
# The unsafe routes a "vote" token reaches; a route may also name its scope with opt={"token_scope": ...}.
VOTE_ROUTES = frozenset({
    "/api/v1/ballots/{ballot_id}/votes",
    "/api/v1/conferences/{conference_id}/me/check-in",
    "/api/v1/conferences/{conference_id}/me/check-out",
})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Credentials are changed by the person, logged in with their password, never by an integration:
# routes with this opt refuse API tokens (token_refusal below).
SESSION_ONLY = {"session_only": True}
TOKEN_REFUSED_MESSAGE = ("An API token cannot do this: log in with your password. Tokens never make tokens "  # noqa: S105
                         "or recovery codes, change passwords or second factors, or manage accounts.")


@dataclass(frozen=True)
class CurrentUser:
    id: int
    email: str
    display_name: str
    is_admin: bool
    totp_enabled: bool
    mfa_verified: bool
    via: str  # "session" or "token"
    roles: dict[int, frozenset[str]] = field(default_factory=dict)
    conference_scope: int | None = None  # a voting-code login: this conference's delegate pages only
    totp_required_by_conference: bool = False  # a conference of theirs asks delegates for two-factor
    organises: frozenset[int] = frozenset()  # member ballots they watch as an organiser
    token_scopes: frozenset[str] = frozenset()  # an API token's scopes (empty for a session)
    language: str | None = None  # the language chosen on their account page (unionvote.i18n)

    def organiser_of(self, member_ballot_id: int) -> bool:
        return member_ballot_id in self.organises

    def roles_in(self, conference_id: int) -> frozenset[str]:
        return self.roles.get(conference_id, frozenset())

    @property
    def is_staff(self) -> bool:
        return self.is_admin or any(r in STAFF_ROLES for held in self.roles.values() for r in held)

    @property
    def is_union_staff(self) -> bool:
        """An administrator, or union staff at some conference (not a conference's chair or committee)."""
        return self.is_admin or any(Role.STAFF in held for held in self.roles.values())

    @property
    def is_returning_officer(self) -> bool:
        """An administrator, or a returning officer at some conference: member ballots' officers too."""
        return self.is_admin or any(Role.RETURNING_OFFICER in held for held in self.roles.values())

    @property
    def needs_second_factor(self) -> bool:
        """Logged in with a password, but the TOTP challenge is still to be answered."""
        return self.totp_enabled and not self.mfa_verified

    @property
    def must_enrol_totp(self) -> bool:
        # Organisers see members' names and emails in reminder lists: the same care as staff.
        return (self.is_staff or bool(self.organises) or self.totp_required_by_conference) and not self.totp_enabled


class SecondFactorRequired(NotAuthorizedException):
    """The session exists but the TOTP challenge has not been passed."""


class TotpEnrolmentRequired(PermissionDeniedException):
    """A staff account must set up two-factor authentication before anything else."""


# What a conference-scoped session keeps: taking part, never running the conference.
SCOPED_ROLES = frozenset({Role.DELEGATE, Role.OBSERVER})
SCOPED_SESSION_MESSAGE = N_("You logged in with a voting code, which opens only your conference's pages. "
                            "Log in with your email address and password for anything else.")


async def _load_user(db: AsyncSession, user: User | int | None, *, mfa_verified: bool, via: str,
                     conference_id: int | None = None, token_scopes: frozenset[str] = frozenset()
                     ) -> CurrentUser | None:
    """The user (a row already read, or an id) with their roles, read in `db`."""
    if isinstance(user, int):
        user = await db.get(User, user)
    if user is None or not user.is_active:
        return None
    user_id = user.id
    # Each grant with its conference's two-factor rule: one query for both.
    grants = (await db.execute(select(RoleGrant.conference_id, RoleGrant.role, Conference.totp_required_for_delegates)
                               .join(Conference, Conference.id == RoleGrant.conference_id)
                               .where(RoleGrant.user_id == user_id))).all()
    roles: dict[int, set[str]] = {}
    totp_required = False
    for held_in, role, conference_asks in grants:
        if conference_id is None or (held_in == conference_id and role in SCOPED_ROLES):
            roles.setdefault(held_in, set()).add(role)
            # Voting-code logins exist for people who cannot manage passwords; they are not asked for it.
            totp_required = totp_required or (conference_id is None and bool(conference_asks))
    organises = frozenset() if conference_id is not None else frozenset((await db.execute(
        select(MemberBallotOrganiser.ballot_id).where(MemberBallotOrganiser.user_id == user_id))).scalars())
    return CurrentUser(
        id=user.id, email=user.email, display_name=user.display_name,
        is_admin=user.is_admin and conference_id is None,
        totp_enabled=user.totp_enabled, mfa_verified=mfa_verified, via=via,
        roles={k: frozenset(v) for k, v in roles.items()}, conference_scope=conference_id,
        totp_required_by_conference=totp_required, organises=organises, token_scopes=token_scopes,
        language=user.language,
    )


TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


async def _user_for_api_token(db: AsyncSession, digest: str
                              ) -> tuple[CurrentUser | None, list[Executable], datetime | None]:
    """The token's user, read in `db`, the last-used write when one is due, and the token's expiry."""
    now = utcnow()
    row = (await db.execute(select(ApiToken.id, ApiToken.last_used_at, ApiToken.scopes, ApiToken.expires_at, User)
                            .join(User, User.id == ApiToken.user_id)
                            .where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None),
                                   or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now)))).first()
    if row is None:
        return None, [], None
    token_id, last_used_at, scopes, expires_at, user = row
    writes: list[Executable] = []
    if last_used_at is None or now - last_used_at > TOKEN_TOUCH_INTERVAL:
        # At most once a minute: a write on every request would cost every API call a second transaction.
        writes.append(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
    # A token is issued from a session that passed two-factor checks, so it counts as verified.
    return await _load_user(db, user, mfa_verified=True, via="token",
                            token_scopes=frozenset(scopes.split())), writes, expires_at


def token_refusal(scope: Scope, user: CurrentUser) -> str | None:
    """Why this API token may not make this request, or None. Sessions are never refused here."""
    if user.via != "token":
        return None
    handler = scope.get("route_handler")
    opt = getattr(handler, "opt", {}) or {}
    if opt.get("session_only"):
        return TOKEN_REFUSED_MESSAGE
    method = scope.get("method", "GET")
    if method in SAFE_METHODS or scope["type"] == "websocket":
        needed = "read"
    else:
        needed = opt.get("token_scope") or ("vote" if scope.get("path_template") in VOTE_ROUTES else "manage")
    if needed not in user.token_scopes:
        return f"This API token does not have the '{needed}' scope. Make a token with it on your account page."
    return None


@dataclass(frozen=True)
class Presented:
    """The credential a request carries: its cache key (from the digest) and the plain value to look up."""

    key: str
    digest: str
    value: str
    is_token: bool


def presented_credential(headers: dict[bytes, bytes]) -> Presented | None:
    authorization = headers.get(b"authorization", b"").decode("latin-1")
    if authorization.lower().startswith("bearer "):
        token = authorization[7:].strip()
        if not token.startswith(API_TOKEN_PREFIX):
            return None
        digest = token_digest(token)
        return Presented(token_key(digest), digest, token, is_token=True)
    cookie = _cookie(headers.get(b"cookie", b"").decode("latin-1"), COOKIE_NAME)
    if not cookie:
        return None
    digest = token_digest(cookie)
    return Presented(session_key(digest), digest, cookie, is_token=False)


@dataclass
class Answer:
    user: CurrentUser | None = None
    session: SessionInfo | None = None
    writes: list[Executable] = field(default_factory=list)  # bookkeeping now due: last used, last seen
    credential_expires: datetime | None = None


async def _authenticate(state: Any, db: AsyncSession, credential: Presented) -> Answer:
    """Who presented `credential`, read in `db`."""
    if credential.is_token:
        user, writes, expires = await _user_for_api_token(db, credential.digest)
        return Answer(user, None, writes, expires)
    store = state.session_store
    info, writes = (await store.read(db, credential.value) if hasattr(store, "read")
                    else (await store.get(credential.value), []))
    if info is None:
        return Answer(writes=writes)
    user = await _load_user(db, info.user_id, mfa_verified=info.mfa_verified, via="session",
                            conference_id=info.conference_id)
    return Answer(user, info, writes, info.expires_at)


# A route handler's `opt` key: False where the request must not write a "last seen" or "last used" time.
# That write names the person, and in a transaction next to the handler's it would tie them to what the
# handler writes (consultation pages: a pseudonym's thought or rating). Their session just ages unseen.
SESSION_BOOKKEEPING = "session_bookkeeping"


def _bookkeeping(scope: Scope, writes: list[Executable]) -> list[Executable]:
    handler = scope.get("route_handler")
    return writes if handler is None or handler.opt.get(SESSION_BOOKKEEPING, True) else []


class AuthMiddleware:
    """Sets scope['user'] (CurrentUser or None) and scope['auth'] (SessionInfo or None)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        state = scope["litestar_app"].state
        headers = dict(scope.get("headers", []))
        credential = presented_credential(headers)
        cache: CredentialCache = state.credential_cache
        ticket = _live_ticket(scope, state, credential)
        if ticket is not None and ticket[0] is not Verdict.STALE:
            # A websocket with a live ticket for this login and these topics, or a forgery the handler
            # refuses: either way, no database transaction for the handshake.
            scope["user"], scope["auth"], scope["credential"], scope["live_ticket"] = None, None, credential, ticket
            await self.app(scope, receive, send)
            return
        known = cache.get(credential.key) if credential is not None else None
        shared = scope["type"] == "http" and not state.settings.is_sqlite and known is None
        try:
            read_wall = time.time()
            if known is not None:  # read in the last few seconds and nothing since said it changed
                answer, read_wall = Answer(known.user, known.session), known.read_wall
            elif credential is not None and shared:
                # PostgreSQL: the request's own unit of work (the handler's db_session) reads the credential,
                # so an action costs one transaction, not three. Bookkeeping writes go in a short one of their
                # own, so the request holds no lock on a token or session row while the handler runs.
                db = state.session_factory()
                set_aa_scope_state(scope, state.db_session_scope_key, db)
                read_at = cache.generation
                answer = await _authenticate(state, db, credential)
                if writes := _bookkeeping(scope, answer.writes):
                    # Hand the read's connection back first: a request holding one of the pool's connections
                    # while it waits for a second would, with the pool's worth of requests doing the same,
                    # leave them all waiting on each other. The handler's unit of work starts afresh after.
                    await db.commit()
                    async with session_scope(state.session_factory) as own:
                        for write in writes:
                            await own.execute(write)
                _remember(cache, read_at, credential, answer, read_wall)
            elif credential is not None:
                # SQLite (every transaction holds the write lock) and websockets (open for hours): a short
                # transaction of its own, finished before the handler starts.
                read_at = cache.generation
                async with session_scope(state.session_factory) as db:
                    answer = await _authenticate(state, db, credential)
                    for write in _bookkeeping(scope, answer.writes):
                        await db.execute(write)
                _remember(cache, read_at, credential, answer, read_wall)
            else:
                answer = Answer()
            scope["user"] = answer.user
            scope["auth"] = answer.session
            scope["credential"] = credential if answer.user is not None else None
            scope["credential_read_at"] = read_wall
            if answer.user is not None and (refusal := token_refusal(scope, answer.user)):
                raise PermissionDeniedException(refusal)
            await self.app(scope, receive, send)
        finally:
            if shared:
                await _close_unsent(scope, state.db_session_scope_key)


def _live_ticket(scope: Scope, state: Any, credential: Presented | None) -> tuple[Verdict, Ticket | None] | None:
    """What a websocket's `ticket` says (None when it has none): good only if nothing has been heard since
    its issue that could have changed this login or its account."""
    if scope["type"] != "websocket" or credential is None:
        return None
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    ticket = (query.get("ticket") or [""])[0]
    if not ticket:
        return None
    verdict, held = read(state.settings.secret_key, ticket, credential.digest,
                         wanted_topics((query.get("topics") or [""])[0]))
    if held is not None and state.credential_cache.changed_since(held.read_at - SKEW_SECONDS, credential.key,
                                                                  held.user_id):
        return Verdict.STALE, None
    return verdict, held


def _remember(cache: CredentialCache, read_at: int, credential: Presented, answer: Answer, read_wall: float) -> None:
    if answer.user is not None:
        cache.put(read_at, credential.key, answer.user, answer.session, answer.credential_expires, read_wall)


async def _close_unsent(scope: Scope, key: str) -> None:
    """A request that ended without a response (an error on its way out, a client gone) still ends its unit."""
    db = get_aa_scope_state(scope, key)
    if db is not None:
        delete_aa_scope_state(scope, key)
        try:
            await db.rollback()
        finally:
            await db.close()


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name and value:
            return value
    return None


# ---- guards -------------------------------------------------------------------------------
# Every guard is a coroutine function: Litestar runs a plain function guard in a worker thread on every
# request (tests/unit/test_guards_inline.py holds it).

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], None]


def current_user(connection: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser | None:
    return connection.scope.get("user")


def _signed_in(connection: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser:
    user = current_user(connection)
    if user is None:
        raise NotAuthorizedException(_("Please log in to continue."))
    if user.needs_second_factor:
        raise SecondFactorRequired(_("Enter the code from your authenticator app to finish logging in."))
    return user


async def requires_password_step(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """For the TOTP challenge itself: a session that passed the password step."""
    if current_user(connection) is None:
        raise NotAuthorizedException(_("Please log in to continue."))


def _not_scoped(user: CurrentUser) -> None:
    if user.conference_scope is not None:
        raise PermissionDeniedException(_(SCOPED_SESSION_MESSAGE))


async def requires_login_allow_enrolment(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Signed in; staff who have not set up two-factor yet may still reach enrolment."""
    _not_scoped(_signed_in(connection))


def enrolled_user(connection: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser:
    user = _signed_in(connection)
    if user.must_enrol_totp:
        raise TotpEnrolmentRequired(_("Your role needs two-factor authentication. Set it up to continue."))
    return user


def _full_login(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    _not_scoped(enrolled_user(connection))


async def requires_login(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Signed in with a full login (not a voting code), two-factor set up where the role needs it."""
    _full_login(connection)


async def requires_admin(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    _full_login(connection)
    if not current_user(connection).is_admin:  # type: ignore[union-attr]
        raise PermissionDeniedException(_("Only union administrators can do this."))


async def requires_staff(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    _full_login(connection)
    if not current_user(connection).is_staff:  # type: ignore[union-attr]
        raise PermissionDeniedException(_("This page is for union staff and conference officers."))


async def requires_member_ballot_watcher(connection: ASGIConnection[Any, Any, Any, Any],
                                         handler: BaseRouteHandler) -> None:
    """Admins, and the organisers of the member ballot named by the path's ballot_id (not other staff)."""
    _full_login(connection)
    user = current_user(connection)
    assert user is not None
    ballot_id = connection.path_params.get("ballot_id")
    if not (user.is_admin or (ballot_id is not None and user.organiser_of(int(ballot_id)))):
        raise PermissionDeniedException(_("Only administrators and this ballot's organisers can see this."))


async def requires_member_ballot_reader(connection: ASGIConnection[Any, Any, Any, Any],
                                        handler: BaseRouteHandler) -> None:
    """What a member ballot's watchers see (ballots' turnout, results, reconciliation), and the returning
    officer too: read-only over every member ballot, as over every audit chain."""
    _full_login(connection)
    user = current_user(connection)
    assert user is not None
    ballot_id = connection.path_params.get("ballot_id")
    if not (user.is_returning_officer or (ballot_id is not None and user.organiser_of(int(ballot_id)))):
        raise PermissionDeniedException(_("Only administrators, this ballot's organisers and returning officers can "
                                        "see this."))


async def requires_returning_officer(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Admins and returning officers (of any conference): member ballots belong to no conference."""
    _full_login(connection)
    user = current_user(connection)
    assert user is not None
    if not user.is_returning_officer:
        raise PermissionDeniedException(_("Only returning officers and administrators can do this."))


def requires_conference_role(*roles: Role) -> Guard:
    """Admins, or holders of one of `roles` in the conference named by the path's conference_id."""
    allowed = frozenset(roles)

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
        # Voting-code sessions pass too: their roles were cut down to that conference's when loaded.
        user = enrolled_user(connection)
        conference_id = connection.path_params.get("conference_id")
        if user.is_admin:
            return
        if conference_id is None or not (user.roles_in(int(conference_id)) & allowed):
            raise PermissionDeniedException(_("Your role in this conference does not allow this."))

    guard.__name__ = "requires_conference_role_" + "_".join(sorted(allowed))
    return guard


async def requires_audit_reader(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Admins and returning officers (of any conference) may read audit chains."""
    _full_login(connection)
    user = current_user(connection)
    assert user is not None
    if not (user.is_admin or any(Role.RETURNING_OFFICER in held for held in user.roles.values())):
        raise PermissionDeniedException(_("Only administrators and returning officers can read the audit trail."))


async def public(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Anyone, signed in or not. Stated explicitly so every route names its guard. A coroutine, as are the guards
    of the busiest routes: Litestar runs a plain function guard in a thread, a hop per request."""
