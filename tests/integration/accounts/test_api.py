"""The account JSON API, and how it (and the pages) answer bad input: a 4xx with a plain message, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pyotp
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from tests.helpers import PASSWORD, Visitor, app_db, audit_entries, make_conference, make_user
from unionvote.accounts.models import RoleGrant, User, UserSession
from unionvote.accounts.services import BAD_LOGIN_MESSAGE

ADMIN = "admin@union.example"
DANA = "dana@branch.example"


async def table_sizes(app: Litestar) -> dict[str, int]:
    async with app_db(app) as db:
        return {model.__tablename__: (await db.execute(select(func.count()).select_from(model))).scalar_one()
                for model in (User, RoleGrant, UserSession)}


async def api_admin(app: Litestar, client: AsyncTestClient[Litestar]) -> tuple[Visitor, int]:
    admin_id, secret = await make_user(app, ADMIN, admin=True)
    assert secret is not None
    admin = Visitor(client)
    response = await admin.post("/api/v1/session", json={"email": ADMIN, "password": PASSWORD,
                                                         "totp_code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200, response.text
    return admin, admin_id


# ---- logging in through the API ----------------------------------------------------------------


async def test_a_delegate_logs_in_with_json_and_the_session_cookie_then_answers_me(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    dana_id, _ = await make_user(app, DANA)
    dana = Visitor(client)

    response = await dana.post("/api/v1/session", json={"email": DANA, "password": PASSWORD})

    assert response.status_code == 200
    assert response.json()["user"]["id"] == dana_id
    assert response.json()["second_factor_needed"] is False
    assert "uv_session" in dana.jar
    me = await dana.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["email"] == DANA

    logged_out = await dana.delete("/api/v1/session")
    assert logged_out.status_code == 200
    assert (await dana.get("/api/v1/me")).status_code == 401


async def test_a_wrong_password_through_the_api_is_a_400_with_the_plain_message(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    await make_user(app, DANA)
    dana = Visitor(client)

    response = await dana.post("/api/v1/session", json={"email": DANA, "password": "wrong password"})

    assert response.status_code == 400
    assert response.json() == {"status_code": 400, "detail": BAD_LOGIN_MESSAGE}
    assert "uv_session" not in dana.jar


async def test_staff_must_send_their_code_with_the_password(app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    admin_id, secret = await make_user(app, ADMIN, admin=True)
    assert secret is not None
    admin = Visitor(client)

    without = await admin.post("/api/v1/session", json={"email": ADMIN, "password": PASSWORD})
    assert without.status_code == 401
    assert "totp_code" in without.json()["detail"]
    assert "uv_session" not in admin.jar

    wrong = await admin.post("/api/v1/session", json={"email": ADMIN, "password": PASSWORD, "totp_code": "000000"
                                                      if pyotp.TOTP(secret).now() != "000000" else "111111"})
    assert wrong.status_code == 400
    assert "That code is not right" in wrong.json()["detail"]
    assert "uv_session" not in admin.jar

    right = await admin.post("/api/v1/session", json={"email": ADMIN, "password": PASSWORD,
                                                      "totp_code": pyotp.TOTP(secret).now()})
    assert right.status_code == 200
    assert right.json()["user"]["totp_enabled"] is True
    assert (await admin.get("/api/v1/conferences")).status_code == 200


async def test_an_admin_creates_an_account_and_grants_a_role_which_is_audited(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    conference_id = await make_conference(app)
    admin, admin_id = await api_admin(app, client)

    created = await admin.post("/api/v1/users", json={"email": "Rosa.Parks@Branch.Example",
                                                      "display_name": "Rosa Parks"})
    assert created.status_code == 201
    rosa = created.json()
    assert rosa["email"] == "rosa.parks@branch.example"
    assert rosa["roles"] == []

    granted = await admin.post(f"/api/v1/users/{rosa['id']}/roles",
                               json={"conference_id": conference_id, "role": "delegate"})

    assert granted.status_code == 201
    grant = granted.json()
    assert grant["conference_id"] == conference_id and grant["role"] == "delegate"
    fetched = (await admin.get(f"/api/v1/users/{rosa['id']}")).json()
    assert fetched["roles"] == [grant]
    [entry] = await audit_entries(app, scope=f"conference:{conference_id}", action="role.granted")
    assert entry.actor == f"user:{admin_id}"
    assert json.loads(entry.payload) == {"user_id": rosa["id"], "role": "delegate", "grant_id": grant["grant_id"]}

    # Granting the same role again changes nothing and records nothing new.
    again = await admin.post(f"/api/v1/users/{rosa['id']}/roles",
                             json={"conference_id": conference_id, "role": "delegate"})
    assert again.json()["grant_id"] == grant["grant_id"]
    assert len(await audit_entries(app, action="role.granted")) == 1

    revoked = await admin.delete(f"/api/v1/users/{rosa['id']}/roles/{grant['grant_id']}")
    assert revoked.status_code == 200
    assert (await admin.get(f"/api/v1/users/{rosa['id']}")).json()["roles"] == []
    assert len(await audit_entries(app, scope=f"conference:{conference_id}", action="role.revoked")) == 1


async def test_an_account_that_already_exists_is_a_409(app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    admin, _ = await api_admin(app, client)
    await make_user(app, DANA)
    before = await table_sizes(app)

    response = await admin.post("/api/v1/users", json={"email": DANA.upper(), "display_name": "Dana Again"})

    assert response.status_code == 409
    assert response.json()["detail"] == f"There is already an account for {DANA}."
    assert await table_sizes(app) == before


# ---- bad input: 4xx, a plain message, nothing changed --------------------------------------------

LOGIN = "/api/v1/session"
USERS = "/api/v1/users"

BAD_JSON: list[tuple[str, str, dict[str, Any]]] = [
    ("login with broken json", LOGIN, {"content": b'{"email": "dana@branch.example", "password": ',
                                       "headers": {"content-type": "application/json"}}),
    ("login with an unknown field", LOGIN, {"json": {"email": DANA, "password": PASSWORD, "remember_me": True}}),
    ("login with a field missing", LOGIN, {"json": {"email": DANA}}),
    ("login with a list instead of an object", LOGIN, {"json": [DANA, PASSWORD]}),
    ("login with a number for the password", LOGIN, {"json": {"email": DANA, "password": 12345}}),
    ("login with no body at all", LOGIN, {}),
    ("new account with broken json", USERS, {"content": b"{not json}",
                                             "headers": {"content-type": "application/json"}}),
    ("new account with an unknown field", USERS, {"json": {"email": "x@branch.example", "display_name": "X",
                                                          "is_superuser": True}}),
    ("new account with no name", USERS, {"json": {"email": "x@branch.example"}}),
    ("new account with a bad email", USERS, {"json": {"email": "not-an-email", "display_name": "X"}}),
    ("new account with a short password", USERS, {"json": {"email": "x@branch.example", "display_name": "X",
                                                          "password": "short"}}),
    ("new account with is_admin as a string", USERS, {"json": {"email": "x@branch.example", "display_name": "X",
                                                              "is_admin": "yes please"}}),
]


@pytest.mark.parametrize(("case", "path", "body"), BAD_JSON, ids=[case for case, _, _ in BAD_JSON])
async def test_bad_json_is_refused_with_400_and_a_detail(
    app: Litestar, client: AsyncTestClient[Litestar], case: str, path: str, body: dict[str, Any],
) -> None:
    sender = (await api_admin(app, client))[0] if path == USERS else Visitor(client)
    before = await table_sizes(app)

    response = await sender.post(path, **body)

    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/json")
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail
    assert await table_sizes(app) == before


@pytest.mark.parametrize("body", [
    {"conference_id": "three", "role": "delegate"},
    {"conference_id": 1, "role": "king"},
    {"conference_id": 1},
    {"role": "delegate"},
    {"conference_id": 1, "role": "delegate", "note": "please"},
], ids=["conference id not a number", "no such role", "no role", "no conference", "unknown field"])
async def test_a_bad_role_grant_is_refused_and_grants_nothing(
    app: Litestar, client: AsyncTestClient[Litestar], body: dict[str, Any],
) -> None:
    await make_conference(app)
    admin, _ = await api_admin(app, client)
    dana_id, _ = await make_user(app, DANA)
    before = await table_sizes(app)

    response = await admin.post(f"/api/v1/users/{dana_id}/roles", json=body)

    assert response.status_code == 400
    assert response.json()["detail"]
    assert await table_sizes(app) == before
    assert await audit_entries(app, action="role.granted") == []


async def test_a_role_in_a_conference_that_does_not_exist_is_a_404(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    admin, _ = await api_admin(app, client)
    dana_id, _ = await make_user(app, DANA)

    missing_conference = await admin.post(f"/api/v1/users/{dana_id}/roles",
                                          json={"conference_id": 999, "role": "delegate"})
    missing_user = await admin.post("/api/v1/users/999/roles", json={"conference_id": 1, "role": "delegate"})

    assert missing_conference.status_code == 404
    assert missing_conference.json()["detail"] == "No such conference."
    assert missing_user.status_code == 404
    assert missing_user.json()["detail"] == "No such account."


async def test_unknown_addresses_are_404_as_json_for_the_api_and_as_a_page_otherwise(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    admin, _ = await api_admin(app, client)
    visitor = Visitor(client)

    api = await visitor.get("/api/v1/nope")
    page = await visitor.get("/nope")
    no_account = await admin.get("/api/v1/users/424242")
    no_account_page = await admin.get("/admin/users/424242")
    not_a_number = await admin.get("/api/v1/users/abc")

    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/json")
    assert api.json()["detail"]
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Page not found" in page.text
    assert no_account.status_code == 404 and no_account.json()["detail"] == "No such account."
    assert no_account_page.status_code == 404 and "No such account." in no_account_page.text
    assert not_a_number.status_code == 404


ODD_REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    # Values PostgreSQL refuses to store or compare (NUL bytes, numbers beyond its integer range, over-long text).
    ("GET", "/admin/users/99999999999999999999999", {}),
    ("GET", "/api/v1/users/2147483648", {}),
    ("DELETE", "/api/v1/me/tokens/99999999999999999999", {}),
    ("POST", "/admin/users/9223372036854775808/totp-reset", {}),
    ("POST", "/login", {"data": {"email": "dana\x00@branch.example", "password": "x"}}),
    ("POST", "/api/v1/session", {"json": {"email": "dana\x00@branch.example", "password": "x"}}),
    ("POST", "/api/v1/users", {"json": {"email": "x@branch.example", "display_name": "X" * 300}}),
    ("POST", "/api/v1/users", {"json": {"email": "x@branch.example", "display_name": "Nul\x00Byte"}}),
    ("POST", "/api/v1/conferences", {"json": {"slug": "adc-2099", "name": "N" * 300}}),
    ("GET", "/api/v1/audit/scopes/%00/export", {}),
    ("GET", "/audit/conference:%C2%B2/export", {}),
    ("GET", "/audit/conference:1%22%0d%0aX:%20y/export", {}),
    # Malformed or unacceptable bodies.
    ("POST", "/login", {"data": {"email": "\x00", "password": "\x00" * 5000}}),
    ("POST", "/login", {"content": b"\xff\xfe\x00garbage",
                        "headers": {"content-type": "application/x-www-form-urlencoded"}}),
    ("POST", "/api/v1/session", {"content": b"\xff\xfe", "headers": {"content-type": "application/json"}}),
    ("POST", "/api/v1/session", {"json": {"email": "a" * 10_000 + "@x.example", "password": "x"}}),
    ("POST", "/api/v1/users", {"content": b"[]" * 1000, "headers": {"content-type": "application/json"}}),
    ("POST", "/api/v1/me/tokens", {"json": {"name": ""}}),
    ("POST", "/api/v1/me/tokens", {"json": {"name": "x" * 101}}),
    ("POST", "/api/v1/me/password", {"json": {"current_password": "nope", "new_password": "x"}}),
    ("POST", "/api/v1/me/totp/confirm", {"json": {"code": "abc"}}),
    ("DELETE", "/api/v1/me/tokens/0", {}),
    ("DELETE", "/api/v1/users/1/roles/999", {}),
    ("POST", "/admin/users/1/roles", {"data": {"role": "king", "conference_id": "x"}}),
    ("POST", "/admin/users/1/roles/999/revoke", {}),
    ("POST", "/admin/conferences", {"data": {"slug": "A B", "name": ""}}),
    ("PUT", "/api/v1/users", {"json": {}}),
    ("PATCH", "/account", {}),
]


async def test_odd_requests_get_a_4xx_never_a_500(app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    admin, _ = await api_admin(app, client)
    before = await table_sizes(app)

    answers = [(method, path, (await admin.request(method, path, **body)).status_code)
               for method, path, body in ODD_REQUESTS]

    bad = [answer for answer in answers if not 400 <= answer[2] < 500]
    assert bad == [], "\n".join(map(str, bad))
    assert await table_sizes(app) == before


@pytest.mark.parametrize("next_path", ["//evil.example/", "https://evil.example/", "/\\evil.example",
                                       "/%0d%0aSet-Cookie:%20x=1"])
async def test_the_page_after_login_is_never_another_site(
    app: Litestar, client: AsyncTestClient[Litestar], next_path: str,
) -> None:
    await make_user(app, DANA)
    dana = Visitor(client)

    response = await dana.post("/login", data={"email": DANA, "password": PASSWORD, "next": next_path})

    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\"))
    assert "\r" not in location and "\n" not in location
    set_cookies = {header.split("=", 1)[0] for header in response.headers.get_list("set-cookie")}
    assert set_cookies <= {"uv_session", "uv_csrf", "uv_device"}
