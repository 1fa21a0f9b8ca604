"""A leaked API token: what the finder can and cannot do with it, and every way its owner ends it."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import timedelta

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import update

from tests.helpers import PASSWORD, Visitor, app_db, audit_entries, make_conference, make_user
from unionvote.accounts.models import ApiToken
from unionvote.db import utcnow

DANA = "dana@branch.example"
ADMIN = "admin@union.example"


async def token_for(visitor: Visitor, **body: object) -> dict[str, object]:
    response = await visitor.post("/api/v1/me/tokens", json={"name": "membership system", **body})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def bearer(token: dict[str, object]) -> dict[str, str]:
    return {"authorization": f"Bearer {token['token']}"}


async def as_token(client: AsyncTestClient[Litestar], token: dict[str, object], method: str, path: str,
                   **kwargs: object) -> httpx.Response:
    return await Visitor(client).request(method, path, csrf=False, headers=bearer(token), **kwargs)  # type: ignore[arg-type]


@pytest.fixture
async def dana(app: Litestar, client: AsyncTestClient[Litestar]) -> Visitor:
    await make_user(app, DANA)
    visitor = Visitor(client)
    assert (await visitor.log_in(DANA)).status_code == 303
    return visitor


async def test_a_token_cannot_mint_tokens_recovery_codes_or_change_credentials(
        app: Litestar, client: AsyncTestClient[Litestar], dana: Visitor) -> None:
    token = await token_for(dana, scopes=["read", "vote", "manage"])
    attempts = [
        ("POST", "/api/v1/me/tokens", {"json": {"name": "another"}}),
        ("POST", "/api/v1/me/recovery-codes", {}),
        ("POST", "/api/v1/me/password", {"json": {"current_password": PASSWORD, "new_password": "taken over 12345"}}),
        ("POST", "/api/v1/me/totp", {}),
        ("DELETE", f"/api/v1/me/tokens/{token['id']}", {}),
        ("DELETE", "/api/v1/session/everywhere", {}),
        ("POST", "/account/tokens", {"data": {"name": "another"}}),
        ("POST", "/account/recovery-codes", {}),
    ]
    for method, path, kwargs in attempts:
        response = await as_token(client, token, method, path, **kwargs)
        assert response.status_code == 403, (method, path, response.text)
        assert "API token cannot do this" in response.text, (method, path)
    listed = (await dana.get("/api/v1/me/tokens")).json()
    assert [t["name"] for t in listed] == ["membership system"]
    assert (await dana.get("/account")).status_code == 200  # the owner's own login is untouched
    assert (await Visitor(client).log_in(DANA)).status_code == 303  # and the password unchanged


async def test_an_administrators_token_cannot_make_accounts_or_reset_second_factors(
        app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    _, secret = await make_user(app, ADMIN, admin=True)
    victim_id, _ = await make_user(app, "chair@union.example", totp=True)
    admin = Visitor(client)
    await admin.log_in(ADMIN, totp_secret=secret)
    token = await token_for(admin, scopes=["read", "vote", "manage"])

    made = await as_token(client, token, "POST", "/api/v1/users",
                          json={"email": "new.admin@evil.example", "display_name": "Eve", "is_admin": True,
                                "password": "a password of my own"})
    reset = await as_token(client, token, "POST", f"/api/v1/users/{victim_id}/totp-reset")
    page = await as_token(client, token, "POST", f"/admin/users/{victim_id}/totp-reset")

    assert (made.status_code, reset.status_code, page.status_code) == (403, 403, 403)
    assert await audit_entries(app, action="totp.reset") == []
    assert (await as_token(client, token, "GET", "/api/v1/users")).status_code == 200  # reading is fine


async def test_a_read_token_only_reads_and_a_vote_token_does_not_manage(
        app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    conference_id = await make_conference(app)
    _, secret = await make_user(app, ADMIN, admin=True)
    admin = Visitor(client)
    await admin.log_in(ADMIN, totp_secret=secret)
    reader = await token_for(admin)  # the default is read only
    voter = await token_for(admin, scopes=["vote"])
    assert reader["scopes"] == ["read"] and voter["scopes"] == ["read", "vote"]

    new_conference = {"json": {"slug": "rules-2027", "name": "Rules Conference"}}
    for token in (reader, voter):
        assert (await as_token(client, token, "GET", f"/api/v1/conferences/{conference_id}")).status_code != 403
        refused = await as_token(client, token, "POST", "/api/v1/conferences", **new_conference)
        assert refused.status_code == 403, refused.text
        assert "does not have the 'manage' scope" in refused.json()["detail"]
    # The vote scope reaches casting routes (here a ballot that does not exist: past the scope check).
    cast = {"json": {"choice": "for", "ballot_token": "x" * 32}}
    refused = await as_token(client, reader, "POST", "/api/v1/ballots/999999/votes", **cast)
    passed = await as_token(client, voter, "POST", "/api/v1/ballots/999999/votes", **cast)
    assert "does not have the 'vote' scope" in refused.json()["detail"]
    assert "scope" not in passed.json()["detail"], passed.text
    manager = await token_for(admin, scopes=["manage"])
    assert (await as_token(client, manager, "POST", "/api/v1/conferences", **new_conference)).status_code == 201


async def test_a_token_expires_and_its_owner_sees_name_scopes_expiry_and_last_use(
        app: Litestar, client: AsyncTestClient[Litestar], dana: Visitor) -> None:
    token = await token_for(dana, days=30)
    async with app_db(app) as db:  # the 30 days pass: the token has three seconds left
        await db.execute(update(ApiToken).values(expires_at=utcnow() + timedelta(seconds=3)))
    assert (await as_token(client, token, "GET", "/api/v1/me")).status_code == 200  # and is remembered

    [listed] = (await dana.get("/api/v1/me/tokens")).json()
    assert listed["name"] == "membership system" and listed["scopes"] == ["read"]
    assert listed["last_used_at"] is not None and listed["expires_at"] is not None
    page = (await dana.get("/account")).text
    assert "membership system" in page and "Expires" in page and "read" in page

    # It stops working when its own expiry passes, even while a worker remembers it.
    deadline = time.monotonic() + 60
    while (await as_token(client, token, "GET", "/api/v1/me")).status_code == 200:
        assert time.monotonic() < deadline, "the token still works a minute after it expired"
        await asyncio.sleep(0.5)
    assert (await as_token(client, token, "GET", "/api/v1/me")).status_code == 401
    assert (await dana.post("/api/v1/me/tokens", json={"name": "forever", "days": 100_000})).status_code == 400


@pytest.mark.parametrize("ending", ["password change", "log out everywhere", "two-factor reset", "account lock"])
async def test_every_token_ends_when_the_owner_secures_the_account(
        app: Litestar, client: AsyncTestClient[Litestar], ending: str) -> None:
    user_id, _ = await make_user(app, DANA)
    _, admin_secret = await make_user(app, ADMIN, admin=True)
    dana = Visitor(client)
    await dana.log_in(DANA)
    tokens = [await token_for(dana, scopes=["read", "vote"]), await token_for(dana, name="phone")]
    for token in tokens:
        assert (await as_token(client, token, "GET", "/api/v1/me")).status_code == 200

    if ending == "password change":
        changed = await dana.post("/api/v1/me/password", json={"current_password": PASSWORD,
                                                                "new_password": "a brand new passphrase"})
        assert changed.status_code == 200, changed.text
    elif ending == "log out everywhere":
        assert (await dana.post("/logout/everywhere")).status_code == 303
    elif ending == "two-factor reset":
        admin = Visitor(client)
        await admin.log_in(ADMIN, totp_secret=admin_secret)
        assert (await admin.post(f"/api/v1/users/{user_id}/totp-reset")).status_code == 200
    else:
        for n in range(5):
            await Visitor(client).log_in(DANA, f"a wrong guess {n}")

    for token in tokens:
        assert (await as_token(client, token, "GET", "/api/v1/me")).status_code == 401, ending
    listed = (await Visitor(client).log_in(DANA, "a brand new passphrase" if ending == "password change" else PASSWORD))
    if ending != "account lock":
        assert listed.status_code == 303
    if ending == "password change":
        [entry] = await audit_entries(app, action="password.changed")
        assert json.loads(entry.payload)["api_tokens_revoked"] == 2


def test_every_route_a_vote_token_reaches_exists(app: Litestar) -> None:
    """A renamed casting route would otherwise quietly need the manage scope."""
    from litestar.routes import HTTPRoute

    from unionvote.auth import VOTE_ROUTES

    formats = {route.path_format for route in app.routes if isinstance(route, HTTPRoute)}
    assert VOTE_ROUTES <= formats, VOTE_ROUTES - formats
