"""The accreditation and presence API: the desk's actions, my own check-in, quorum and the electorate."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.helpers import Visitor, app_db, make_conference
from tests.integration.conferences.web_world import (
    World,
    accredit,
    delegate_logged_in,
    delegate_status,
    load_register,
    logged_in,
    session_now,
)
from unionvote.accounts.models import Role
from unionvote.conferences.settings import SettingsChange, update_settings


@pytest.fixture
async def world(app: Litestar) -> World:
    conference_id = await make_conference(app)
    async with app_db(app) as db:
        await update_settings(db, conference_id, SettingsChange(quorum_kind="weight_share", quorum_value="1/2",
                                                                card_vote_mode="split"), by=None)
    return World(conference_id, await load_register(app, conference_id), await session_now(app, conference_id))


@pytest.fixture
async def staff(client: AsyncTestClient[Litestar], app: Litestar, world: World) -> Visitor:
    return await logged_in(client, app, "sam.staff@union.example", world.conference_id, Role.STAFF)


JSON = {"content-type": "application/json"}


def api(world: World, path: str) -> str:
    return f"/api/v1/conferences/{world.conference_id}{path}"


def of(world: World, number: str, action: str = "") -> str:
    return api(world, f"/delegates/{world.delegates[number]}" + (f"/{action}" if action else ""))


async def test_the_desk_accredits_checks_in_substitutes_revokes_and_reinstates(
        client: AsyncTestClient[Litestar], app: Litestar, world: World, staff: Visitor) -> None:
    response = await staff.post(of(world, "A1", "accredit"), json={"note": "Union card seen"})
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["checked_in"]) == ("accredited", False)
    checked = await staff.post(of(world, "A1", "check-in"))
    assert checked.json() == {"delegate_id": world.delegates["A1"], "business_session_id": world.session_id,
                              "business_session": "Tuesday morning", "checked_in": True}
    assert (await staff.get(of(world, "A1"))).json()["checked_in"] is True

    await staff.post(of(world, "A2", "accredit"), json={"note": "Union card seen"})
    await staff.post(of(world, "S1", "accredit"), json={"note": "Photo ID"})
    swapped = await staff.post(of(world, "A2", "substitute"),
                               json={"substitute_id": world.delegates["S1"], "reason": "Ill"})
    assert swapped.status_code == 200 and swapped.json()["status"] == "substituted"

    delegate = await delegate_logged_in(client, app, world, "A1")
    assert (await delegate.get(api(world, "/me"))).json()["checked_in"] is True
    revoked = await staff.post(of(world, "A1", "revoke"), json={"reason": "Not the named delegate"})
    assert revoked.status_code == 200
    assert (revoked.json()["status"], revoked.json()["checked_in"]) == ("revoked", False)
    assert (await delegate.get(api(world, "/me"))).status_code == 401  # their login has ended
    reinstated = await staff.post(of(world, "A1", "reinstate"), json={"reason": "Cleared up"})
    assert reinstated.json()["status"] == "accredited"


async def test_bad_requests_get_a_4xx_and_change_nothing(app: Litestar, world: World, staff: Visitor) -> None:
    other = await make_conference(app, "rules-2027", "Rules Revision Conference")
    outsider = (await load_register(app, other))["A1"]
    cases = [
        ("post", of(world, "A1", "accredit"), {"json": {}}, 400),
        ("post", of(world, "A1", "accredit"), {"json": {"note": "   "}}, 400),
        ("post", of(world, "A1", "accredit"), {"json": {"note": "x", "extra": 1}}, 400),
        ("post", of(world, "A1", "accredit"), {"content": b"{not json", "headers": JSON}, 400),
        ("post", of(world, "A1", "accredit"), {"json": {"note": "x" * 3000}}, 400),
        ("post", of(world, "A1", "revoke"), {"json": {"reason": "x"}}, 409),
        ("post", of(world, "A1", "check-in"), {}, 409),
        ("post", of(world, "A1", "substitute"), {"json": {"substitute_id": 2**70, "reason": "x"}}, 400),
        ("post", of(world, "A1", "substitute"), {"json": {"substitute_id": outsider, "reason": "x"}}, 404),
        ("post", api(world, f"/delegates/{outsider}/accredit"), {"json": {"note": "seen"}}, 404),
        ("post", api(world, "/delegates/999999/accredit"), {"json": {"note": "seen"}}, 404),
        ("get", api(world, "/eligible-voters?at=2027-05-14T10:00:00"), {}, 400),
        ("get", api(world, "/eligible-voters?card_vote=perhaps"), {}, 400),
    ]
    for method, path, kwargs, status in cases:
        response = await staff.request(method.upper(), path, **kwargs)
        assert response.status_code == status, (path, kwargs, response.text)
        assert "detail" in response.json()
    assert await delegate_status(app, world.delegates["A1"]) == "not_accredited"
    assert await delegate_status(app, outsider) == "not_accredited"


async def test_self_check_in_moves_the_quorum_and_the_electorate(
        client: AsyncTestClient[Litestar], app: Litestar, world: World, staff: Visitor) -> None:
    await accredit(app, world.delegates["A1"], world.delegates["A2"], world.delegates["M1"])
    officer = await logged_in(client, app, "ro@union.example", world.conference_id, Role.RETURNING_OFFICER)
    first = await delegate_logged_in(client, app, world, "A1")
    second = await delegate_logged_in(client, app, world, "A2")

    quorum = (await officer.get(api(world, "/quorum"))).json()
    assert (quorum["met"], quorum["weight_present"], quorum["weight_total"], quorum["required"]) == (
        False, 0, 600, 300)
    assert (await first.post(api(world, "/me/check-in"))).json()["checked_in"] is True
    quorum = (await officer.get(api(world, "/quorum"))).json()
    assert (quorum["met"], quorum["weight_present"]) == (True, 300)
    assert quorum["summary"] == "Quorate: 300 of 600 members represented, 300 needed."

    await second.post(api(world, "/me/check-in"))
    voters = (await officer.get(api(world, "/eligible-voters?card_vote=true"))).json()
    assert [(v["delegate_id"], v["weight"]) for v in voters] == [
        (world.delegates["A1"], "150"), (world.delegates["A2"], "150")]
    assert [v["weight"] for v in (await staff.get(api(world, "/eligible-voters"))).json()] == ["1", "1"]

    assert (await first.post(api(world, "/me/check-out"))).json()["checked_in"] is False
    assert (await officer.get(api(world, "/quorum"))).json()["weight_present"] == 300
    me = (await first.get(api(world, "/me"))).json()
    assert (me["status"], me["status_text"], me["checked_in"]) == ("accredited", "Accredited", False)


async def test_who_may_read_quorum_and_the_electorate(
        client: AsyncTestClient[Litestar], app: Litestar, world: World) -> None:
    delegate = await delegate_logged_in(client, app, world, "A1")
    chair = await logged_in(client, app, "chair@union.example", world.conference_id, Role.CHAIR)
    assert (await delegate.get(api(world, "/quorum"))).status_code == 403
    assert (await delegate.get(api(world, "/eligible-voters"))).status_code == 403
    assert (await chair.get(api(world, "/quorum"))).status_code == 200
    assert (await chair.get(api(world, "/eligible-voters"))).status_code == 403
    assert (await delegate.post(of(world, "A2", "accredit"), json={"note": "seen"})).status_code == 403
    assert (await delegate.get(api(world, "/me"))).json()["on_register"] is True
    assert (await chair.get(api(world, "/me"))).json() == {
        "on_register": False, "delegate_id": None, "status": None, "status_text": None,
        "business_session_id": world.session_id, "business_session": "Tuesday morning", "checked_in": False}
    assert (await chair.post(api(world, "/me/check-in"))).status_code == 409
