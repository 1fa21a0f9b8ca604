"""The live hub over a websocket: who may follow what, the Origin check, and publish-after-commit.

AsyncTestClient cannot open websockets, so these tests use the synchronous TestClient and run
the async helpers on the app's own event loop through the client's blocking portal.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import uuid
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

import pytest
from litestar import Litestar
from litestar.exceptions import WebSocketDisconnect
from litestar.testing import TestClient

from tests.helpers import PASSWORD, fresh_totp_code, make_conference, make_user
from unionvote.accounts.models import Role
from unionvote.conferences.services import create_conference
from unionvote.live import publish_after_commit

ORIGIN = "http://testserver.local"
T = TypeVar("T")


@pytest.fixture
def live(app: Litestar) -> Iterator[TestClient[Litestar]]:
    with TestClient(app=app, base_url=ORIGIN, timeout=10) as client:
        yield client


def on_app_loop(client: TestClient[Litestar], fn: Callable[..., Coroutine[Any, Any, T]], *args: Any,
                **kwargs: Any) -> T:
    """Run an async helper on the loop the app (and its database engine) lives on."""
    return client.blocking_portal.call(functools.partial(fn, *args, **kwargs))


def csrf_token(client: TestClient[Litestar]) -> str:
    if "uv_csrf" not in client.cookies:
        client.get("/login")
    return client.cookies["uv_csrf"]


def log_in(client: TestClient[Litestar], email: str, totp_secret: str | None = None) -> None:
    response = client.post("/login", data={"email": email, "password": PASSWORD, "next": "/"},
                           headers={"x-csrftoken": csrf_token(client)}, follow_redirects=False)
    assert response.status_code == 303, response.text
    if totp_secret is not None:
        assert response.headers["location"].startswith("/login/totp")
        response = client.post("/login/totp", data={"code": fresh_totp_code(totp_secret), "next": "/"},
                               headers={"x-csrftoken": csrf_token(client)}, follow_redirects=False)
        assert response.status_code == 303, response.text
    assert "uv_session" in client.cookies


def refused(client: TestClient[Litestar], path: str, headers: dict[str, str] | None = None) -> int:
    """Open a websocket that the server should close before accepting; return the close code."""
    with pytest.raises(WebSocketDisconnect) as caught:  # noqa: PT012 - the handshake is the block
        with client.websocket_connect(path, headers=headers) as ws:
            ws.receive_text(timeout=30)  # a refusal arrives at once; a loaded machine may be slow to send it
    return caught.value.code


def test_admin_gets_hello_then_new_conference(live: TestClient[Litestar], app: Litestar) -> None:
    _, secret = on_app_loop(live, make_user, app, "admin@union.example", admin=True)
    log_in(live, "admin@union.example", secret)
    name = f"Rules Revision Conference {uuid.uuid4().hex[:8]}"
    with live.websocket_connect("/ws/live?topics=staff", headers={"origin": ORIGIN}) as ws:
        hello = ws.receive_text(timeout=30)
        assert 'id="live-status"' in hello
        response = live.post("/api/v1/conferences", json={"slug": "rrc-2027", "name": name},
                             headers={"x-csrftoken": csrf_token(live)})
        assert response.status_code == 201, response.text
        conference_id = response.json()["id"]
        fragment = ws.receive_text(timeout=30)
    assert name in fragment
    assert f'id="conference-news-{conference_id}"' in fragment


def test_refused_conference_is_not_announced(live: TestClient[Litestar], app: Litestar) -> None:
    """A request that fails (duplicate slug) rolls back, so the socket hears nothing."""
    on_app_loop(live, make_conference, app, slug="adc-2027")
    _, secret = on_app_loop(live, make_user, app, "admin@union.example", admin=True)
    log_in(live, "admin@union.example", secret)
    with live.websocket_connect("/ws/live?topics=staff", headers={"origin": ORIGIN}) as ws:
        assert 'id="live-status"' in ws.receive_text(timeout=30)
        response = live.post("/api/v1/conferences", json={"slug": "adc-2027", "name": "Second ADC"},
                             headers={"x-csrftoken": csrf_token(live)})
        assert response.status_code == 409, response.text
        response = live.post("/api/v1/conferences", json={"slug": "adc-2028", "name": "Next ADC"},
                             headers={"x-csrftoken": csrf_token(live)})
        assert response.status_code == 201, response.text
        fragment = ws.receive_text(timeout=30)
    assert "Next ADC" in fragment  # the first event to arrive is the committed one
    assert "Second ADC" not in fragment


@pytest.mark.parametrize("origin", ["https://evil.example", "http://testserver.local.evil.example", None])
def test_foreign_or_missing_origin_is_refused(live: TestClient[Litestar], app: Litestar, origin: str | None) -> None:
    _, secret = on_app_loop(live, make_user, app, "admin@union.example", admin=True)
    log_in(live, "admin@union.example", secret)
    headers = {"origin": origin} if origin is not None else None
    assert refused(live, "/ws/live?topics=staff", headers) == 4403


def test_anonymous_is_refused(live: TestClient[Litestar], app: Litestar) -> None:
    user_id, _ = on_app_loop(live, make_user, app, "delegate@union.example")
    assert refused(live, "/ws/live?topics=staff", {"origin": ORIGIN}) == 4401
    assert refused(live, f"/ws/live?topics=user:{user_id}", {"origin": ORIGIN}) == 4401


def test_half_logged_in_admin_is_refused(live: TestClient[Litestar], app: Litestar) -> None:
    """Password given but the TOTP challenge not yet answered."""
    on_app_loop(live, make_user, app, "admin@union.example", admin=True)
    log_in(live, "admin@union.example")
    assert refused(live, "/ws/live?topics=staff", {"origin": ORIGIN}) == 4401


def test_delegate_topics(live: TestClient[Litestar], app: Litestar) -> None:
    conference_id = on_app_loop(live, make_conference, app)
    delegate_id, _ = on_app_loop(live, make_user, app, "delegate@union.example",
                                 roles=[(conference_id, Role.DELEGATE)])
    other_id, _ = on_app_loop(live, make_user, app, "other@union.example", roles=[(conference_id, Role.DELEGATE)])
    log_in(live, "delegate@union.example")
    headers = {"origin": ORIGIN}

    assert refused(live, "/ws/live?topics=staff", headers) == 4403
    assert refused(live, f"/ws/live?topics=user:{other_id}", headers) == 4403
    assert refused(live, f"/ws/live?topics=user:{delegate_id},user:{other_id}", headers) == 4403  # all or nothing
    assert refused(live, "/ws/live?topics=conference:999999", headers) == 4403
    assert refused(live, "/ws/live?topics=", headers) == 4403

    with live.websocket_connect(f"/ws/live?topics=user:{delegate_id},conference:{conference_id}",
                                headers=headers) as ws:
        assert 'id="live-status"' in ws.receive_text(timeout=30)
        # publish() feeds an asyncio queue: call it on the app's loop, not from this thread.
        live.blocking_portal.call(app.state.channels.publish, "<p>for you</p>", f"user:{delegate_id}")
        assert ws.receive_text(timeout=30) == "<p>for you</p>"


@pytest.mark.parametrize("topic", ["ballot-secrets:1", "nonsense", "staff-x"])
def test_unknown_topic_kind_is_refused(live: TestClient[Litestar], app: Litestar, topic: str) -> None:
    _, secret = on_app_loop(live, make_user, app, "admin@union.example", admin=True)
    log_in(live, "admin@union.example", secret)
    assert refused(live, f"/ws/live?topics={topic}", {"origin": ORIGIN}) == 4403


def test_publish_after_commit_only_on_commit(live: TestClient[Litestar], app: Litestar) -> None:
    async def scenario() -> list[bytes]:
        channels, factory = app.state.channels, app.state.session_factory
        received: list[bytes] = []
        arrived = asyncio.Event()

        async def on_event(data: bytes) -> None:
            received.append(data)
            arrived.set()

        async with (channels.start_subscription(["test:after-commit"]) as subscriber,
                    subscriber.run_in_background(on_event)):
            async with factory() as db:
                await create_conference(db, slug="rolled-back", name="Rolled back", by=None)
                publish_after_commit(db, channels, "test:after-commit", "<p>rolled back</p>")
                await db.rollback()
                await asyncio.sleep(0.5)
                assert received == []

                # The same session, a new transaction: only the committed fragment goes out.
                await create_conference(db, slug="committed", name="Committed", by=None)
                publish_after_commit(db, channels, "test:after-commit", "<p>committed</p>")
                assert received == []  # not before the commit
                await db.commit()
            with contextlib.suppress(TimeoutError):  # a loaded machine: wait on the fragment, generously
                await asyncio.wait_for(arrived.wait(), 30)
            await asyncio.sleep(0.2)  # anything else that was (wrongly) queued would arrive now
        return received

    assert on_app_loop(live, scenario) == [b"<p>committed</p>"]
