"""The accreditation desk in the browser, and what the delegate then sees on their own page."""

from __future__ import annotations

import html
import re

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.helpers import Visitor, audit_entries, make_conference
from tests.integration.conferences.web_world import (
    World,
    accredit,
    check_in,
    delegate_logged_in,
    delegate_status,
    load_register,
    logged_in,
    session_now,
)
from unionvote.accounts.models import Role


@pytest.fixture
async def world(app: Litestar) -> World:
    conference_id = await make_conference(app)
    return World(conference_id, await load_register(app, conference_id), await session_now(app, conference_id))


@pytest.fixture
async def staff(client: AsyncTestClient[Litestar], app: Litestar, world: World) -> Visitor:
    return await logged_in(client, app, "sam.staff@union.example", world.conference_id, Role.STAFF)


def desk(world: World, number: str = "", action: str = "") -> str:
    path = f"/conferences/{world.conference_id}/desk"
    if number:
        path += f"/{world.delegates[number]}"
    return path + (f"/{action}" if action else "")


def plain(text: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text)))


async def test_staff_accredit_with_a_note_and_the_delegate_sees_it_on_their_page(
        client: AsyncTestClient[Litestar], app: Litestar, world: World, staff: Visitor) -> None:
    found = await staff.get(desk(world) + "?q=person+a1")
    assert found.status_code == 200
    assert f'href="{desk(world, "A1")}"' in found.text
    assert "Not accredited yet" in found.text

    response = await staff.post(desk(world, "A1", "accredit"), data={"note": "Union card and photo ID seen"})
    assert response.status_code == 303
    assert response.headers["location"] == desk(world, "A1") + "?done=accredited"
    card = plain((await staff.get(response.headers["location"])).text)
    assert "Accredited." in card and "Identity checked Union card and photo ID seen" in card

    delegate = await delegate_logged_in(client, app, world, "A1")
    assert (await delegate.get("/")).headers["location"] == f"/conferences/{world.conference_id}/me"
    page = plain((await delegate.get(f"/conferences/{world.conference_id}/me")).text)
    assert "You are accredited." in page
    assert "Session on now: Tuesday morning" in page
    assert "You are not checked in." in page
    assert [e.action for e in await audit_entries(app, action="delegate.accredited")] == ["delegate.accredited"]


async def test_accrediting_without_a_note_is_refused_beside_the_field(
        app: Litestar, world: World, staff: Visitor) -> None:
    response = await staff.post(desk(world, "A1", "accredit"), data={"note": "   "})
    assert response.status_code == 400
    assert re.search(r'id="note-error"[^>]*>.*Say how you checked their identity', response.text, flags=re.S)
    assert await delegate_status(app, world.delegates["A1"]) == "not_accredited"


async def test_revoking_a_delegate_ends_their_open_session(
        client: AsyncTestClient[Litestar], app: Litestar, world: World, staff: Visitor) -> None:
    await accredit(app, world.delegates["A1"])
    await check_in(app, world.session_id, world.delegates["A1"])  # type: ignore[arg-type]
    delegate = await delegate_logged_in(client, app, world, "A1")
    me = f"/conferences/{world.conference_id}/me"
    assert (await delegate.get(me)).status_code == 200

    refused = await staff.post(desk(world, "A1", "revoke"), data={"reason": ""})
    assert refused.status_code == 400 and "Say why the accreditation is revoked." in refused.text
    response = await staff.post(desk(world, "A1", "revoke"), data={"reason": "Not the named delegate"})
    assert response.status_code == 303

    sent_away = await delegate.get(me)
    assert sent_away.status_code == 303
    assert sent_away.headers["location"].startswith("/login?next=")
    assert await delegate_status(app, world.delegates["A1"]) == "revoked"
    card = plain((await staff.get(desk(world, "A1"))).text)
    assert "Accreditation revoked" in card and "Reason given Not the named delegate" in card
    assert "Checked in" not in card  # revoking checked them out

    response = await staff.post(desk(world, "A1", "reinstate"), data={"reason": "Mistaken identity cleared up"})
    assert response.status_code == 303
    assert await delegate_status(app, world.delegates["A1"]) == "accredited"


async def test_a_substitute_of_the_same_body_takes_over_the_credential(
        app: Litestar, world: World, staff: Visitor) -> None:
    await accredit(app, world.delegates["A2"], world.delegates["S1"])
    card = await staff.get(desk(world, "A2"))
    assert f'<option value="{world.delegates["S1"]}">' in card.text

    missing = await staff.post(desk(world, "A2", "substitute"), data={"substitute_id": "", "reason": "Ill"})
    assert missing.status_code == 400 and "Choose the substitute" in missing.text
    response = await staff.post(desk(world, "A2", "substitute"),
                                data={"substitute_id": str(world.delegates["S1"]), "reason": "Ill on the day"})
    assert response.status_code == 303
    assert await delegate_status(app, world.delegates["A2"]) == "substituted"
    assert "Holds the credential of" in (await staff.get(desk(world, "S1"))).text


async def test_checking_in_from_the_search_list_returns_to_the_list(
        app: Litestar, world: World, staff: Visitor) -> None:
    await accredit(app, world.delegates["M1"])
    listing = desk(world) + "?q=m1"
    page = await staff.get(listing)
    assert f'action="{desk(world, "M1", "check-in")}"' in page.text
    response = await staff.post(desk(world, "M1", "check-in"), data={"return_to": listing})
    assert response.status_code == 303
    assert response.headers["location"] == listing + "&done=checked-in"
    after = await staff.get(response.headers["location"])
    assert "Checked in." in after.text and f'action="{desk(world, "M1", "check-out")}"' in after.text

    # Somewhere else than the desk is not a place to return to.
    response = await staff.post(desk(world, "M1", "check-out"), data={"return_to": "https://evil.example/"})
    assert response.headers["location"] == desk(world, "M1") + "?done=checked-out"


async def test_the_desk_refuses_what_the_rules_refuse_without_a_server_error(
        app: Litestar, world: World, staff: Visitor) -> None:
    other = await make_conference(app, "rules-2027", "Rules Revision Conference")
    outsiders = await load_register(app, other)
    cases = [
        (desk(world, "A1", "check-in"), {}, 409),  # not accredited yet
        (desk(world, "A1", "revoke"), {"reason": "x"}, 409),  # nothing to revoke
        (desk(world, "A1", "reinstate"), {"reason": "x"}, 409),
        (desk(world, "O1", "substitute"), {"substitute_id": str(world.delegates["S1"]), "reason": "x"}, 400),
        (desk(world, "A1", "substitute"), {"substitute_id": "99999999999999999999999", "reason": "x"}, 400),
        (desk(world, "A1", "accredit"), {"note": "x" * 501}, 400),
        (f"/conferences/{world.conference_id}/desk/{outsiders['A1']}/accredit", {"note": "seen"}, 404),
        (f"/conferences/{world.conference_id}/desk/{outsiders['A1']}", None, 404),
        (desk(world, "A1", "substitute"), {"substitute_id": str(outsiders["S1"]), "reason": "x"}, 404),
    ]
    for path, data, status in cases:
        response = await (staff.get(path) if data is None else staff.post(path, data=data))
        assert response.status_code == status, (path, data, response.text[:200])
    assert (await staff.get(desk(world) + "?q=" + "x" * 300)).status_code == 400
    assert (await staff.get(desk(world) + "?q=a%00b")).status_code == 400
    assert await delegate_status(app, outsiders["A1"]) == "not_accredited"
