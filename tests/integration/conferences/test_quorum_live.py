"""The chair's quorum panel follows the conference over the websocket: check-ins show up by themselves.

AsyncTestClient cannot open websockets, so these tests use the synchronous TestClient and run the
async set-up helpers on the app's own loop (see tests/integration/live/test_websocket.py).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.helpers import app_db, make_conference, make_user
from tests.integration.conferences.web_world import World, accredit, delegate_account, load_register, session_now
from tests.integration.live.test_websocket import ORIGIN, csrf_token, log_in, on_app_loop
from unionvote.accounts.models import Role
from unionvote.accounts.services import create_api_token
from unionvote.conferences.settings import SettingsChange, update_settings

BODY_CODES = ("B01", "B02", "B03", "B04")
ALL_TWELVE = re.compile(r"Voting delegates</th><td>12</td>")


@pytest.fixture
def live(app: Litestar) -> Iterator[TestClient[Litestar]]:
    with TestClient(app=app, base_url=ORIGIN, timeout=10) as client:
        yield client


async def _world(app: Litestar, people: int) -> World:
    conference_id = await make_conference(app)
    async with app_db(app) as db:
        await update_settings(db, conference_id, SettingsChange(quorum_kind="bodies_share", quorum_value="1/2"),
                              by=None)
    bodies = "code,name,kind,membership\n" + "".join(f"{c},Body {c},branch,100\n" for c in BODY_CODES)
    register = "membership number,name,email,body code,role\n" + "".join(
        f"D{n:02},Person {n},d{n}@branch.example,{BODY_CODES[n % 4]},delegate\n" for n in range(people))
    world = World(conference_id, await load_register(app, conference_id, bodies.encode(), register.encode()),
                  await session_now(app, conference_id))
    await accredit(app, *world.delegates.values())
    return world


async def _token_for(app: Litestar, world: World, number: str) -> str:
    user_id = await delegate_account(app, world.conference_id, world.delegates[number], f"{number}@branch.example")
    async with app_db(app) as db:
        _, plain = await create_api_token(db, user_id=user_id, name="phone")
        return plain


def chair_watching(live: TestClient[Litestar], app: Litestar, world: World) -> None:
    _, secret = on_app_loop(live, make_user, app, "chair@union.example", roles=[(world.conference_id, Role.CHAIR)])
    log_in(live, "chair@union.example", secret)
    panel = live.get(f"/conferences/{world.conference_id}/quorum")
    assert panel.status_code == 200
    assert f'ws-connect="/ws/live?topics=conference%3A{world.conference_id}' in panel.text
    assert 'id="quorum-verdict" role="status" aria-live="polite"' in panel.text


def self_check_in(live: TestClient[Litestar], world: World, token: str) -> None:
    response = live.post(f"/api/v1/conferences/{world.conference_id}/me/check-in",
                         headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text


def test_the_panel_receives_the_new_figures_after_a_self_check_in(live: TestClient[Litestar], app: Litestar) -> None:
    world = on_app_loop(live, _world, app, 4)
    token = on_app_loop(live, _token_for, app, world, "D00")
    chair_watching(live, app, world)
    with live.websocket_connect(f"/ws/live?topics=conference:{world.conference_id}", headers={"origin": ORIGIN}) as ws:
        assert 'id="live-status"' in ws.receive_text(timeout=30)
        self_check_in(live, world, token)
        fragment = ws.receive_text(timeout=30)
    assert 'id="quorum-verdict" hx-swap-oob="innerHTML"' in fragment
    assert 'id="quorum-figures" hx-swap-oob="innerHTML"' in fragment
    assert "Not quorate: 1 of 4 bodies represented, 2 needed." in fragment
    assert "Person" not in fragment and "@" not in fragment  # counts only: delegates follow this topic too


def test_a_check_in_from_the_delegates_page_and_a_refused_one(live: TestClient[Litestar], app: Litestar) -> None:
    """The delegate's own form posts with their cookies; a refused check-in rolls back and sends nothing."""
    world = on_app_loop(live, _world, app, 4)
    for number in ("D00", "D01"):
        on_app_loop(live, delegate_account, app, world.conference_id, world.delegates[number],
                    f"{number}@branch.example")
    log_in(live, "D01@branch.example")
    delegate_cookies = dict(live.cookies)
    live.cookies.clear()
    chair_watching(live, app, world)
    chair_cookies = dict(live.cookies)
    with live.websocket_connect(f"/ws/live?topics=conference:{world.conference_id}", headers={"origin": ORIGIN}) as ws:
        assert 'id="live-status"' in ws.receive_text(timeout=30)
        live.cookies.clear()
        live.cookies.update(delegate_cookies)
        me = f"/conferences/{world.conference_id}/me"
        refused = live.post(f"/conferences/{world.conference_id + 1000}/me/check-in",
                            headers={"x-csrftoken": csrf_token(live)})
        assert refused.status_code == 403
        response = live.post(f"{me}/check-in", headers={"x-csrftoken": csrf_token(live)}, follow_redirects=False)
        assert response.status_code == 303, response.text
        fragment = ws.receive_text(timeout=30)
    live.cookies.clear()
    live.cookies.update(chair_cookies)
    assert "Not quorate: 1 of 4 bodies represented, 2 needed." in fragment


def test_a_storm_of_check_ins_is_sent_as_a_few_updates_ending_with_the_true_count(
        live: TestClient[Litestar], app: Litestar) -> None:
    people = 12
    world = on_app_loop(live, _world, app, people)
    tokens = [on_app_loop(live, _token_for, app, world, f"D{n:02}") for n in range(people)]
    chair_watching(live, app, world)
    with live.websocket_connect(f"/ws/live?topics=conference:{world.conference_id}", headers={"origin": ORIGIN}) as ws:
        assert 'id="live-status"' in ws.receive_text(timeout=30)
        started = time.monotonic()
        for token in tokens:
            self_check_in(live, world, token)
        took = time.monotonic() - started
        fragments = []
        while not fragments or not ALL_TWELVE.search(fragments[-1]):
            fragments.append(ws.receive_text(timeout=30))
    assert len(fragments) <= took / 0.5 + 2, (len(fragments), took)  # at most about two a second
    assert "Quorate: 4 of 4 bodies represented, 2 needed." in fragments[-1]
