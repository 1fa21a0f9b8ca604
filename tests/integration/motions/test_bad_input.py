"""Refusals: late motions with the deadline shown, bodies a delegate does not represent, line ranges that do
not exist, text edits after the deadline. Each says what to do and changes nothing."""

from __future__ import annotations

from datetime import timedelta

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.helpers import app_db, audit_entries
from tests.integration.motions.world import MOTION_TEXT, Floor, body_ids, make_floor, plain, submit_motion
from unionvote.db import utcnow
from unionvote.motions.deadlines import set_deadlines


async def motions_now(floor: Floor) -> list[dict]:
    return (await floor.london.get(f"/api/v1/conferences/{floor.conference_id}/motions")).json()


async def deadline_passed(app: Litestar, floor: Floor, **amendments: bool) -> None:
    now = utcnow()
    async with app_db(app) as db:
        await set_deadlines(db, floor.conference_id, motion_deadline=now - timedelta(hours=1),
                            amendment_deadline=now - timedelta(minutes=30) if amendments.get("closed") else None,
                            by=None)


async def test_a_late_motion_is_refused_with_the_deadline_shown_but_an_emergency_motion_is_taken(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    floor = await make_floor(client, app)
    await deadline_passed(app, floor)
    bodies = await body_ids(app, floor.conference_id)
    late = await floor.london.post(f"{floor.base}/motions", data={
        "body_id": str(bodies["LON"]), "title": "Fair pay now", "text": MOTION_TEXT, "kind": "ordinary"})
    assert late.status_code == 409
    message = plain(late.text)
    assert "The deadline for motions was" in message and "(Europe/London time)" in message
    assert "Only emergency motions can be submitted now." in message
    assert 'value="Fair pay now"' in late.text  # the form keeps what was typed
    assert await motions_now(floor) == []

    no_reason = await floor.london.post(f"{floor.base}/motions", data={
        "body_id": str(bodies["LON"]), "title": "Depot closure", "text": "Conference supports the members.",
        "kind": "emergency"})
    assert no_reason.status_code == 400 and "Give the reason this is an emergency" in plain(no_reason.text)
    motion_id = await submit_motion(floor, app, title="Depot closure", text="Conference supports the members.",
                                    kind="emergency", emergency_reason="The closure was announced yesterday.")
    unexplained = await floor.committee.post(f"{floor.base}/committee/motions/{motion_id}/ruling",
                                             data={"ruling": "in_order"})
    assert unexplained.status_code == 400
    assert "Give why the committee accepts this as an emergency" in plain(unexplained.text)
    accepted = await floor.committee.post(f"{floor.base}/committee/motions/{motion_id}/ruling",
                                          data={"ruling": "in_order", "reason": "Announced after the deadline."})
    assert accepted.status_code == 303
    assert [m["state"] for m in await motions_now(floor)] == ["admitted"]


async def test_a_delegate_cannot_act_for_a_body_they_do_not_represent(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    floor = await make_floor(client, app)
    bodies = await body_ids(app, floor.conference_id)
    page = await floor.london.post(f"{floor.base}/motions", data={
        "body_id": str(bodies["MAN"]), "title": "Fair pay now", "text": MOTION_TEXT})
    assert page.status_code == 403
    assert "You are not a delegate of Body MAN, so you cannot act for it." in plain(page.text)
    api = await floor.chair.post(f"/api/v1/conferences/{floor.conference_id}/motions", json={
        "body_id": bodies["LON"], "title": "Fair pay now", "text": MOTION_TEXT})
    assert api.status_code == 403 and "not a delegate of Body LON" in api.json()["detail"]
    motion_id = await submit_motion(floor, app)
    amendment = await floor.london.post(f"{floor.base}/motions/{motion_id}/amendments", data={
        "body_id": str(bodies["MAN"]), "kind": "delete", "first_line": "1", "last_line": "1"})
    assert amendment.status_code == 403
    assert len(await motions_now(floor)) == 1
    assert await audit_entries(app, action="amendment.submitted") == []


async def test_an_amendment_to_lines_the_motion_does_not_have_is_rejected(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    floor = await make_floor(client, app)
    bodies = await body_ids(app, floor.conference_id)
    motion_id = await submit_motion(floor, app)
    api = f"/api/v1/conferences/{floor.conference_id}/motions/{motion_id}/amendments"
    for form, message in [
        ({"kind": "delete", "first_line": "4", "last_line": "9"}, "There is no line 9: the motion has lines 1 to 5."),
        ({"kind": "insert", "first_line": "7", "text": "new words"}, "There is no line 7 to insert after"),
        ({"kind": "replace", "first_line": "2", "last_line": "2"}, "Write the new text the amendment puts in."),
        ({"kind": "delete", "first_line": ""}, "Give the line number the amendment starts at"),
    ]:
        response = await floor.manchester.post(f"{floor.base}/motions/{motion_id}/amendments",
                                               data={"body_id": str(bodies["MAN"]), **form})
        assert response.status_code == 400, form
        assert message in plain(response.text), form
    refused = await floor.manchester.post(api, json={"body_id": bodies["MAN"], "kind": "replace", "first_line": 3,
                                                     "last_line": 12, "text": "x"})
    assert refused.status_code == 400
    assert refused.json()["detail"] == "There is no line 12: the motion has lines 1 to 5."
    assert (await floor.manchester.get(api)).json() == []


async def test_after_the_deadline_only_the_committee_changes_the_text_and_versions_are_kept(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    floor = await make_floor(client, app)
    motion_id = await submit_motion(floor, app)
    text_url = f"{floor.base}/motions/{motion_id}/text"
    other = await floor.manchester.post(text_url, data={"text": "Something else."})
    assert other.status_code == 403
    assert (await floor.london.post(text_url, data={"text": MOTION_TEXT + "\nand report back."})).status_code == 303
    await deadline_passed(app, floor)
    late = await floor.london.post(text_url, data={"text": "Shorter."})
    assert late.status_code == 409 and "only the committee can change the text now" in plain(late.text)
    assert (await floor.committee.post(text_url, data={"text": "Shorter."})).status_code == 303
    motion = (await floor.london.get(f"/api/v1/conferences/{floor.conference_id}/motions/{motion_id}")).json()
    assert motion["version"] == 3 and motion["text"] == "Shorter."
    assert "Text version 3 of 3" in plain((await floor.london.get(f"{floor.base}/motions/{motion_id}")).text)
    assert [e.action for e in await audit_entries(app, action="motion.text_changed")] == ["motion.text_changed"] * 2


async def test_amendments_after_their_deadline_are_refused(client: AsyncTestClient[Litestar], app: Litestar) -> None:
    floor = await make_floor(client, app)
    bodies = await body_ids(app, floor.conference_id)
    motion_id = await submit_motion(floor, app)
    await deadline_passed(app, floor, closed=True)
    late = await floor.manchester.post(f"{floor.base}/motions/{motion_id}/amendments", data={
        "body_id": str(bodies["MAN"]), "kind": "delete", "first_line": "1", "last_line": "1"})
    assert late.status_code == 409 and "The deadline for amendments was" in plain(late.text)
