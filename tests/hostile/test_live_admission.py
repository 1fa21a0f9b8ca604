"""Who the live hub lets in, and how many: officers see only their own conference's news, the Origin
must match in scheme as well as host, and one login cannot hold hundreds of sockets."""

from __future__ import annotations

import time
from contextlib import ExitStack
from typing import Any

from litestar import Litestar
from litestar.exceptions import WebSocketDisconnect
from litestar.testing import TestClient

from tests.helpers import app_db, make_conference, make_user
from tests.integration.live.test_websocket import ORIGIN, live, log_in, on_app_loop, refused  # noqa: F401
from unionvote.accounts.models import Role
from unionvote.consult.models import Consultation
from unionvote.live import WEBSOCKETS_PER_LOGIN


async def consultation_of(app: Litestar, conference_id: int) -> int:
    async with app_db(app) as db:
        consultation = Consultation(question="What should we bargain for?", audience="conference",
                                    conference_id=conference_id)
        db.add(consultation)
        await db.flush()
        return consultation.id  # type: ignore[return-value]


def test_a_chair_follows_neither_union_wide_news_nor_another_conferences_consultation(
        live: TestClient[Litestar], app: Litestar) -> None:  # noqa: F811
    ours = on_app_loop(live, make_conference, app, "adc-2027", "Annual Delegate Conference")
    theirs = on_app_loop(live, make_conference, app, "rules-2027", "Rules Conference")
    _, secret = on_app_loop(live, make_user, app, "chair@union.example",
                            roles=[(ours, Role.CHAIR), (ours, Role.STAFF), (theirs, Role.CHAIR)])
    their_consultation = on_app_loop(live, consultation_of, app, theirs)
    our_consultation = on_app_loop(live, consultation_of, app, ours)
    log_in(live, "chair@union.example", secret)
    headers = {"origin": ORIGIN}

    assert refused(live, f"/ws/live?topics=consultation:{their_consultation}", headers) == 4403
    with live.websocket_connect(f"/ws/live?topics=consultation:{our_consultation}", headers=headers) as ws:
        assert 'id="live-status"' in ws.receive_text(timeout=30)


def test_a_chair_who_is_not_union_staff_does_not_hear_of_new_conferences(
        live: TestClient[Litestar], app: Litestar) -> None:  # noqa: F811
    ours = on_app_loop(live, make_conference, app)
    _, secret = on_app_loop(live, make_user, app, "chair@union.example", roles=[(ours, Role.CHAIR)])
    log_in(live, "chair@union.example", secret)
    assert refused(live, "/ws/live?topics=staff", {"origin": ORIGIN}) == 4403
    assert live.get("/staff").status_code == 200  # and their staff home opens no socket it cannot have


def test_an_origin_with_the_right_host_but_another_scheme_is_refused(
        live: TestClient[Litestar], app: Litestar) -> None:  # noqa: F811
    conference_id = on_app_loop(live, make_conference, app)
    user_id, _ = on_app_loop(live, make_user, app, "delegate@union.example", roles=[(conference_id, Role.DELEGATE)])
    log_in(live, "delegate@union.example")
    path = f"/ws/live?topics=user:{user_id}"
    assert refused(live, path, {"origin": ORIGIN.replace("http://", "https://")}) == 4403
    with live.websocket_connect(path, headers={"origin": ORIGIN}) as ws:
        assert 'id="live-status"' in ws.receive_text(timeout=30)


def test_one_login_cannot_hold_more_than_a_handful_of_live_sockets(
        live: TestClient[Litestar], app: Litestar) -> None:  # noqa: F811
    conference_id = on_app_loop(live, make_conference, app)
    user_id, _ = on_app_loop(live, make_user, app, "delegate@union.example", roles=[(conference_id, Role.DELEGATE)])
    log_in(live, "delegate@union.example")
    path, headers = f"/ws/live?topics=user:{user_id}", {"origin": ORIGIN}
    with ExitStack() as held:
        sockets: list[Any] = [held.enter_context(live.websocket_connect(path, headers=headers))
                              for _ in range(WEBSOCKETS_PER_LOGIN)]
        for ws in sockets:
            assert 'id="live-status"' in ws.receive_text(timeout=30)
        assert refused(live, path, headers) == 4429
    # Once they close, a new one is welcome: as soon as the server has seen them go (on a loaded machine,
    # a moment after the client closed them).
    deadline = time.monotonic() + 30
    while True:
        try:
            with live.websocket_connect(path, headers=headers) as ws:
                assert 'id="live-status"' in ws.receive_text(timeout=30)
            break
        except WebSocketDisconnect as refusal:
            assert refusal.code == 4429 and time.monotonic() < deadline, refusal
            time.sleep(0.05)
