"""Each worker remembers who a session or API token belongs to for a few seconds, so a busy conference does
not read the login tables on every request; any change that ends or alters a login is forgotten at once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import delete, event, update

from tests.conftest import make_settings
from tests.helpers import PASSWORD, Visitor, app_db, make_conference, make_user
from unionvote.accounts.models import ApiToken, Role, RoleGrant, UserSession
from unionvote.accounts.services import create_api_token
from unionvote.app import create_app
from unionvote.auth import CurrentUser
from unionvote.credentials import EVERYONE, CredentialCache, _targets, notify_payload
from unionvote.db import utcnow

BACKGROUND = ("_close_due_forever", "_flush_soon")  # the app's own clockwork, not the request


@contextmanager
def statements(app: Litestar) -> Iterator[list[str]]:
    """The SQL statements requests send to the database while this block runs."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        task = asyncio.current_task()
        coroutine = task.get_coro() if task is not None else None
        if not getattr(coroutine, "__qualname__", "").endswith(BACKGROUND):
            seen.append(sql.split()[0].upper())

    event.listen(app.state.engine.sync_engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(app.state.engine.sync_engine, "before_cursor_execute", note)


async def _token(app: Litestar, email: str, **kwargs: Any) -> tuple[int, dict[str, str]]:
    user_id, _ = await make_user(app, email, **kwargs)
    async with app_db(app) as db:
        _, plain = await create_api_token(db, user_id=user_id, name="phone app")
    return user_id, {"Authorization": f"Bearer {plain}"}


async def _statements_per_request(app: Litestar, client: AsyncTestClient[Litestar], path: str,
                                  headers: dict[str, str]) -> int:
    assert (await client.get(path, headers=headers)).status_code == 200  # first use: the last-used mark
    with statements(app) as seen:
        response = await client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return len(seen)


async def test_a_token_is_read_from_the_database_once_then_answered_from_memory(
        app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    conference_id = await make_conference(app)
    _, bearer = await _token(app, "dana@branch.example", roles=[(conference_id, Role.DELEGATE)])
    cached = await _statements_per_request(app, client, "/api/v1/me", bearer)

    uncached_app = create_app(make_settings(app.state.settings.database_url, credential_cache_seconds=0))
    async with AsyncTestClient(uncached_app) as uncached_client:
        uncached = await _statements_per_request(uncached_app, uncached_client, "/api/v1/me", bearer)
    # The token with its account, the roles, the member ballots organised: three reads a request saved
    # (and on SQLite the short transaction they were read in).
    print(f"statements per token request: {uncached} uncached, {cached} cached")
    assert uncached - cached == (4 if app.state.settings.is_sqlite else 3)


async def test_a_session_is_read_from_the_database_once_then_answered_from_memory(
        app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    await make_user(app, "dana@branch.example")
    dana = Visitor(client)
    assert (await dana.log_in("dana@branch.example")).status_code == 303
    client.cookies = dana.jar
    cached = await _statements_per_request(app, client, "/api/v1/me", {})
    uncached_app = create_app(make_settings(app.state.settings.database_url, credential_cache_seconds=0))
    async with AsyncTestClient(uncached_app) as uncached_client:
        uncached_client.cookies = dana.jar
        uncached = await _statements_per_request(uncached_app, uncached_client, "/api/v1/me", {})
    # The session, the account, its roles, the member ballots organised (and SQLite's short transaction).
    print(f"statements per session request: {uncached} uncached, {cached} cached")
    assert uncached - cached == (5 if app.state.settings.is_sqlite else 4)


async def test_a_revoked_token_stops_working_at_once(app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    user_id, bearer = await _token(app, "dana@branch.example")
    assert (await client.get("/api/v1/me", headers=bearer)).status_code == 200
    async with app_db(app) as db:  # another worker or the command line: the database is the record
        token_id = (await create_api_token(db, user_id=user_id, name="spare"))[0].id
    assert (await client.get("/api/v1/me", headers=bearer)).status_code == 200  # a new token changes nothing
    dana = Visitor(client)
    await dana.log_in("dana@branch.example")
    tokens = (await dana.get("/api/v1/me/tokens")).json()
    first = next(t["id"] for t in tokens if t["id"] != token_id)
    assert (await dana.delete(f"/api/v1/me/tokens/{first}")).status_code == 200
    assert (await client.get("/api/v1/me", headers=bearer)).status_code == 401


async def test_a_withdrawn_role_takes_effect_on_the_next_request(
        app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    conference_id = await make_conference(app)
    admin_id, secret = await make_user(app, "admin@union.example", admin=True)
    user_id, bearer = await _token(app, "dana@branch.example", roles=[(conference_id, Role.OBSERVER)])
    agenda = f"/api/v1/conferences/{conference_id}/sessions"
    assert (await client.get(agenda, headers=bearer)).status_code == 200
    admin = Visitor(client)
    await admin.log_in("admin@union.example", totp_secret=secret)
    user = (await admin.get(f"/api/v1/users/{user_id}")).json()
    grant_id = user["roles"][0]["grant_id"]
    assert (await admin.delete(f"/api/v1/users/{user_id}/roles/{grant_id}")).status_code == 200
    assert (await client.get(agenda, headers=bearer)).status_code == 403


async def test_passing_the_second_factor_is_seen_on_the_very_next_page(
        app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    _, secret = await make_user(app, "admin@union.example", admin=True)
    admin = Visitor(client)
    response = await admin.post("/login", data={"email": "admin@union.example", "password": PASSWORD, "next": "/"})
    assert response.headers["location"].startswith("/login/totp")
    assert (await admin.get("/admin/users")).status_code in (302, 303, 401)  # remembered: half logged in
    await admin.log_in("admin@union.example", totp_secret=secret)
    assert (await admin.get("/admin/users")).status_code == 200


# ---- which statements make a worker forget ------------------------------------------------------------


def test_bulk_statements_name_the_accounts_or_sessions_they_touch() -> None:
    assert _targets("api_token", update(ApiToken).where(ApiToken.user_id == 7).whereclause) == {"user:7"}
    assert _targets("user_session", delete(UserSession).where(UserSession.id == "ab12").whereclause) == {
        "session:ab12"}
    assert _targets("user_session", delete(UserSession).where(UserSession.user_id.in_([3, 4])).whereclause) == {
        "user:3", "user:4"}
    assert _targets("role_grant", delete(RoleGrant).whereclause) == {EVERYONE}
    # Purging expired sessions: the cache never serves an expired one, so nothing to forget.
    assert _targets("user_session", delete(UserSession).where(
        UserSession.expires_at <= utcnow()).whereclause) == set()


def test_an_answer_read_before_a_change_is_not_kept_after_it() -> None:
    cache = CredentialCache(30)
    user = CurrentUser(id=5, email="d@x", display_name="D", is_admin=False, totp_enabled=False,
                       mfa_verified=True, via="token")
    read_at = cache.generation
    cache.forget(["user:5"])  # committed while the read was in flight
    cache.put(read_at, "token:aa", user, None, None, 0.0)
    assert cache.get("token:aa") is None
    cache.put(cache.generation, "token:aa", user, None, None, 0.0)
    assert cache.get("token:aa") is not None
    cache.forget(["user:5"])
    assert cache.get("token:aa") is None
    cache.put(cache.generation, "token:aa", user, None, None, 0.0)
    cache.hub_failed()  # the hub's listener lost Redis: nothing from memory for a while
    assert cache.get("token:aa") is None
    cache.put(cache.generation, "token:aa", user, None, None, 0.0)
    assert cache.get("token:aa") is None


def test_answers_live_longer_only_while_every_change_is_heard() -> None:
    cache = CredentialCache(30, listening_seconds=600)
    assert cache.lifetime == 30
    cache.started_listening()
    assert cache.lifetime == 600
    cache.stopped_listening()  # deaf now: back to the short memory, and nothing from memory for a while
    assert cache.lifetime == 30
    assert not cache.enabled


def test_an_announcement_too_long_for_postgresql_says_everyone() -> None:
    few = notify_payload(["user:1", "token:ab"])
    assert json.loads(few) == ["token:ab", "user:1"]
    many = notify_payload(f"session:{n:064x}" for n in range(200))
    assert json.loads(many) == [EVERYONE]
