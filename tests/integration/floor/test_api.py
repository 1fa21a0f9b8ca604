"""The committee's and the chair's run of the floor through the JSON API alone, on both databases:
rulings and the agenda, moving a motion, an amendment accepted and one put to the vote, delegates voting,
the motion as amended carried, and a mistaken 'fell' corrected with a reason."""

from __future__ import annotations

import secrets

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.helpers import Visitor
from tests.integration.conferences.web_world import logged_in
from tests.integration.motions.world import MOTION_TEXT, body_ids
from tests.integration.voting.pages_world import floor
from unionvote.accounts.models import Role


async def ok(response: object, status: int = 200) -> dict:  # type: ignore[type-arg]
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    return response.json()  # type: ignore[attr-defined,no-any-return]


async def vote(delegate: Visitor, ballot_id: int, choice: str) -> None:
    await ok(await delegate.post(f"/api/v1/ballots/{ballot_id}/votes",
                                 json={"choice": [choice], "token": secrets.token_urlsafe(24)}), 201)


async def test_the_floor_runs_through_the_api(client: AsyncTestClient[Litestar], app: Litestar) -> None:
    f = await floor(client, app, present=("A1", "M1", "L1"))
    cid = f.conference_id
    api = f"/api/v1/conferences/{cid}"
    bodies = await body_ids(app, cid)
    cac = await logged_in(client, app, "cac@union.example", cid, Role.CAC)
    a1, m1, l1 = f.delegates["A1"], f.delegates["M1"], f.delegates["L1"]

    first = await ok(await a1.post(f"{api}/motions", json={"body_id": bodies["LON"], "title": "Fair pay now",
                                                           "text": MOTION_TEXT}), 201)
    third = await ok(await m1.post(f"{api}/motions", json={"body_id": bodies["MAN"], "title": "Safe staffing",
                                                           "text": MOTION_TEXT}), 201)
    accepted = await ok(await m1.post(f"{api}/motions/{first['id']}/amendments", json={
        "body_id": bodies["MAN"], "kind": "insert", "first_line": 2, "text": "and report back to conference."}), 201)
    contested = await ok(await l1.post(f"{api}/motions/{first['id']}/amendments", json={
        "body_id": bodies["LEE"], "kind": "delete", "first_line": 1, "last_line": 1}), 201)

    # The chair cannot do the committee's work, and a delegate can do neither.
    assert (await f.chair.post(f"{api}/motions/{first['id']}/ruling", json={"in_order": True})).status_code == 403
    assert (await a1.post(f"{api}/floor/current-item", json={"item_id": None})).status_code == 403
    for motion in (first, third):
        assert (await ok(await cac.post(f"{api}/motions/{motion['id']}/ruling", json={"in_order": True})))[
            "state"] == "admitted"
    for amendment in (accepted, contested):
        await ok(await cac.post(f"{api}/amendments/{amendment['id']}/ruling", json={"in_order": True}))
    section = await ok(await cac.post(f"{api}/agenda/sections", json={"title": "Pay"}), 201)
    item = await ok(await cac.post(f"{api}/agenda/items", json={"section_id": section["id"], "title": "Debate: pay",
                                                                "minutes": 30}), 201)
    for motion in (first, third):
        await ok(await cac.post(f"{api}/motions/{motion['id']}/schedule", json={"item_id": item["id"]}))
    published = await ok(await cac.post(f"{api}/agenda/publications", json={"stage": "final"}), 201)
    assert published["version"] == 1 and any("Fair pay now" in line for line in published["lines"])

    # The chair opens the item and sets a three-minute limit; delegates ask to speak.
    state = await ok(await f.chair.post(f"{api}/floor/current-item", json={"item_id": item["id"]}))
    assert state["item_title"] == "Debate: pay"
    await ok(await f.chair.post(f"{api}/floor/speakers/time-limits", json={"item_id": item["id"],
                                                                          "speech_seconds": 180}))
    assert (await m1.post(f"/conferences/{cid}/agenda/items/{item['id']}/speakers",
                          data={"stance": "against"})).status_code == 303
    state = await ok(await f.chair.post(f"{api}/floor/speakers/next", json={"item_id": item["id"]}))
    assert state["speakers"][0]["state"] == "called" and 170 <= state["speech_seconds_left"] <= 180

    # Moved; 1.1 accepted by the mover; the motion cannot be put while 1.2 waits.
    await ok(await f.chair.post(f"{api}/floor/motions/{first['id']}/outcome", json={"action": "move"}))
    await ok(await f.chair.post(f"{api}/floor/amendments/{accepted['id']}/outcome", json={"action": "accepted"}))
    early = await f.chair.post(f"{api}/floor/questions", json={"motion_id": first["id"]})
    assert early.status_code == 409 and "Vote on the amendments first" in early.text

    ballot = await ok(await f.chair.post(f"{api}/floor/questions", json={"amendment_id": contested["id"]}), 201)
    assert ballot["state"] == "open" and ballot["title"] == "Amendment 1.2 to Motion 1: Fair pay now"
    twice = await f.chair.post(f"{api}/floor/questions", json={"amendment_id": contested["id"]})
    assert twice.status_code == 409 and "already being voted on" in twice.text
    for delegate, choice in ((a1, "against"), (m1, "against"), (l1, "for")):
        await vote(delegate, ballot["id"], choice)
    await ok(await f.chair.post(f"/api/v1/ballots/{ballot['id']}/close"))
    declared = await ok(await f.chair.post(f"/api/v1/ballots/{ballot['id']}/declare", json={}))
    assert declared["result"]["decision"]["outcome"] == "lost"

    ballot = await ok(await f.chair.post(f"{api}/floor/questions", json={"motion_id": first["id"]}), 201)
    assert "as amended by Amendment 1.1" in ballot["question"]
    for delegate in (a1, m1, l1):
        await vote(delegate, ballot["id"], "for")
    await ok(await f.chair.post(f"/api/v1/ballots/{ballot['id']}/close"))
    await ok(await f.chair.post(f"/api/v1/ballots/{ballot['id']}/declare", json={}))
    motion = await ok(await a1.get(f"{api}/motions/{first['id']}"))
    assert motion["state"] == "carried_as_amended"

    # A declared result cannot be 'corrected' by the chair; a mistaken 'fell' can, with a reason.
    refused = await f.chair.post(f"{api}/floor/motions/{first['id']}/correction",
                                 json={"state": "moved", "reason": "Second thoughts"})
    assert refused.status_code == 409 and "declared result of ballot" in refused.text
    await ok(await f.chair.post(f"{api}/floor/motions/{third['id']}/outcome", json={"action": "fell"}))
    no_reason = await f.chair.post(f"{api}/floor/motions/{third['id']}/correction",
                                   json={"state": "scheduled", "reason": " "})
    assert no_reason.status_code == 400
    fixed = await ok(await f.chair.post(f"{api}/floor/motions/{third['id']}/correction",
                                        json={"state": "scheduled", "reason": "Fell recorded on the wrong motion"}))
    assert fixed["state"] == "scheduled"
    assert "/floor/questions" in (await client.get("/schema/openapi.json")).text
