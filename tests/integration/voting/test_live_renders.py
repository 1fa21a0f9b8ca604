"""A live update is rendered once and sent as the same message to every open screen of the conference,
however many there are: the work of an update does not grow with the number of sockets."""

from __future__ import annotations

from collections import Counter
from contextlib import ExitStack
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.integration.live.test_websocket import ORIGIN, log_in, on_app_loop
from tests.integration.voting.test_live import _hall, chair_does, live, new_ballot, receive_until
from unionvote.voting.live import EVENTS
from unionvote.voting.receipts import new_token

__all__ = ["live"]  # the fixture, used by name
SCREENS = 8


def test_each_ballot_event_and_turnout_update_is_rendered_once_for_every_screen(
        live: TestClient[Litestar], app: Litestar, monkeypatch: pytest.MonkeyPatch) -> None:
    hall = on_app_loop(live, _hall, app)
    log_in(live, "a1@branch.example")
    ballot_id = new_ballot(live, hall)
    renders: Counter[str] = Counter()
    engine: Any = app.template_engine
    original = engine.get_template

    def counted(name: str) -> Any:
        renders[name] += 1
        return original(name)

    monkeypatch.setattr(engine, "get_template", counted)
    with ExitStack() as stack:
        screens = [stack.enter_context(live.websocket_connect(f"/ws/live?topics=conference:{hall.conference_id}",
                                                              headers={"origin": ORIGIN})) for _ in range(SCREENS)]
        for ws in screens:
            assert 'id="live-status"' in ws.receive_text(timeout=30)
        chair_does(live, hall, ballot_id, "open")
        for number in ("A1", "M1"):
            cast = live.post(f"/api/v1/ballots/{ballot_id}/votes", headers=hall.voters[number],
                             json={"choice": ["for"], "token": new_token()})
            assert cast.status_code == 201, cast.text
        seen: list[list[str]] = [[] for _ in screens]
        for ws, messages in zip(screens, seen, strict=True):
            receive_until(ws, lambda m: "2 of 2 have voted." in m, messages)
    assert all(messages == seen[0] for messages in seen)  # the same messages, in the same order, everywhere
    # One render per message sent (the opening, then one or two counter updates), not one per screen.
    assert renders[EVENTS] == len(seen[0]) <= 3
