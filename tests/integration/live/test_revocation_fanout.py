"""Two real server processes sharing PostgreSQL, each remembering logins: whatever ends or changes a login on
server A stops it working on server B within a second. Each case runs twice, once for each way the news
travels, the other switched off: through Redis alone (logins remembered for 30 seconds), and through
PostgreSQL's own announcements alone, with no Redis at all (logins remembered for ten minutes, so only the
announcement can end them in time).

Each case first uses the credential on both servers (so B answers it from memory), then changes it through
A the way a person or an administrator would, then asks B again until B refuses; B must refuse every
request sent a second or more after A answered."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from tests.helpers import PASSWORD, fresh_totp_code
from tests.integration.conferences.builders import bodies_csv, delegates_csv, ids, load
from tests.integration.live.test_redis_fanout import PG_URL, REDIS_URL, Server, _stop, pytestmark, start_servers
from tests.pg import fresh_postgres_database_sync
from tests.subprocesses import clean_env, unionvote
from unionvote.accounts.models import Role
from unionvote.accounts.services import create_api_token, create_user, grant_role
from unionvote.conferences import accreditation
from unionvote.conferences.services import create_conference
from unionvote.config import Settings
from unionvote.db import make_engine, make_session_factory, session_scope
from unionvote.migrate import upgrade
from unionvote.security import new_totp_secret

SECRET = "revocation-test-secret-key-that-is-long-enough-0123456789"
ADMIN = "revoking-admin@union.example"
WITHIN = 1.0  # seconds: the stated bound

__all__ = ["pytestmark"]  # the two-server tests' marks: PostgreSQL and Redis, skipped without them


@dataclass
class World:
    a: Server
    b: Server
    admin_totp: str
    conference_id: int
    tokens: dict[str, str] = field(default_factory=dict)  # email -> API token
    users: dict[str, int] = field(default_factory=dict)  # email -> account id
    delegate_id: int = 0
    env: dict[str, str] = field(default_factory=dict)  # the servers' environment, for commands
    admin_cookies: dict[str, str] = field(default_factory=dict)


def email(case: str) -> str:
    return f"{case}@branch.example"


CASES = ("logout", "token", "password", "accreditation", "lock", "totp", "role", "desk")


async def _build(url: str) -> World:
    engine = make_engine(Settings(database_url=url))
    factory = make_session_factory(engine)
    try:
        async with session_scope(factory) as db:
            admin = await create_user(db, email=ADMIN, display_name="Revoking Admin", password=PASSWORD,
                                      is_admin=True)
            admin.totp_secret, admin.totp_enabled = new_totp_secret(), True
            conference = await create_conference(db, slug="rev-2027", name="Revocation Conference", by=None)
            world = World(None, None, admin.totp_secret, conference.id)  # type: ignore[arg-type]
            for case in CASES:
                user = await create_user(db, email=email(case), display_name=case.title(), password=PASSWORD)
                world.users[email(case)] = user.id  # type: ignore[assignment]
                _, world.tokens[email(case)] = await create_api_token(db, user_id=user.id, name="phone")  # type: ignore[arg-type]
                await grant_role(db, user_id=user.id, conference_id=conference.id, role=Role.OBSERVER,  # type: ignore[arg-type]
                                 by=None)
            totp_user = await db.get(type(admin), world.users[email("totp")])
            totp_user.totp_secret, totp_user.totp_enabled = new_totp_secret(), True  # type: ignore[union-attr]
        await load(factory, world.conference_id, bodies=bodies_csv(("B1", 100)),
                   delegates=delegates_csv(("R1", "B1", "delegate"), ("R2", "B1", "delegate")))
        register = await ids(factory, world.conference_id)
        world.delegate_id = register["R1"]
        async with session_scope(factory) as db:
            for number, case in (("R1", "accreditation"), ("R2", "desk")):
                await accreditation.link_account(db, register[number], world.users[email(case)], by=None)
                await accreditation.accredit(db, register[number], note="union card seen", by=None)
        return world
    finally:
        await engine.dispose()


# How the news of a change travels between the servers: the other way is switched off in each.
CARRIERS = {
    "redis": {"UNIONVOTE_REDIS_URL": REDIS_URL or "", "UNIONVOTE_CREDENTIAL_LISTEN": "0"},
    "postgres": {"UNIONVOTE_CREDENTIAL_CACHE_LISTENING_SECONDS": "600"},
}


@pytest.fixture(scope="module", params=sorted(CARRIERS))
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    assert PG_URL and REDIS_URL
    tmp_path = tmp_path_factory.mktemp("revocation")
    with fresh_postgres_database_sync(PG_URL) as url:
        env = clean_env(UNIONVOTE_DATABASE_URL=url, UNIONVOTE_SECRET_KEY=SECRET,
                        UNIONVOTE_COOKIE_SECURE="0", UNIONVOTE_REDIS_NAMESPACE=f"uvtest{uuid.uuid4().hex[:8]}",
                        UNIONVOTE_LOGIN_ATTEMPTS_PER_MINUTE="100", **CARRIERS[request.param])
        upgrade(url)
        built = asyncio.run(_build(url))
        started: list[Server] = []
        try:
            start_servers(tmp_path, env, started)
            built.a, built.b = started
            if request.param == "postgres":  # both servers hear PostgreSQL's announcements before any case
                for server in started:
                    _wait_listening(server)
            built.env = env
            yield built
        finally:
            _stop(started)


def _wait_listening(server: Server, within: float = 120.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if httpx.get(f"{server.base_url}/healthz", timeout=30).json().get("login_news") == "listening":
            return
        time.sleep(0.2)
    pytest.fail(f"server {server.name} was not listening for changed logins within {within} s:\n"
                f"{server.log_tail()}")


async def _session(base_url: str, who: str, totp_secret: str | None = None) -> httpx.AsyncClient:
    """A logged-in browser on one server (the session cookie is good on every server)."""
    client = httpx.AsyncClient(base_url=base_url, timeout=60)
    await client.get("/login")
    body = {"email": who, "password": PASSWORD}
    if totp_secret is not None:
        body["totp_code"] = fresh_totp_code(totp_secret)
    response = await client.post("/api/v1/session", json=body, headers={"x-csrftoken": client.cookies["uv_csrf"]})
    assert response.status_code == 200, response.text
    return client


def _csrf(client: httpx.AsyncClient) -> dict[str, str]:
    return {"x-csrftoken": client.cookies["uv_csrf"]}


async def _stops_on_b(world: World, ask: Callable[[httpx.AsyncClient], Awaitable[httpx.Response]],
                      change: Callable[[], Awaitable[None]], refused: tuple[int, ...] = (401,)) -> float:
    """`ask` works on A and on B (twice on B: the second answer comes from B's memory); after `change`,
    B refuses within WITHIN seconds and keeps refusing. Returns how long B took."""
    async with (httpx.AsyncClient(base_url=world.a.base_url, timeout=60) as on_a,
                httpx.AsyncClient(base_url=world.b.base_url, timeout=60) as on_b):
        for client in (on_a, on_b, on_b):
            response = await ask(client)
            assert response.status_code == 200, response.text
        await change()
        changed = time.monotonic()
        while True:
            response = await ask(on_b)
            took = time.monotonic() - changed
            if response.status_code in refused:
                break
            assert response.status_code == 200, response.text
            assert took < WITHIN, f"server B still accepted the credential {took:.2f} s after the change"
            await asyncio.sleep(0.02)
        assert (await ask(on_b)).status_code in refused
        return took


def _bearer(world: World, case: str) -> Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]:
    headers = {"Authorization": f"Bearer {world.tokens[email(case)]}"}
    return lambda client: client.get("/api/v1/me", headers=headers)


async def _admin(world: World) -> httpx.AsyncClient:
    """The administrator's browser on A, logged in once for the module (each authenticator step counts once)."""
    if not world.admin_cookies:
        client = await _session(world.a.base_url, ADMIN, world.admin_totp)
        world.admin_cookies = dict(client.cookies)
        return client
    return httpx.AsyncClient(base_url=world.a.base_url, timeout=60, cookies=world.admin_cookies)


async def test_logging_out_on_a_ends_the_session_on_b(world: World) -> None:
    browser = await _session(world.b.base_url, email("logout"))
    cookie = {"Cookie": f"uv_session={browser.cookies['uv_session']}"}

    async def log_out() -> None:
        browser.base_url = httpx.URL(world.a.base_url)
        assert (await browser.delete("/api/v1/session", headers=_csrf(browser))).status_code == 200

    took = await _stops_on_b(world, lambda client: client.get("/api/v1/me", headers=cookie), log_out)
    await browser.aclose()
    print(f"logout: refused on B after {took:.3f} s")


async def test_a_token_revoked_on_a_stops_on_b(world: World) -> None:
    owner = await _session(world.a.base_url, email("token"))

    async def revoke() -> None:
        token_id = (await owner.get("/api/v1/me/tokens")).json()[0]["id"]
        assert (await owner.delete(f"/api/v1/me/tokens/{token_id}", headers=_csrf(owner))).status_code == 200

    took = await _stops_on_b(world, _bearer(world, "token"), revoke)
    await owner.aclose()
    print(f"token revoked: refused on B after {took:.3f} s")


async def test_a_password_changed_on_a_ends_the_tokens_on_b(world: World) -> None:
    owner = await _session(world.a.base_url, email("password"))

    async def change_password() -> None:
        response = await owner.post("/api/v1/me/password", headers=_csrf(owner), json={
            "current_password": PASSWORD, "new_password": "a brand new passphrase 42"})
        assert response.status_code == 200, response.text

    took = await _stops_on_b(world, _bearer(world, "password"), change_password)
    await owner.aclose()
    print(f"password changed: refused on B after {took:.3f} s")


async def test_an_accreditation_withdrawn_on_a_ends_the_delegates_session_on_b(world: World) -> None:
    delegate = await _session(world.b.base_url, email("accreditation"))
    cookie = {"Cookie": f"uv_session={delegate.cookies['uv_session']}"}
    admin = await _admin(world)

    async def withdraw() -> None:
        response = await admin.post(f"/api/v1/conferences/{world.conference_id}/delegates/{world.delegate_id}"
                                    "/revoke", json={"reason": "credential handed to someone else"},
                                    headers=_csrf(admin))
        assert response.status_code == 200, response.text

    took = await _stops_on_b(world, lambda client: client.get("/api/v1/me", headers=cookie), withdraw)
    await delegate.aclose()
    await admin.aclose()
    print(f"accreditation withdrawn: refused on B after {took:.3f} s")


async def test_an_account_locked_on_a_loses_its_tokens_on_b(world: World) -> None:
    async def guess_wrongly() -> None:
        async with httpx.AsyncClient(base_url=world.a.base_url, timeout=60) as stranger:
            await stranger.get("/login")
            for _ in range(5):  # the lockout threshold
                await stranger.post("/api/v1/session", json={"email": email("lock"), "password": "wrong guess 123"},
                                    headers=_csrf(stranger))

    took = await _stops_on_b(world, _bearer(world, "lock"), guess_wrongly)
    print(f"account locked: refused on B after {took:.3f} s")


async def test_a_second_factor_reset_on_a_ends_the_tokens_on_b(world: World) -> None:
    admin = await _admin(world)
    user_id = world.users[email("totp")]

    async def reset() -> None:
        response = await admin.post(f"/api/v1/users/{user_id}/totp-reset", headers=_csrf(admin))
        assert response.status_code == 200, response.text

    took = await _stops_on_b(world, _bearer(world, "totp"), reset)
    await admin.aclose()
    print(f"two-factor reset: refused on B after {took:.3f} s")


async def test_a_role_withdrawn_on_a_is_refused_on_b(world: World) -> None:
    admin = await _admin(world)
    user_id = world.users[email("role")]
    headers = {"Authorization": f"Bearer {world.tokens[email('role')]}"}

    async def withdraw() -> None:
        grant_id = (await admin.get(f"/api/v1/users/{user_id}")).json()["roles"][0]["grant_id"]
        response = await admin.delete(f"/api/v1/users/{user_id}/roles/{grant_id}", headers=_csrf(admin))
        assert response.status_code == 200, response.text

    took = await _stops_on_b(world, lambda client: client.get(
        f"/api/v1/conferences/{world.conference_id}/sessions", headers=headers), withdraw, refused=(403,))
    await admin.aclose()
    print(f"role withdrawn: refused on B after {took:.3f} s")


async def test_an_accreditation_revoked_at_the_command_line_ends_the_session_on_b(world: World) -> None:
    """The desk's command runs no live hub of its own: it announces the change through Redis itself, and through
    PostgreSQL in its own transaction."""
    delegate = await _session(world.b.base_url, email("desk"))
    cookie = {"Cookie": f"uv_session={delegate.cookies['uv_session']}"}

    async def revoke_at_the_desk() -> None:
        done = await asyncio.to_thread(unionvote, "desk", "revoke", "--conference", "rev-2027", "--member", "R2",
                                       "--reason", "left the hall", env=world.env)
        assert done.returncode == 0, done.stderr

    took = await _stops_on_b(world, lambda client: client.get("/api/v1/me", headers=cookie), revoke_at_the_desk)
    await delegate.aclose()
    print(f"accreditation revoked at the command line: refused on B after {took:.3f} s")
