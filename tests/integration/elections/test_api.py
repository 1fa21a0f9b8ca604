"""The elections API: the same rules as the pages, as JSON, with plain messages on refusal."""

from __future__ import annotations

from datetime import timedelta

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.elections.world import election_world, nominations_close_now
from unionvote.db import utcnow


async def test_an_election_through_the_api_from_set_up_to_the_stage_record(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    world = await election_world(client, app)
    api = f"/api/v1/conferences/{world.register.conference_id}/elections"
    created = await world.committee.post(api, json={
        "title": "Conference chair", "seats": 1, "rule": "irv", "nominator_kind": "body",
        "nominations_close_at": (utcnow() + timedelta(days=1)).isoformat()})
    assert created.status_code == 201, created.text
    election = created.json()["id"]
    for name in ("Ann Smith", "Bob Jones", "Cath Lee"):
        response = await world.ann.post(f"{api}/{election}/nominations",
                                        json={"candidate_name": name, "body_id": world.bodies["LON"]})
        assert response.status_code == 201, response.text
    nominations = response.json()["nominations"]
    refused = await world.ann.post(f"{api}/{election}/nominations/{nominations[0]['id']}/decision",
                                   json={"valid": True})
    assert refused.status_code == 403
    for nomination in nominations:
        await world.committee.post(f"{api}/{election}/nominations/{nomination['id']}/decision", json={"valid": True})
    await nominations_close_now(app, f"{api}/{election}")
    closed = await world.committee.post(f"{api}/{election}/close")
    assert closed.json()["state"] == "contested"

    blt = '3 1\n4 1 0\n3 2 3 0\n2 3 2 0\n0\n"Ann Smith"\n"Bob Jones"\n"Cath Lee"\n"Chair"\n'
    counted = await world.committee.post(f"{api}/{election}/count", json={"blt": blt})
    assert counted.status_code == 201, counted.text
    record = counted.json()["result"]["record"]
    ids = {n["candidate_name"]: str(n["id"]) for n in counted.json()["nominations"]}
    assert record["rule"] == "irv" and record["elected"] == [ids["Bob Jones"]]
    assert record["stages"][1]["excluded"] == [ids["Cath Lee"]]
    assert record["stages"][1]["votes"][ids["Bob Jones"]] == "5"

    exported = await world.ann.get(f"{api}/{election}/ballots.blt")
    assert exported.status_code == 200 and '"Bob Jones"' in exported.text


async def test_irv_for_more_than_one_seat_is_refused_when_setting_up(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    world = await election_world(client, app)
    api = f"/api/v1/conferences/{world.register.conference_id}/elections"
    response = await world.committee.post(api, json={
        "title": "Committee", "seats": 3, "rule": "irv", "nominator_kind": "body",
        "nominations_close_at": (utcnow() + timedelta(days=1)).isoformat()})
    assert response.status_code == 400
    assert response.json()["detail"] == ("IRV (the alternative vote) fills one seat; choose an STV rule for more "
                                         "seats.")
