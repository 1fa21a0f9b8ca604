"""Logging in and out with a password: the session cookie, rotation, expiry, lockout, rate limits, hashes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from types import SimpleNamespace

import httpx
import pytest
from argon2 import PasswordHasher
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, update

from tests.conftest import make_settings
from tests.helpers import PASSWORD, Visitor, app_db, audit_entries, load_user, make_user
from unionvote import ratelimit
from unionvote.accounts.flows import TOO_MANY_MESSAGE
from unionvote.accounts.models import User, UserSession
from unionvote.accounts.services import BAD_LOGIN_MESSAGE, LOCKED_MESSAGE
from unionvote.app import create_app
from unionvote.audit.services import SYSTEM_SCOPE
from unionvote.db import utcnow
from unionvote.security import token_digest

EMAIL = "dana.evans@branch.example"


def set_cookie(response: httpx.Response, name: str) -> str | None:
    """The Set-Cookie header the response sent for `name`, if any."""
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(f"{name}="):
            return header
    return None


def browser_holding(client: AsyncTestClient[Litestar], session_token: str) -> Visitor:
    """Another browser presenting a session token (a copied or stolen cookie)."""
    visitor = Visitor(client)
    visitor.jar.set("uv_session", session_token, domain="testserver.local", path="/")
    return visitor


async def sessions_of(app: Litestar, user_id: int) -> list[UserSession]:
    async with app_db(app) as db:
        return list((await db.execute(select(UserSession).where(UserSession.user_id == user_id))).scalars())


def sent_to_login(response: httpx.Response, path: str) -> bool:
    return response.status_code == 303 and response.headers["location"] == f"/login?next={path}"


@pytest.fixture
def frozen_rate_limit_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep every attempt in one rate-limit window, so a minute boundary cannot reset the count mid-test."""
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 1_900_000_010.0))


# ---- the right and the wrong password -------------------------------------------------------


