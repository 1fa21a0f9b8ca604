"""A motion's whole life through the pages: submitted, admitted, scheduled, amended, moved, carried as amended."""

from __future__ import annotations

import json

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.helpers import audit_entries
from tests.integration.motions.world import body_ids, make_floor, plain, submit_motion


async def test_a_motion_goes_from_submission_to_carried_as_amended_through_the_pages(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    floor = await make_floor(client, app)
    bodies = await body_ids(app, floor.conference_id)
    motion_id = await submit_motion(floor, app)
    page = f"{floor.base}/motions/{motion_id}"
    assert "Motion 1: Fair pay now" in plain((await floor.london.get(page)).text)

    # The committee rules it in order, builds the agenda and schedules it.
    assert (await floor.committee.post(f"{floor.base}/committee/motions/{motion_id}/ruling",
                                       data={"ruling": "in_order"})).status_code == 303
    assert (await floor.committee.post(f"{floor.base}/committee/sections",
                                       data={"title": "Pay and conditions"})).status_code == 303
    overview = (await floor.committee.get(f"{floor.base}/committee")).text
    section_id = overview.split('<option value="')[1].split('"')[0]
    assert (await floor.committee.post(f"{floor.base}/committee/items", data={
        "section_id": section_id, "title": "Debate: pay", "minutes": "30"})).status_code == 303
    item_id = (await floor.committee.get(page)).text.split('id="schedule-item"')[1].split('<option value="')[2]
    item_id = item_id.split('"')[0]
    assert (await floor.committee.post(f"{floor.base}/committee/motions/{motion_id}/schedule",
                                       data={"item_id": item_id})).status_code == 303

    # Manchester amends: one replace, and a delete overlapping it.
    replace = await floor.manchester.post(f"{page}/amendments", data={
        "body_id": str(bodies["MAN"]), "kind": "replace", "first_line": "4", "last_line": "4",
        "text": "campaign for a pay rise above inflation;"})
    assert replace.status_code == 303, plain(replace.text)
    delete = await floor.manchester.post(f"{page}/amendments", data={
        "body_id": str(bodies["MAN"]), "kind": "delete", "first_line": "4", "last_line": "5"})
    assert delete.status_code == 303, plain(delete.text)
    committee_view = plain((await floor.committee.get(f"{floor.base}/committee")).text)
    assert "Amendment 1.1 and Amendment 1.2 change the same lines of Motion 1" in committee_view
    amendments = (await floor.london.get(f"/api/v1/conferences/{floor.conference_id}/motions/{motion_id}/amendments"
                                         )).json()
    assert [a["overlaps_with"] for a in amendments] == [["Amendment 1.2"], ["Amendment 1.1"]]
    for amendment in amendments:
        assert (await floor.committee.post(f"{floor.base}/committee/amendments/{amendment['id']}/ruling",
                                           data={"ruling": "in_order"})).status_code == 303
    assert (await floor.committee.post(f"{floor.base}/committee/publish",
                                       data={"stage": "final"})).status_code == 303

    # On the floor: the chair opens the item, the motion is moved, 1.1 carried (1.2 falls), the motion carried.
    assert (await floor.chair.post(f"{floor.base}/floor/current-item", data={"item_id": item_id})).status_code == 303
    assert (await floor.chair.post(f"{floor.base}/floor/motions/{motion_id}",
                                   data={"confirm": "yes", "action": "move"})).status_code == 303
    too_soon = await floor.chair.post(f"{floor.base}/floor/motions/{motion_id}",
                                     data={"confirm": "yes", "action": "carried"})
    assert too_soon.status_code == 409
    assert "Decide the amendments first (Amendment 1.1, Amendment 1.2)" in plain(too_soon.text)
    assert (await floor.chair.post(f"{floor.base}/floor/amendments/{amendments[0]['id']}",
                                   data={"confirm": "yes", "action": "carried"})).status_code == 303
    assert (await floor.chair.post(f"{floor.base}/floor/motions/{motion_id}",
                                   data={"confirm": "yes", "action": "carried"})).status_code == 303

    shown = plain((await floor.london.get(page)).text)
    assert "Carried as amended" in shown
    assert ("4 campaign for a pay rise above inflation; (Amendment 1.1: replaces line 4) "
            "5 ballot members on action if needed. (line 5)") in shown
    motion = (await floor.london.get(f"/api/v1/conferences/{floor.conference_id}/motions/{motion_id}")).json()
    assert motion["state"] == "carried_as_amended"
    assert motion["text_as_amended"].splitlines()[4:] == ["campaign for a pay rise above inflation;",
                                                          "ballot members on action if needed."]
    states = [a["state"] for a in (await floor.london.get(
        f"/api/v1/conferences/{floor.conference_id}/motions/{motion_id}/amendments")).json()]
    assert states == ["carried", "fell"]

    actions = [e.action for e in await audit_entries(app, scope=f"conference:{floor.conference_id}")]
    for expected in ("motion.submitted", "motion.ruled", "agenda.section_added", "agenda.item_added",
                     "motion.scheduled", "amendment.submitted", "amendment.ruled", "agenda.published",
                     "floor.current_item", "motion.state", "amendment.state"):
        assert expected in actions, expected
    last = [json.loads(e.payload) for e in await audit_entries(app, action="motion.state")][-1]
    assert last == {"motion_id": motion_id, "state": "carried_as_amended", "ballot_id": None}
