"""Ballots over the websocket: opened, the turnout counter, closed, declared; the countdown closing by itself.

Uses the synchronous TestClient (AsyncTestClient cannot open websockets) with async set-up run on
the app's own loop, as tests/integration/live/test_websocket.py does. The chair and the voters act
through API tokens, so the client's cookies are the watching delegate's alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import update

from tests.helpers import app_db, make_conference, make_user
from tests.integration.conferences.web_world import accredit, check_in, delegate_account, load_register, session_now
from tests.integration.live.test_websocket import ORIGIN, log_in, on_app_loop, refused
from unionvote.accounts.models import Role
from unionvote.accounts.services import create_api_token
from unionvote.db import utcnow
from unionvote.voting.models import Ballot
from unionvote.voting.receipts import new_token

RESULT_MARKS = ('class="result', "<caption>Votes", "Carried", "Lost")


@pytest.fixture
def live(app: Litestar) -> Iterator[TestClient[Litestar]]:
    with TestClient(app=app, base_url=ORIGIN, timeout=10) as client:
        yield client


@dataclass
class Hall:
    conference_id: int
    chair: dict[str, str]  # headers carrying the chair's API token
    voters: dict[str, dict[str, str]]  # membership number -> headers with their token


async def _token(app: Litestar, user_id: int) -> dict[str, str]:
    async with app_db(app) as db:
        _, plain = await create_api_token(db, user_id=user_id, name="phone")
    return {"authorization": f"Bearer {plain}"}


async def _hall(app: Litestar) -> Hall:
    conference_id = await make_conference(app)
    delegates = await load_register(app, conference_id)
    session_id = await session_now(app, conference_id)
    voters = {}
    for number in ("A1", "M1"):
        await accredit(app, delegates[number])
        await check_in(app, session_id, delegates[number])
        user_id = await delegate_account(app, conference_id, delegates[number], f"{number.lower()}@branch.example")
        voters[number] = await _token(app, user_id)
    chair_id, _ = await make_user(app, "chair@union.example", roles=[(conference_id, Role.CHAIR)])
    return Hall(conference_id, await _token(app, chair_id), voters)


def receive_until(ws: Any, wanted: Callable[[str], bool], seen: list[str]) -> str:
    while True:
        message = ws.receive_text(timeout=30)
        seen.append(message)
        if wanted(message):
            return message


def new_ballot(live: TestClient[Litestar], hall: Hall, **draft: Any) -> int:
    response = live.post(f"/api/v1/conferences/{hall.conference_id}/ballots", headers=hall.chair,
                         json={"title": "Motion 9: Safe staffing", "question": "That conference backs it.", **draft})
    assert response.status_code == 201, response.text
    return response.json()["id"]  # type: ignore[no-any-return]


def chair_does(live: TestClient[Litestar], hall: Hall, ballot_id: int, action: str, body: Any = None) -> None:
    response = live.post(f"/api/v1/ballots/{ballot_id}/{action}", headers=hall.chair, json=body)
    assert response.status_code == 200, response.text


def test_a_ballot_opens_counts_closes_and_declares_on_a_delegates_screen(live: TestClient[Litestar],
                                                                          app: Litestar) -> None:
    hall = on_app_loop(live, _hall, app)
    log_in(live, "a1@branch.example")
    ballot_id = new_ballot(live, hall)
    seen: list[str] = []
    with live.websocket_connect(f"/ws/live?topics=conference:{hall.conference_id}", headers={"origin": ORIGIN}) as ws:
        assert 'id="live-status"' in ws.receive_text(timeout=30)
        chair_does(live, hall, ballot_id, "open")
        opened = receive_until(ws, lambda m: "Voting has opened" in m, seen)
        assert 'hx-swap-oob="afterbegin:#ballots"' in opened and f'id="ballot-{ballot_id}"' in opened
        assert f'hx-get="/conferences/{hall.conference_id}/vote/{ballot_id}/panel"' in opened
        assert 'name="token"' not in opened  # the form is fetched by each delegate, never broadcast

        for number, choice in (("A1", "for"), ("M1", "for")):
            cast = live.post(f"/api/v1/ballots/{ballot_id}/votes", headers=hall.voters[number],
                             json={"choice": [choice], "token": new_token()})
            assert cast.status_code == 201, cast.text
        counter = receive_until(ws, lambda m: "2 of 2 have voted." in m, seen)
        assert f'id="ballot-{ballot_id}-turnout" class="turnout" hx-swap-oob="true"' in counter

        chair_does(live, hall, ballot_id, "close")
        closed = receive_until(ws, lambda m: "Voting has closed:" in m, seen)
        assert f'<section id="ballot-{ballot_id}" class="ballot ballot--closed"' in closed
        assert not any(mark in message for message in seen for mark in RESULT_MARKS)  # no tally before declared

        chair_does(live, hall, ballot_id, "declare", {})
        declared = receive_until(ws, lambda m: "Result declared:" in m, seen)
    assert "Carried" in declared and "<caption>Votes" in declared
    assert 'id="projector-stage" hx-swap-oob="innerHTML"' in declared


def test_the_delegates_own_panel_is_fetched_with_a_fresh_ballot_token(live: TestClient[Litestar],
                                                                      app: Litestar) -> None:
    hall = on_app_loop(live, _hall, app)
    log_in(live, "a1@branch.example")
    ballot_id = new_ballot(live, hall)
    chair_does(live, hall, ballot_id, "open")
    panel = live.get(f"/conferences/{hall.conference_id}/vote/{ballot_id}/panel")
    assert panel.status_code == 200
    assert panel.text.lstrip().startswith(f'<section id="ballot-{ballot_id}"') and "<html" not in panel.text
    assert 'name="token" value="' in panel.text and 'name="_csrf_token"' in panel.text


async def _run_out(app: Litestar, ballot_id: int) -> None:
    async with app_db(app) as db:
        await db.execute(update(Ballot).where(Ballot.id == ballot_id).values(closes_at=utcnow() - timedelta(seconds=1)))


def test_the_countdown_closes_the_ballot_by_itself(live: TestClient[Litestar], app: Litestar) -> None:
    hall = on_app_loop(live, _hall, app)
    log_in(live, "m1@branch.example")
    ballot_id = new_ballot(live, hall, countdown_seconds=600)
    seen: list[str] = []
    with live.websocket_connect(f"/ws/live?topics=conference:{hall.conference_id}", headers={"origin": ORIGIN}) as ws:
        assert 'id="live-status"' in ws.receive_text(timeout=30)
        chair_does(live, hall, ballot_id, "open")
        receive_until(ws, lambda m: "Voting has opened" in m, seen)
        on_app_loop(live, _run_out, app, ballot_id)  # as if ten minutes had passed
        started = time.monotonic()
        closed = receive_until(ws, lambda m: "Voting has closed:" in m, seen)
    assert time.monotonic() - started < 4
    assert f'id="ballot-{ballot_id}"' in closed
    summary = live.get(f"/api/v1/ballots/{ballot_id}").json()
    assert summary["state"] == "closed" and summary["closed_at"] is not None
    late = live.post(f"/api/v1/ballots/{ballot_id}/votes", headers=hall.voters["A1"],
                     json={"choice": ["for"], "token": new_token()})
    assert late.status_code == 409


def test_a_foreign_site_cannot_follow_the_ballots(live: TestClient[Litestar], app: Litestar) -> None:
    hall = on_app_loop(live, _hall, app)
    log_in(live, "a1@branch.example")
    topics = f"/ws/live?topics=conference:{hall.conference_id}"
    assert refused(live, topics, {"origin": "https://evil.example"}) == 4403
    assert refused(live, f"/ws/live?topics=conference:{hall.conference_id + 1}", {"origin": ORIGIN}) == 4403
