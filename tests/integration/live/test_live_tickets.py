"""A page that follows live topics carries a signed ticket in its websocket URL: the socket is admitted
without a database transaction, and a ticket that is forged, for other topics, or for a login that has
since ended, admits no one."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import event

from tests.helpers import make_conference, make_user
from tests.integration.live.test_websocket import ORIGIN, csrf_token, live, log_in, on_app_loop, refused
from unionvote.accounts.models import Role
from unionvote.live_tickets import SKEW_SECONDS, issue
from unionvote.security import token_digest

__all__ = ["live"]  # the fixture, used by name


@contextmanager
def statements(app: Litestar) -> Iterator[list[str]]:
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen.append(sql)

    event.listen(app.state.engine.sync_engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(app.state.engine.sync_engine, "before_cursor_execute", note)


def socket_url(client: TestClient[Litestar], page: str) -> str:
    response = client.get(page)
    assert response.status_code == 200, response.text
    found = re.search(r'ws-connect="([^"]+)"', response.text)
    assert found, "the page opens no live socket"
    return html.unescape(found.group(1))


def with_ticket(url: str, ticket: str) -> str:
    return re.sub(r"ticket=[^&]+", f"ticket={ticket}", url)


@pytest.fixture
def admin(live: TestClient[Litestar], app: Litestar) -> TestClient[Litestar]:
    # A worker trusts tickets for logins read once it has listened for a second (clocks may differ by that).
    app.state.credential_cache.trusted_since -= 10
    _, secret = on_app_loop(live, make_user, app, "admin@union.example", admin=True)
    log_in(live, "admin@union.example", secret)
    # Passing the second factor changed this session a moment ago: a ticket for a page read within the clock
    # margin of that change is not trusted (the socket would authenticate the ordinary way). People take longer.
    time.sleep(1 + SKEW_SECONDS)
    return live


def test_a_page_s_socket_is_admitted_with_its_ticket_without_a_database_statement(
        admin: TestClient[Litestar], app: Litestar) -> None:
    url = socket_url(admin, "/staff")
    assert "ticket=" in url
    app.state.credential_cache.empty()  # nothing remembered: only the ticket can spare the database
    with statements(app) as seen, admin.websocket_connect(url, headers={"origin": ORIGIN}) as ws:
        assert 'id="live-status"' in ws.receive_text(timeout=30)
    assert seen == []


def test_without_a_ticket_the_handshake_asks_the_database(admin: TestClient[Litestar], app: Litestar) -> None:
    app.state.credential_cache.empty()
    with statements(app) as seen, admin.websocket_connect("/ws/live?topics=staff", headers={"origin": ORIGIN}) as ws:
        assert 'id="live-status"' in ws.receive_text(timeout=30)
    assert seen  # the session, the account, its roles


def test_a_ticket_still_needs_the_right_origin(admin: TestClient[Litestar]) -> None:
    url = socket_url(admin, "/staff")
    assert refused(admin, url, headers={"origin": "https://evil.example"}) == 4403


def test_a_forged_ticket_is_refused(admin: TestClient[Litestar]) -> None:
    url = socket_url(admin, "/staff")
    ticket = re.search(r"ticket=([^&]+)", url).group(1)  # type: ignore[union-attr]
    user_id, issued, expires, mac = ticket.split(".")
    for forged in (f"{user_id}.{issued}.{int(expires) + 3600}.{mac}",  # made to last longer
                   f"{user_id}.{issued}.{expires}.{mac[:-2]}AA",
                   issue("some-other-secret-key-that-is-long-enough-000", "0" * 64, int(user_id), ["staff"],
                         read_at=time.time()),
                   "not-a-ticket"):
        assert refused(admin, with_ticket(url, forged), headers={"origin": ORIGIN}) == 4403


def test_a_ticket_for_one_conference_does_not_open_another(live: TestClient[Litestar], app: Litestar) -> None:
    app.state.credential_cache.trusted_since -= 10
    ours = on_app_loop(live, make_conference, app, "ours-2027", "Our Conference")
    theirs = on_app_loop(live, make_conference, app, "theirs-2027", "Their Conference")
    on_app_loop(live, make_user, app, "dana@branch.example",
                roles=[(ours, Role.DELEGATE), (theirs, Role.DELEGATE)])
    log_in(live, "dana@branch.example")
    url = socket_url(live, f"/conferences/{ours}/agenda")
    assert f"floor%3A{ours}" in url and "ticket=" in url
    other = url.replace(f"floor%3A{ours}", f"floor%3A{theirs}")
    # Dana may follow both, but this ticket names only the first: it opens nothing else.
    assert refused(live, other, headers={"origin": ORIGIN}) == 4403


def test_an_expired_ticket_is_not_honoured(admin: TestClient[Litestar], app: Litestar) -> None:
    url = socket_url(admin, "/staff")
    cookie = admin.cookies["uv_session"]
    user_id = int(re.search(r"ticket=(\d+)\.", url).group(1))  # type: ignore[union-attr]
    old = issue(app.state.settings.secret_key, token_digest(cookie), user_id, ["staff"], read_at=1_000_000_000,
                now=1_000_000_000)
    app.state.credential_cache.empty()
    with statements(app) as seen, admin.websocket_connect(with_ticket(url, old), headers={"origin": ORIGIN}) as ws:
        assert 'id="live-status"' in ws.receive_text(timeout=30)
    assert seen  # admitted only because the login itself still holds, as the database says
    admin.cookies.delete("uv_session")
    assert refused(admin, with_ticket(url, old), headers={"origin": ORIGIN}) == 4401


def test_the_ticket_of_a_session_that_logged_out_admits_no_one(admin: TestClient[Litestar]) -> None:
    url = socket_url(admin, "/staff")
    cookie = admin.cookies["uv_session"]
    response = admin.post("/logout", headers={"x-csrftoken": csrf_token(admin)}, follow_redirects=False)
    assert response.status_code == 303
    assert refused(admin, url, headers={"origin": ORIGIN, "cookie": f"uv_session={cookie}"}) == 4401
