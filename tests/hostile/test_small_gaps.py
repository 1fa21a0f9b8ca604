"""The smaller gaps a probe found: a JSON bomb, headers missing from errors and redirects, logged-in
pages left in caches, a CSRF token that outlives the login it came with, a broken API explorer."""

from __future__ import annotations

import logging

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.helpers import Visitor, make_conference, make_user
from unionvote.accounts.models import Role
from unionvote.web import SECURITY_HEADERS

DANA = "dana@branch.example"


async def test_deeply_nested_json_is_a_400_with_a_plain_message_and_no_stack_trace(
        client: AsyncTestClient[Litestar], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR)
    for path in ("/api/v1/session", "/api/v1/conferences"):
        response = await client.post(path, content=b"[" * 100_000, headers={
            "content-type": "application/json", "authorization": "Bearer uvt_not-a-token"})
        assert response.status_code in (400, 401), response.text
        if response.status_code == 400:
            assert "nested too deeply" in response.json()["detail"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/no-such-page", 404), ("GET", "/account", 303), ("GET", "/api/v1/me", 401),
    ("DELETE", "/healthz", 405), ("GET", "/admin/users", 303), ("GET", "/healthz", 200),
])
async def test_every_answer_carries_the_security_headers_errors_and_redirects_too(
        client: AsyncTestClient[Litestar], method: str, path: str, status: int) -> None:
    response = await client.request(method, path)
    assert response.status_code == status
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (path, name)
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


async def test_logged_in_pages_are_never_stored_by_a_browser_or_proxy(
        app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    conference_id = await make_conference(app)
    await make_user(app, DANA, roles=[(conference_id, Role.DELEGATE)])
    dana = Visitor(client)
    await dana.log_in(DANA)
    for path in ("/account", f"/conferences/{conference_id}/me", "/api/v1/me", "/no-such-page"):
        response = await dana.get(path)
        assert response.headers.get("cache-control") == "no-store", path
    assert "no-store" not in (await Visitor(client).get("/login")).headers.get("cache-control", "")


async def test_the_csrf_token_is_renewed_at_login_and_one_from_before_no_longer_works(
        app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    await make_user(app, DANA)
    dana = Visitor(client)
    await dana.get("/login")
    before = dana.jar["uv_csrf"]
    response = await dana.post("/login", data={"email": DANA, "password": "correct horse battery staple",
                                               "next": "/"})
    assert response.status_code == 303
    after = dana.jar["uv_csrf"]
    assert after != before

    stale = await dana.post("/logout/everywhere", headers={"x-csrftoken": before})
    assert stale.status_code == 403
    assert (await dana.get("/account")).status_code == 200  # still logged in
    assert (await dana.post("/logout/everywhere")).status_code == 303


async def test_a_csrf_token_planted_in_the_browser_does_not_pass_for_a_session(
        app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    """A token the attacker got from their own visit, written into the victim's browser (say from a
    sibling subdomain), matches Litestar's double-submit check but not the victim's session."""
    await make_user(app, DANA)
    attacker = Visitor(client)
    await attacker.get("/login")
    planted = attacker.jar["uv_csrf"]
    dana = Visitor(client)
    await dana.log_in(DANA)
    dana.jar.set("uv_csrf", planted, domain="testserver.local")
    response = await dana.post("/api/v1/me/tokens", json={"name": "forged"}, headers={"x-csrftoken": planted})
    assert response.status_code == 403
    assert (await dana.get("/api/v1/me/tokens")).json() == []


async def test_the_api_is_described_as_json_and_no_page_loads_scripts_from_elsewhere(
        client: AsyncTestClient[Litestar]) -> None:
    described = await client.get("/schema/openapi.json")
    assert described.status_code == 200 and described.json()["info"]["title"] == "unionvote API"
    explorer = await client.get("/schema/swagger")
    assert explorer.status_code == 404 or "cdn." not in explorer.text
