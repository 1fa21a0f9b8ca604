"""The speakers list: delegates ask to speak, the chair calls them, everyone following sees it live."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient, TestClient

from tests.helpers import app_db, audit_entries, make_conference
from tests.integration.conferences.web_world import accredit, delegate_account, load_register
from tests.integration.live.test_websocket import ORIGIN, csrf_token, log_in, on_app_loop
from tests.integration.motions.world import Floor, make_floor, plain
from unionvote.motions import agenda
from unionvote.motions import floor as floor_rules


async def open_item(app: Litestar, conference_id: int) -> int:
    async with app_db(app) as db:
        section = await agenda.add_section(db, conference_id, title="Pay", by=None)
        item = await agenda.add_item(db, conference_id, section_id=section.id, title="Debate: pay",  # type: ignore[arg-type]
                                     minutes=30, by=None)
        await floor_rules.set_current_item(db, conference_id, item.id, by=None)  # type: ignore[arg-type]
        return item.id  # type: ignore[return-value]


async def test_points_of_order_go_first_and_the_chair_calls_speakers_in_turn(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    floor: Floor = await make_floor(client, app)
    item_id = await open_item(app, floor.conference_id)
    ask = f"{floor.base}/agenda/items/{item_id}/speakers"
    assert (await floor.london.post(ask, data={"stance": "against"})).status_code == 303
    twice = await floor.london.post(ask, data={"stance": "for"})
    assert twice.status_code == 409 and "already on the speakers list" in plain(twice.text)
    assert (await floor.manchester.post(ask, data={"stance": "point_of_order"})).status_code == 303
    not_a_delegate = await floor.chair.post(ask, data={"stance": "for"})
    assert not_a_delegate.status_code == 403 and "Only delegates on the register" in plain(not_a_delegate.text)
    muddled = await floor.london.post(ask, data={"stance": "loudly"})
    assert muddled.status_code == 400

    agenda_page = plain((await floor.london.get(f"{floor.base}/agenda")).text)
    assert "Person M1 (Body MAN): Point of order Person A1 (Body LON): Against" in agenda_page
    assert (await floor.chair.post(f"{floor.base}/floor/speakers/next", data={"item_id": str(item_id)})
            ).status_code == 303
    console = plain((await floor.chair.get(f"{floor.base}/floor")).text)
    assert "Speaking now: Person M1 (Body MAN): Point of order Person A1 (Body LON): Against" in console
    assert (await floor.chair.post(f"{floor.base}/floor/speakers/next", data={"item_id": str(item_id)})
            ).status_code == 303
    console = plain((await floor.chair.get(f"{floor.base}/floor")).text)
    assert "Speaking now: Person A1 (Body LON): Against" in console and "Person M1" not in console
    nobody = await floor.chair.post(f"{floor.base}/floor/speakers/next", data={"item_id": str(item_id)})
    assert nobody.status_code == 409 and "Nobody is waiting to speak" in plain(nobody.text)
    assert len(await audit_entries(app, action="speaker.called")) == 2


async def test_a_delegate_withdraws_their_own_request_only(client: AsyncTestClient[Litestar], app: Litestar) -> None:
    floor: Floor = await make_floor(client, app)
    item_id = await open_item(app, floor.conference_id)
    await floor.london.post(f"{floor.base}/agenda/items/{item_id}/speakers", data={"stance": "for"})
    [entry] = await audit_entries(app, action="speaker.requested")
    request_id = entry.payload.split('"request_id":')[1].split(",")[0].split("}")[0]
    assert (await floor.manchester.post(f"{floor.base}/speakers/{request_id}/withdraw")).status_code == 403
    assert (await floor.london.post(f"{floor.base}/speakers/{request_id}/withdraw")).status_code == 303
    assert "Nobody has asked to speak yet." in plain((await floor.london.get(f"{floor.base}/agenda")).text)


@pytest.fixture
def live(app: Litestar) -> Iterator[TestClient[Litestar]]:
    with TestClient(app=app, base_url=ORIGIN, timeout=10) as client:
        yield client


async def _delegate_world(app: Litestar) -> tuple[int, int]:
    conference_id = await make_conference(app)
    delegates = await load_register(app, conference_id)
    await accredit(app, delegates["A1"])
    await delegate_account(app, conference_id, delegates["A1"], "a1@branch.example")
    return conference_id, await open_item(app, conference_id)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_asking_to_speak_reaches_everyone_following_the_floor(live: TestClient[Litestar], app: Litestar) -> None:
    conference_id, item_id = on_app_loop(live, _delegate_world, app)
    log_in(live, "a1@branch.example")
    page = live.get(f"/conferences/{conference_id}/agenda")
    assert f'ws-connect="/ws/live?topics=floor%3A{conference_id}' in page.text
    with live.websocket_connect(f"/ws/live?topics=floor:{conference_id}", headers={"origin": ORIGIN}) as ws:
        assert 'id="live-status"' in ws.receive_text(timeout=30)
        response = live.post(f"/conferences/{conference_id}/agenda/items/{item_id}/speakers",
                             data={"stance": "for"}, headers={"x-csrftoken": csrf_token(live)},
                             follow_redirects=False)
        assert response.status_code == 303, response.text
        fragment = ws.receive_text(timeout=30)
    assert 'id="floor-speakers" hx-swap-oob="innerHTML"' in fragment
    assert "Person A1 (Body LON): For" in fragment
    assert "<form" not in fragment
