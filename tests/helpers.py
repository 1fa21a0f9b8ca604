"""What tests do as people: visit pages with their own cookies, log in, set up accounts."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pyotp
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.accounts.models import Role, User
from unionvote.accounts.services import create_user, grant_role
from unionvote.audit.models import AuditEntry
from unionvote.conferences.services import create_conference
from unionvote.db import make_engine, make_session_factory, session_scope
from unionvote.security import new_totp_secret

PASSWORD = "correct horse battery staple"


@asynccontextmanager
async def app_db(app: Litestar) -> AsyncIterator[AsyncSession]:
    """A unit of work on the app's database from the test's own event loop.

    The test client runs the app on another loop (a blocking portal); asyncpg connections
    must not cross loops, so tests use an engine of their own, disposed afterwards.
    """
    engine = make_engine(app.state.settings)
    try:
        async with session_scope(make_session_factory(engine)) as db:
            yield db
    finally:
        await engine.dispose()


class Visitor:
    """One person's browser: its own cookie jar over the shared test client."""

    def __init__(self, client: AsyncTestClient[Litestar]) -> None:
        self.client = client
        self.jar = httpx.Cookies()

    async def request(self, method: str, path: str, *, csrf: bool = True, **kwargs: Any) -> httpx.Response:
        self.client.cookies = self.jar
        headers = dict(kwargs.pop("headers", {}) or {})
        if csrf and method not in ("GET", "HEAD", "OPTIONS") and "x-csrftoken" not in headers:
            if "uv_csrf" not in self.client.cookies:
                await self.client.get("/login")
            headers["x-csrftoken"] = self.client.cookies.get("uv_csrf", "")
        try:
            return await self.client.request(method, path, headers=headers, **kwargs)
        finally:
            self.jar = self.client.cookies

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", path, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("DELETE", path, **kwargs)

    async def log_in(self, email: str, password: str = PASSWORD, totp_secret: str | None = None) -> httpx.Response:
        response = await self.post("/login", data={"email": email, "password": password, "next": "/"})
        if totp_secret is not None and response.headers.get("location", "").startswith("/login/totp"):
            response = await self.post("/login/totp", data={"code": fresh_totp_code(totp_secret), "next": "/"})
        return response


_last_step: dict[str, int] = {}


def fresh_totp_code(secret: str) -> str:
    """A code the server has not seen yet: each 30-second step is accepted once per account, so a test
    that logs the same person in again within half a minute uses the next step (waiting if need be)."""
    totp = pyotp.TOTP(secret)
    step = max(int(time.time()) // 30, _last_step.get(secret, 0) + 1)
    while step > int(time.time()) // 30 + 1:  # the server accepts one step of clock drift ahead
        time.sleep(1)
    _last_step[secret] = step
    return totp.generate_otp(step)


async def totp_secret_of(app: Litestar, user_id: int) -> str:
    """The account's authenticator secret as the phone holds it (stored sealed under the app's key)."""
    user = await load_user(app, user_id)
    assert user.totp_secret is not None
    return app.state.settings.secret_box().open(user.totp_secret, user_id)


async def make_user(app: Litestar, email: str, *, admin: bool = False, roles: list[tuple[int, Role]] | None = None,
                    totp: bool | None = None, password: str | None = PASSWORD) -> tuple[int, str | None]:
    """An account, with two-factor already set up for staff unless totp=False. Returns (id, totp secret)."""
    staff = admin or any(role in {Role.CAC, Role.CHAIR, Role.RETURNING_OFFICER, Role.STAFF} for _, role in roles or [])
    with_totp = staff if totp is None else totp
    async with app_db(app) as db:
        user = await create_user(db, email=email, display_name=email.split("@")[0].title(), password=password,
                                 is_admin=admin)
        secret = None
        if with_totp:
            secret = new_totp_secret()
            user.totp_secret, user.totp_enabled = secret, True
        for conference_id, role in roles or []:
            await grant_role(db, user_id=user.id, conference_id=conference_id, role=role, by=None)  # type: ignore[arg-type]
        return user.id, secret  # type: ignore[return-value]


async def make_conference(app: Litestar, slug: str = "adc-2027", name: str = "Annual Delegate Conference") -> int:
    async with app_db(app) as db:
        conference = await create_conference(db, slug=slug, name=name, by=None)
        return conference.id  # type: ignore[return-value]


async def load_user(app: Litestar, user_id: int) -> User:
    async with app_db(app) as db:
        user = await db.get(User, user_id)
        assert user is not None
        return user


async def audit_entries(app: Litestar, *, scope: str | None = None, action: str | None = None) -> list[AuditEntry]:
    """Audit chain entries in the order they were appended, optionally of one scope or action."""
    query = select(AuditEntry).order_by(AuditEntry.scope, AuditEntry.seq)
    if scope is not None:
        query = query.where(AuditEntry.scope == scope)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    async with app_db(app) as db:
        return list((await db.execute(query)).scalars())
