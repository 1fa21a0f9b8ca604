"""CSRF protection on state-changing requests, and API tokens that stand in for a session."""

from __future__ import annotations

import json

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from tests.helpers import Visitor, app_db, audit_entries, make_user
from unionvote.accounts.models import ApiToken, User
from unionvote.audit.services import SYSTEM_SCOPE

ADMIN = "admin@union.example"
DANA = "dana@branch.example"
NEW_ACCOUNT = {"email": "new.delegate@branch.example", "display_name": "New Delegate",
               "password": "a long enough password"}


async def count_users(app: Litestar) -> int:
    async with app_db(app) as db:
        return (await db.execute(select(func.count()).select_from(User))).scalar_one()


async def count_tokens(app: Litestar) -> int:
    async with app_db(app) as db:
        return (await db.execute(select(func.count()).select_from(ApiToken))).scalar_one()


@pytest.fixture
async def admin(app: Litestar, client: AsyncTestClient[Litestar]) -> Visitor:
    _, secret = await make_user(app, ADMIN, admin=True)
    visitor = Visitor(client)
    await visitor.log_in(ADMIN, totp_secret=secret)
    assert (await visitor.get("/admin/users")).status_code == 200
    return visitor


# ---- CSRF ---------------------------------------------------------------------------------------


async def test_a_form_posted_without_a_csrf_token_is_refused_and_changes_nothing(
    app: Litestar, admin: Visitor,
) -> None:
    before = await count_users(app)

    response = await admin.post("/admin/users", data=NEW_ACCOUNT, csrf=False)

    assert response.status_code == 403
    assert "CSRF" in response.text
    assert await count_users(app) == before


async def test_a_form_posted_with_a_forged_csrf_token_is_refused_and_changes_nothing(
    app: Litestar, admin: Visitor,
) -> None:
    before = await count_users(app)

    header = await admin.post("/admin/users", data=NEW_ACCOUNT, headers={"x-csrftoken": "forged"})
    field = await admin.post("/admin/users", data={**NEW_ACCOUNT, "_csrf_token": "forged"}, csrf=False)

    assert header.status_code == 403
    assert field.status_code == 403
    assert await count_users(app) == before


async def test_the_csrf_token_in_the_form_field_is_accepted(app: Litestar, admin: Visitor) -> None:
    before = await count_users(app)
    token = admin.jar["uv_csrf"]

    response = await admin.post("/admin/users", data={**NEW_ACCOUNT, "_csrf_token": token}, csrf=False)

    assert response.status_code == 303
    assert await count_users(app) == before + 1


async def test_an_htmx_request_carries_the_token_in_a_header(app: Litestar, admin: Visitor) -> None:
    before = await count_users(app)

    response = await admin.post("/admin/users", data=NEW_ACCOUNT,
                                headers={"hx-request": "true", "x-csrftoken": admin.jar["uv_csrf"]})

    assert response.status_code == 303
    assert await count_users(app) == before + 1


async def test_a_json_request_from_a_browser_session_needs_the_token_too(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    await make_user(app, DANA)
    dana = Visitor(client)
    await dana.log_in(DANA)

    response = await dana.post("/api/v1/me/tokens", json={"name": "membership system"}, csrf=False)

    assert response.status_code == 403
    assert response.json() == {"status_code": 403, "detail": "CSRF token verification failed"}
    assert await count_tokens(app) == 0


async def test_logging_in_needs_a_csrf_token(app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    await make_user(app, DANA)
    dana = Visitor(client)

    response = await dana.post("/login", data={"email": DANA, "password": "correct horse battery staple"},
                               csrf=False)

    assert response.status_code == 403
    assert "uv_session" not in dana.jar


# ---- API tokens -----------------------------------------------------------------------------------


async def test_an_api_token_works_as_a_bearer_credential_until_it_is_revoked(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    dana_id, _ = await make_user(app, DANA)
    dana = Visitor(client)
    await dana.log_in(DANA)

    created = await dana.post("/api/v1/me/tokens", json={"name": "membership system"})
    assert created.status_code == 201
    body = created.json()
    token = body["token"]
    assert token.startswith("uvt_") and body["name"] == "membership system"
    async with app_db(app) as db:
        stored = (await db.execute(select(ApiToken))).scalar_one()
    assert stored.token_hash != token and token not in stored.prefix + stored.token_hash

    integration = Visitor(client)  # no cookies at all: only the token
    bearer = {"authorization": f"Bearer {token}"}
    me = await integration.get("/api/v1/me", headers=bearer)
    assert me.status_code == 200
    assert me.json()["email"] == DANA

    revoked = await dana.delete(f"/api/v1/me/tokens/{body['id']}")
    assert revoked.status_code == 200

    after = await integration.get("/api/v1/me", headers=bearer)
    assert after.status_code == 401
    assert after.json()["detail"] == "Please log in to continue."
    actions = [(e.action, json.loads(e.payload)) for e in await audit_entries(app, scope=SYSTEM_SCOPE)
               if e.action.startswith("api_token.")]
    assert actions == [("api_token.created", {"user_id": dana_id, "token_id": body["id"]}),
                       ("api_token.revoked", {"user_id": dana_id, "token_id": body["id"]})]


async def test_a_bearer_request_needs_no_csrf_token(app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    await make_user(app, DANA)
    dana = Visitor(client)
    await dana.log_in(DANA)
    token = (await dana.post("/api/v1/me/tokens", json={"name": "first"})).json()["token"]
    integration = Visitor(client)

    response = await integration.post("/api/v1/me/tokens", json={"name": "second"}, csrf=False,
                                      headers={"authorization": f"Bearer {token}"})

    # Not the CSRF refusal: the token itself is what decides (and a token never makes tokens).
    assert response.status_code == 403
    assert response.json()["detail"].startswith("An API token cannot do this")
    assert "uv_csrf" not in integration.jar
    assert await count_tokens(app) == 1


async def test_a_made_up_bearer_token_does_not_ride_on_the_session_cookie(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    """Skipping the CSRF check for bearer requests must not let a cookie session act without a token."""
    await make_user(app, DANA)
    dana = Visitor(client)
    await dana.log_in(DANA)

    for fake in ("Bearer nonsense", "Bearer uvt_not-a-real-token", "bearer "):
        response = await dana.post("/api/v1/me/tokens", json={"name": "sneaky"}, csrf=False,
                                   headers={"authorization": fake})
        assert response.status_code == 401, fake
    assert await count_tokens(app) == 0
    assert (await dana.get("/account")).status_code == 200  # the session itself is untouched


async def test_someone_else_cannot_revoke_my_token(app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    await make_user(app, DANA)
    await make_user(app, "sam@branch.example")
    dana, sam = Visitor(client), Visitor(client)
    await dana.log_in(DANA)
    await sam.log_in("sam@branch.example")
    created = (await dana.post("/api/v1/me/tokens", json={"name": "mine"})).json()

    response = await sam.delete(f"/api/v1/me/tokens/{created['id']}")
    page = await sam.post(f"/account/tokens/{created['id']}/revoke")

    assert response.status_code == 404
    assert response.json()["detail"] == "No such API token."
    assert page.status_code == 404
    still = await Visitor(client).get("/api/v1/me", headers={"authorization": f"Bearer {created['token']}"})
    assert still.status_code == 200