async def test_the_right_password_logs_in_with_an_httponly_lax_session_cookie(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    user_id, _ = await make_user(app, EMAIL)
    dana = Visitor(client)

    response = await dana.log_in(EMAIL)

    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = set_cookie(response, "uv_session")
    assert cookie is not None
    attributes = [part.strip().lower() for part in cookie.split(";")]
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    account = await dana.get("/account")
    assert account.status_code == 200
    assert EMAIL in account.text
    # The server keeps only a digest of the token the browser holds.
    [stored] = await sessions_of(app, user_id)
    assert stored.id == token_digest(dana.jar["uv_session"])
    assert stored.id != dana.jar["uv_session"]


async def test_a_wrong_password_is_refused_with_a_plain_message_and_no_session(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    user_id, _ = await make_user(app, EMAIL)
    dana = Visitor(client)

    response = await dana.log_in(EMAIL, "not my password at all")

    assert response.status_code == 400
    assert BAD_LOGIN_MESSAGE in response.text
    assert set_cookie(response, "uv_session") is None
    assert "uv_session" not in dana.jar
    assert await sessions_of(app, user_id) == []
    assert sent_to_login(await dana.get("/account"), "/account")
    assert (await load_user(app, user_id)).failed_logins == 1


async def test_an_unknown_email_gets_the_same_message_as_a_wrong_password(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    await make_user(app, EMAIL)
    visitor = Visitor(client)

    wrong_password = await visitor.log_in(EMAIL, "not my password at all")
    unknown_email = await visitor.log_in("nobody@branch.example", "not my password at all")
    not_an_email = await visitor.log_in("nobody", "not my password at all")

    assert unknown_email.status_code == wrong_password.status_code == not_an_email.status_code == 400
    for response in (unknown_email, not_an_email):
        assert BAD_LOGIN_MESSAGE in response.text
        assert "no account" not in response.text.lower()
        assert set_cookie(response, "uv_session") is None


# ---- the session's life: rotation, logout, expiry ---------------------------------------------


async def test_logging_in_again_issues_a_new_session_id_and_the_old_one_stops_working(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    user_id, _ = await make_user(app, EMAIL)
    dana = Visitor(client)
    await dana.log_in(EMAIL)
    before = dana.jar["uv_session"]

    await dana.log_in(EMAIL)
    after = dana.jar["uv_session"]

    assert before != after
    assert (await dana.get("/account")).status_code == 200
    assert sent_to_login(await browser_holding(client, before).get("/account"), "/account")
    assert [s.id for s in await sessions_of(app, user_id)] == [token_digest(after)]


async def test_logging_out_ends_the_session_on_the_server(app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    user_id, _ = await make_user(app, EMAIL)
    dana = Visitor(client)
    await dana.log_in(EMAIL)
    token = dana.jar["uv_session"]

    response = await dana.post("/logout")

    assert response.status_code == 303
    assert response.headers["location"] == "/login?done=logged-out"
    cleared = set_cookie(response, "uv_session")
    assert cleared is not None and "max-age=0" in cleared.lower()
    assert sent_to_login(await dana.get("/account"), "/account")
    # Even a copy of the cookie kept from before is useless now.
    assert sent_to_login(await browser_holding(client, token).get("/account"), "/account")
    assert await sessions_of(app, user_id) == []
    page = await dana.get("/login?done=logged-out")
    assert "You have logged out." in page.text


async def test_log_out_everywhere_ends_the_same_persons_session_on_another_device(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    await make_user(app, EMAIL)
    await make_user(app, "sam.patel@branch.example")
    phone, laptop, someone_else = Visitor(client), Visitor(client), Visitor(client)
    await phone.log_in(EMAIL)
    await laptop.log_in(EMAIL)
    await someone_else.log_in("sam.patel@branch.example")
    assert (await laptop.get("/account")).status_code == 200

    response = await phone.post("/logout/everywhere")

    assert response.status_code == 303
    assert response.headers["location"] == "/login?done=logged-out-everywhere"
    assert sent_to_login(await laptop.get("/account"), "/account")
    assert sent_to_login(await phone.get("/account"), "/account")
    assert (await someone_else.get("/account")).status_code == 200


async def test_a_session_past_its_expiry_sends_the_person_back_to_log_in(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    user_id, _ = await make_user(app, EMAIL)
    dana = Visitor(client)
    await dana.log_in(EMAIL)
    async with app_db(app) as db:
        await db.execute(update(UserSession).where(UserSession.user_id == user_id)
                         .values(expires_at=utcnow() - timedelta(minutes=1)))

    response = await dana.get("/account")

    assert sent_to_login(response, "/account")
    api = await dana.get("/api/v1/me")
    assert api.status_code == 401
    assert api.json()["detail"] == "Please log in to continue."
    assert await sessions_of(app, user_id) == []


@pytest.fixture
async def impatient_client(database_url: str) -> AsyncIterator[tuple[Litestar, AsyncTestClient[Litestar]]]:
    """A deployment whose sessions expire as soon as they go idle."""
    app = create_app(make_settings(database_url, session_idle_minutes=0))
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as test_client:
        test_client.follow_redirects = False
        yield app, test_client


async def test_with_no_idle_time_allowed_the_next_page_asks_for_a_login_again(
    impatient_client: tuple[Litestar, AsyncTestClient[Litestar]],
) -> None:
    app, client = impatient_client
    await make_user(app, EMAIL)
    dana = Visitor(client)

    assert (await dana.log_in(EMAIL)).status_code == 303

    assert sent_to_login(await dana.get("/account"), "/account")


# ---- lockout and rate limits -----------------------------------------------------------------


async def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    user_id, _ = await make_user(app, EMAIL)
    guesser = Visitor(client)

    statuses = [(await guesser.log_in(EMAIL, f"guess number {n}")).status_code for n in range(5)]
    dana = Visitor(client)
    response = await dana.log_in(EMAIL)

    assert statuses == [400] * 5
    assert response.status_code == 403
    assert LOCKED_MESSAGE in response.text
    assert "uv_session" not in dana.jar
    assert await sessions_of(app, user_id) == []
    user = await load_user(app, user_id)
    assert user.locked_until is not None and user.locked_until > utcnow() + timedelta(minutes=10)

    repeated = await audit_entries(app, scope=SYSTEM_SCOPE, action="login.repeated_failures")
    locked = await audit_entries(app, scope=SYSTEM_SCOPE, action="login.locked")
    assert [(e.actor, json.loads(e.payload)) for e in repeated] == [("system", {"user_id": user_id, "failures": 3})]
    assert [(e.actor, json.loads(e.payload)) for e in locked] == [("system", {"user_id": user_id, "minutes": 15,
                                                                      "api_tokens_revoked": 0})]
    # The third failure was recorded before the lock.
    assert repeated[0].seq < locked[0].seq


async def test_two_wrong_passwords_are_not_worth_an_audit_entry(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    user_id, _ = await make_user(app, EMAIL)
    visitor = Visitor(client)
    for n in range(2):
        await visitor.log_in(EMAIL, f"guess number {n}")

    assert (await visitor.log_in(EMAIL)).status_code == 303
    assert await audit_entries(app, action="login.repeated_failures") == []
    assert (await load_user(app, user_id)).failed_logins == 0


async def test_once_the_lock_has_run_out_the_right_password_works_again(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    user_id, _ = await make_user(app, EMAIL)
    async with app_db(app) as db:
        await db.execute(update(User).where(User.id == user_id)
                         .values(locked_until=utcnow() - timedelta(seconds=1)))
    dana = Visitor(client)

    response = await dana.log_in(EMAIL)

    assert response.status_code == 303
    assert (await dana.get("/account")).status_code == 200
    assert (await load_user(app, user_id)).locked_until is None


@pytest.fixture
async def strict_client(database_url: str) -> AsyncIterator[tuple[Litestar, AsyncTestClient[Litestar]]]:
    """A deployment allowing three login attempts a minute from one address."""
    app = create_app(make_settings(database_url, login_attempts_per_minute=3))
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as test_client:
        test_client.follow_redirects = False
        yield app, test_client


async def test_too_many_attempts_from_one_address_are_refused_with_429(
    strict_client: tuple[Litestar, AsyncTestClient[Litestar]], frozen_rate_limit_clock: None,
) -> None:
    app, client = strict_client
    user_id, _ = await make_user(app, EMAIL)
    visitor = Visitor(client)
    # Three different accounts, so only the per-address count can be the one that runs out.
    statuses = [(await visitor.log_in(f"guess{n}@branch.example", "wrong password")).status_code for n in range(3)]

    page = await visitor.log_in(EMAIL)
    api = await visitor.post("/api/v1/session", json={"email": EMAIL, "password": PASSWORD})

    assert statuses == [400, 400, 400]
    assert page.status_code == 429
    assert TOO_MANY_MESSAGE in page.text
    assert api.status_code == 429
    assert api.json()["detail"] == TOO_MANY_MESSAGE
    assert "uv_session" not in visitor.jar
    assert await sessions_of(app, user_id) == []
    # Refused before the password was looked at: the attempt does not count towards a lockout.
    assert (await load_user(app, user_id)).failed_logins == 0


# ---- password hashes -------------------------------------------------------------------------


async def test_passwords_are_stored_as_argon2id_hashes(app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    admin_id, secret = await make_user(app, "admin@union.example", admin=True)
    admin = Visitor(client)
    await admin.log_in("admin@union.example", totp_secret=secret)

    response = await admin.post("/admin/users", data={"email": EMAIL, "display_name": "Dana Evans",
                                                      "password": "a new password for dana"})

    assert response.status_code == 303
    async with app_db(app) as db:
        stored = (await db.execute(select(User.password_hash).where(User.email == EMAIL))).scalar_one()
    assert stored.startswith("$argon2id$")
    assert "a new password for dana" not in stored
    assert PasswordHasher().verify(stored, "a new password for dana")


async def test_a_hash_made_with_weaker_parameters_is_replaced_at_the_next_login(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    user_id, _ = await make_user(app, EMAIL)
    weak = PasswordHasher(time_cost=1, memory_cost=8192).hash(PASSWORD)
    async with app_db(app) as db:
        await db.execute(update(User).where(User.id == user_id).values(password_hash=weak))
    dana = Visitor(client)

    # A failed attempt proves nothing about the password, so it must not rehash.
    await dana.log_in(EMAIL, "not my password at all")
    assert (await load_user(app, user_id)).password_hash == weak

    assert (await dana.log_in(EMAIL)).status_code == 303

    rehashed = (await load_user(app, user_id)).password_hash
    assert rehashed != weak
    assert rehashed.startswith("$argon2id$")
    assert not PasswordHasher().check_needs_rehash(rehashed)
    assert PasswordHasher().verify(rehashed, PASSWORD)
    # And the new hash still lets Dana in.
    assert (await Visitor(client).log_in(EMAIL)).status_code == 303


async def test_an_account_without_a_password_cannot_log_in(app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    user_id, _ = await make_user(app, EMAIL, password=None)
    visitor = Visitor(client)

    for attempt in ("", PASSWORD):
        response = await visitor.log_in(EMAIL, attempt)
        assert response.status_code == 400
        assert BAD_LOGIN_MESSAGE in response.text
    async with app_db(app) as db:
        count = (await db.execute(select(func.count()).select_from(UserSession))).scalar_one()
    assert count == 0
    assert (await load_user(app, user_id)).password_hash is None


# ---- changing the password ---------------------------------------------------------------------


async def test_changing_the_password_keeps_this_browser_and_logs_out_the_others(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    user_id, _ = await make_user(app, EMAIL)
    phone, laptop = Visitor(client), Visitor(client)
    await phone.log_in(EMAIL)
    await laptop.log_in(EMAIL)
    before = phone.jar["uv_session"]

    response = await phone.post("/account/password", data={"current_password": PASSWORD,
                                                           "new_password": "a brand new passphrase"})

    assert response.status_code == 303
    assert response.headers["location"] == "/account?done=password-changed"
    assert phone.jar["uv_session"] != before
    assert (await phone.get("/account")).status_code == 200
    assert sent_to_login(await laptop.get("/account"), "/account")
    assert (await Visitor(client).log_in(EMAIL)).status_code == 400
    assert (await Visitor(client).log_in(EMAIL, "a brand new passphrase")).status_code == 303
    [entry] = await audit_entries(app, scope=SYSTEM_SCOPE, action="password.changed")
    assert entry.actor == f"user:{user_id}"


async def test_changing_the_password_through_the_api_needs_the_current_one(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    user_id, _ = await make_user(app, EMAIL)
    dana, laptop = Visitor(client), Visitor(client)
    await dana.log_in(EMAIL)
    await laptop.log_in(EMAIL)
    hash_before = (await load_user(app, user_id)).password_hash

    wrong = await dana.post("/api/v1/me/password", json={"current_password": "a guess at it",
                                                         "new_password": "a brand new passphrase"})
    assert wrong.status_code == 400
    assert wrong.json()["detail"] == "Your current password is not right."
    assert (await load_user(app, user_id)).password_hash == hash_before
    assert (await laptop.get("/account")).status_code == 200

    right = await dana.post("/api/v1/me/password", json={"current_password": PASSWORD,
                                                         "new_password": "a brand new passphrase"})
    assert right.status_code == 200
    assert (await dana.get("/api/v1/me")).status_code == 200
    assert sent_to_login(await laptop.get("/account"), "/account")
    assert (await load_user(app, user_id)).password_hash != hash_before
