"""The chair's speakers list (reorder, take off, finish, time limits with a clock) and the projector's modes."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.helpers import audit_entries
from tests.integration.floor.test_what_was_broken import move
from tests.integration.floor.world import debate, plain


async def test_the_chair_orders_times_and_trims_the_speakers_list(client: AsyncTestClient[Litestar],
                                                                   app: Litestar) -> None:
    d = await debate(client, app, present=("A1", "M1", "L1"))
    await d.chair.post(f"{d.base}/floor/current-item", data={"item_id": str(d.item_id)})
    for number, stance in (("A1", "for"), ("M1", "against"), ("L1", "for")):
        response = await d.floor.delegates[number].post(f"{d.base}/agenda/items/{d.item_id}/speakers",
                                                        data={"stance": stance})
        assert response.status_code == 303
    page = (await d.chair.get(f"{d.base}/floor")).text
    ids = [int(i) for i in re.findall(r'action="/conferences/\d+/floor/speakers/(\d+)"', page)]
    assert len(ids) == 3
    assert (await d.chair.post(f"{d.base}/floor/speakers/{ids[2]}", data={"do": "up"})).status_code == 303
    order = plain((await d.chair.get(f"{d.base}/agenda")).text)
    assert order.index("Person L1") < order.index("Person M1")
    top = await d.chair.post(f"{d.base}/floor/speakers/{ids[0]}", data={"do": "up"})
    assert top.status_code == 409 and "already first" in plain(top.text)
    assert (await d.chair.post(f"{d.base}/floor/speakers/{ids[1]}", data={"do": "remove"})).status_code == 303
    assert "Person M1" not in plain((await d.chair.get(f"{d.base}/agenda")).text)
    assert len(await audit_entries(app, action="speaker.removed")) == 1

    bad = await d.chair.post(f"{d.base}/floor/speakers/limits", data={"item_id": str(d.item_id),
                                                                      "speech_minutes": "three"})
    assert bad.status_code == 400 and "enter minutes as a number" in plain(bad.text)
    assert (await d.chair.post(f"{d.base}/floor/speakers/limits", data={
        "item_id": str(d.item_id), "speech_minutes": "3", "item_minutes": "20"})).status_code == 303
    assert (await d.chair.post(f"{d.base}/floor/speakers/next", data={"item_id": str(d.item_id)})).status_code == 303
    console = (await d.chair.get(f"{d.base}/floor")).text
    assert re.search(r'Time left for this speech: <span data-left="1[78]\d">[23]:\d\d</span>', console), console
    assert "Speaking time left on this item:" in plain(console) and "of 20:00" in plain(console)
    projector = plain((await d.floor.delegates["A1"].get(f"{d.base}/projector")).text)
    assert "Speakers" in projector and "Speaking now: Person A1 (Body LON): For" in projector
    assert "Time left for this speech:" in projector
    assert (await d.chair.post(f"{d.base}/floor/speakers/finish", data={"item_id": str(d.item_id)})
            ).status_code == 303
    assert "Speaking now" not in plain((await d.chair.get(f"{d.base}/floor")).text)


async def test_the_projector_follows_the_floor_and_speaks_as_a_hall_does(client: AsyncTestClient[Litestar],
                                                                         app: Litestar) -> None:
    d = await debate(client, app, present=("A1", "M1", "L1"))
    watcher = d.floor.delegates["A1"]
    assert "No result has been declared yet." in plain((await watcher.get(f"{d.base}/projector?show=result")).text)
    assert (await watcher.get(f"{d.base}/projector?show=everything")).status_code == 400
    await move(d)
    await d.chair.post(f"{d.base}/floor/put-to-vote", data={"amendment_id": str(d.amendment_ids[1])})
    shown = plain((await watcher.get(f"{d.base}/projector")).text)
    assert "Amendment 1.2 to Motion 1" in shown and "Needs a simple majority." in shown
    assert "0 of 3 have voted." in shown
    page = (await watcher.get(f"{d.base}/vote")).text
    ballot_id = re.search(r'action="/conferences/\d+/vote/(\d+)"', page).group(1)  # type: ignore[union-attr]
    for number, choice in (("A1", "for"), ("M1", "for"), ("L1", "against")):
        voter = d.floor.delegates[number]
        form = (await voter.get(f"{d.base}/vote")).text
        token = re.search(r'name="token" value="([A-Za-z0-9_-]+)"', form).group(1)  # type: ignore[union-attr]
        assert (await voter.post(f"{d.base}/vote/{ballot_id}", data={"choice": choice, "token": token})
                ).status_code == 303
    assert (await d.chair.post(f"{d.base}/ballots/{ballot_id}/close", data={"back": "floor"})
            ).headers["location"].endswith("/floor?done=ballot-closed")
    assert (await d.chair.post(f"{d.base}/ballots/{ballot_id}/declare", data={"back": "floor"})).status_code == 303
    shown = plain((await watcher.get(f"{d.base}/projector?show=result")).text)
    assert "Carried by 2 votes to 1." in shown, shown
    assert "Needed: a simple majority" in shown
    assert "more than" not in shown
