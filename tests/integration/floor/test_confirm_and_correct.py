"""The confirmation page's own form records the outcome, and a decided motion's amendments stay as they were."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.floor.test_what_was_broken import amendment_state, motion_state, move
from tests.integration.floor.world import debate, plain


async def test_the_confirmation_asks_in_plain_words_and_its_form_posts_back_to_the_floor(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    d = await debate(client, app)
    await move(d)
    path = f"{d.base}/floor/amendments/{d.amendment_ids[0]}"
    asked = await d.chair.post(path, data={"action": "accepted"})
    assert asked.status_code == 200
    assert "Record that Amendment 1.1 to Motion 1 was accepted by the mover?" in plain(asked.text)
    assert "Yes, record that it was accepted by the mover" in plain(asked.text)
    assert f'action="{path}"' in asked.text  # not the page's own address glued to the conference's
    assert await amendment_state(app, d.amendment_ids[0]) == "admitted"


async def test_an_amendment_cannot_be_corrected_once_its_motion_is_decided(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    d = await debate(client, app)
    await move(d)
    for amendment_id in d.amendment_ids:
        accepted = await d.chair.post(f"{d.base}/floor/amendments/{amendment_id}",
                                      data={"action": "accepted", "confirm": "yes"})
        assert accepted.status_code == 303, plain(accepted.text)
    carried = await d.chair.post(f"{d.base}/floor/motions/{d.motion_id}", data={"action": "carried", "confirm": "yes"})
    assert carried.status_code == 303, plain(carried.text)
    assert await motion_state(app, d.motion_id) == "carried_as_amended"

    console = plain((await d.chair.get(f"{d.base}/floor")).text)
    assert "Correct Motion 1 (carried as amended)" in console
    assert "Correct Amendment 1.1" not in console
    refused = await d.chair.post(f"{d.base}/floor/amendments/{d.amendment_ids[0]}/correct",
                                 data={"state": "admitted", "reason": "Pressed the wrong button"})
    assert refused.status_code == 409
    assert "Amendment 1.1 can no longer be corrected" in plain(refused.text)
    assert await amendment_state(app, d.amendment_ids[0]) == "accepted"
