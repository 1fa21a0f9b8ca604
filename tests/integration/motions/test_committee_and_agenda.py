"""The committee's rulings and composites appear in the published agenda; each version shows what changed."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.helpers import audit_entries
from tests.integration.motions.world import make_floor, plain, submit_motion


async def test_rulings_and_composites_appear_in_the_published_agenda_with_what_changed(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    floor = await make_floor(client, app)
    lowest = await submit_motion(floor, app, title="Lowest paid first", text="Flat-rate claims.")
    grades = await submit_motion(floor, app, title="Flat-rate rises", text="Close the gap between grades.",
                                 who=floor.manchester, body="MAN")
    abroad = await submit_motion(floor, app, title="Foreign policy", text="Change it.")
    committee = f"{floor.base}/committee"
    refused = await floor.committee.post(f"{committee}/motions/{abroad}/ruling", data={"ruling": "out_of_order"})
    assert refused.status_code == 400 and "Give the reason it is out of order" in plain(refused.text)
    assert (await floor.committee.post(f"{committee}/motions/{abroad}/ruling", data={
        "ruling": "out_of_order", "reason": "Not competent business"})).status_code == 303
    assert (await floor.committee.post(f"{committee}/sections", data={"title": "Pay"})).status_code == 303
    assert (await floor.committee.post(f"{committee}/publish", data={"stage": "preliminary"})).status_code == 303

    one_motion = await floor.committee.post(f"{committee}/composites", data={
        "motion_ids": [str(lowest)], "title": "Composite", "text": "x"})
    assert one_motion.status_code == 400 and "Choose at least two motions to composite." in plain(one_motion.text)
    made = await floor.committee.post(f"{committee}/composites", data={
        "motion_ids": [str(lowest), str(grades)], "title": "Flat-rate pay",
        "text": "Conference supports flat-rate increases."})
    assert made.status_code == 303
    composite_id = max(m["id"] for m in (await floor.london.get(
        f"/api/v1/conferences/{floor.conference_id}/motions")).json())
    assert (await floor.committee.post(f"{committee}/motions/{composite_id}/recommendation", data={
        "recommendation": "support"})).status_code == 303
    section = (await floor.committee.get(committee)).text.split('id="item-section"')[1].split('value="')[1][:1]
    assert (await floor.committee.post(f"{committee}/items", data={
        "section_id": section, "title": "Debate: pay", "minutes": "45"})).status_code == 303
    item = (await floor.committee.get(f"{floor.base}/motions/{composite_id}")).text
    item_id = item.split('id="schedule-item"')[1].split('<option value="')[2].split('"')[0]
    assert (await floor.committee.post(f"{committee}/motions/{composite_id}/schedule",
                                       data={"item_id": item_id})).status_code == 303
    assert (await floor.committee.post(f"{committee}/publish", data={"stage": "final"})).status_code == 303

    agenda = plain((await floor.london.get(f"{floor.base}/agenda")).text)
    assert "Final agenda, version 2" in agenda
    assert ("Composite motion 4: Flat-rate pay (the committee); recommendation: Support") in agenda
    assert "Motion 3: Foreign policy: ruled out of order: Not competent business" in agenda
    assert "Motion 1: Lowest paid first: composited into Composite motion 4" in agenda
    assert "What changed since version 1" in agenda
    assert "Added: Debate: pay (45 minutes)" in agenda
    source = (await floor.london.get(f"/api/v1/conferences/{floor.conference_id}/motions/{lowest}")).json()
    assert source["state"] == "composited" and source["composited_into"] == composite_id
    composite = plain((await floor.london.get(f"{floor.base}/motions/{composite_id}")).text)
    assert "Composite of Motion 1 , Motion 2" in composite and "supported by Body LON, Body MAN" in composite

    # Nothing about the ruled-out motion can be scheduled.
    late = await floor.committee.post(f"{committee}/motions/{abroad}/schedule", data={"item_id": item_id})
    assert late.status_code == 409
    composited = [e for e in await audit_entries(app, action="motion.composited")]
    assert len(composited) == 1 and str(lowest) in composited[0].payload


async def test_agenda_items_are_put_in_priority_order(client: AsyncTestClient[Litestar], app: Litestar) -> None:
    floor = await make_floor(client, app)
    committee = f"{floor.base}/committee"
    await floor.committee.post(f"{committee}/sections", data={"title": "Pay"})
    section = (await floor.committee.get(committee)).text.split('id="item-section"')[1].split('value="')[1][:1]
    for title in ("First", "Second"):
        await floor.committee.post(f"{committee}/items", data={"section_id": section, "title": title, "minutes": "5"})
    bad = await floor.committee.post(f"{committee}/items", data={"section_id": section, "title": "X",
                                                                 "minutes": "lots"})
    assert bad.status_code == 400 and "whole number of minutes" in plain(bad.text)
    page = (await floor.committee.get(committee)).text
    second = page.split("Second (5 minutes)")[1].split('action="')[1].split('"')[0]
    assert (await floor.committee.post(second, data={"direction": "up"})).status_code == 303
    page = plain((await floor.committee.get(committee)).text)
    assert page.index("Second (5 minutes)") < page.index("First (5 minutes)")
    top = await floor.committee.post(second, data={"direction": "up"})
    assert top.status_code == 409 and "already at the top" in plain(top.text)
