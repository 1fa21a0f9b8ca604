"""A delegate's own page on a phone: status in plain words, check in and out, and the quorum it moves."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.helpers import Visitor, app_db, make_conference, make_user
from tests.integration.conferences.web_world import (
    World,
    accredit,
    check_in,
    delegate_logged_in,
    load_register,
    logged_in,
    session_now,
)
from unionvote.accounts.models import Role
from unionvote.conferences import presence
from unionvote.conferences.settings import SettingsChange, update_settings
from unionvote.db import utcnow


@pytest.fixture
async def world(app: Litestar) -> World:
    conference_id = await make_conference(app)
    async with app_db(app) as db:
        await update_settings(db, conference_id, SettingsChange(quorum_kind="bodies_share", quorum_value="2/3"),
                              by=None)
    return World(conference_id, await load_register(app, conference_id), await session_now(app, conference_id))


def plain(text: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text)))


async def test_checking_myself_in_and_out_changes_the_quorum(
        client: AsyncTestClient[Litestar], app: Litestar, world: World) -> None:
    await accredit(app, world.delegates["A1"], world.delegates["M1"])
    await check_in(app, world.session_id, world.delegates["M1"])  # type: ignore[arg-type]
    chair = await logged_in(client, app, "chair@union.example", world.conference_id, Role.CHAIR)
    delegate = await delegate_logged_in(client, app, world, "A1")
    me, quorum = f"/conferences/{world.conference_id}/me", f"/conferences/{world.conference_id}/quorum"

    before = plain((await chair.get(quorum)).text)
    assert "Not quorate: 1 of 3 bodies represented, 2 needed." in before
    assert "At least two thirds of the bodies must be represented by a present delegate." in before

    page = await delegate.get(me)
    assert f'action="{me}/check-in"' in page.text
    response = await delegate.post(f"{me}/check-in")
    assert response.status_code == 303 and response.headers["location"] == f"{me}?done=you-checked-in"
    after_in = plain((await delegate.get(response.headers["location"])).text)
    assert "You are checked in." in after_in and "You are counted as present." in after_in
    assert "Quorate: 2 of 3 bodies represented, 2 needed." in plain((await chair.get(quorum)).text)
    assert (await delegate.post(f"{me}/check-in")).status_code == 303  # twice changes nothing

    response = await delegate.post(f"{me}/check-out")
    assert response.headers["location"] == f"{me}?done=you-checked-out"
    assert "Not quorate: 1 of 3 bodies represented" in plain((await chair.get(quorum)).text)
    again = await delegate.post(f"{me}/check-out")
    assert again.headers["location"] == f"{me}?done=you-were-not-checked-in"


async def test_a_delegate_not_yet_accredited_is_told_what_to_do(
        client: AsyncTestClient[Litestar], app: Litestar, world: World) -> None:
    delegate = await delegate_logged_in(client, app, world, "A2")
    me = f"/conferences/{world.conference_id}/me"
    page = plain((await delegate.get(me)).text)
    assert "You are not accredited yet." in page
    assert "Go to the accreditation desk with your union card and photo ID." in page
    assert f'action="{me}/check-in"' not in (await delegate.get(me)).text

    refused = await delegate.post(f"{me}/check-in")
    assert refused.status_code == 409
    assert "is not accredited yet" in plain(refused.text)


async def test_with_no_session_open_the_page_names_the_next_one(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    conference_id = await make_conference(app)
    world = World(conference_id, await load_register(app, conference_id))
    starts = utcnow() + timedelta(days=1)
    async with app_db(app) as db:
        await presence.add_business_session(db, conference_id, name="Wednesday morning", starts_at=starts,
                                            ends_at=starts + timedelta(hours=3), by=None)
    await accredit(app, world.delegates["A1"])
    delegate = await delegate_logged_in(client, app, world, "A1")
    me = f"/conferences/{conference_id}/me"
    page = plain((await delegate.get(me)).text)
    assert "No session is on now. The next is Wednesday morning" in page
    refused = await delegate.post(f"{me}/check-in")
    assert refused.status_code == 409 and "No session is open for check-in now." in plain(refused.text)


async def test_someone_with_a_role_but_not_on_the_register_is_told_so(
        client: AsyncTestClient[Litestar], app: Litestar, world: World) -> None:
    teller = await logged_in(client, app, "teller@union.example", world.conference_id, Role.TELLER)
    me = f"/conferences/{world.conference_id}/me"
    assert "You are not on the delegate register of this conference." in plain((await teller.get(me)).text)
    refused = await teller.post(f"{me}/check-in")
    assert refused.status_code == 409


async def test_the_home_page_sends_each_person_where_they_belong(
        client: AsyncTestClient[Litestar], app: Litestar, world: World) -> None:
    other = await make_conference(app, "rules-2027", "Rules Revision Conference")
    await make_user(app, "two@branch.example", roles=[(world.conference_id, Role.DELEGATE), (other, Role.OBSERVER)])
    await make_user(app, "none@branch.example")
    two, none = Visitor(client), Visitor(client)
    await two.log_in("two@branch.example")
    await none.log_in("none@branch.example")

    assert (await two.get("/")).headers["location"] == "/conferences"
    listing = await two.get("/conferences")
    assert f'href="/conferences/{world.conference_id}/me"' in listing.text
    assert f'href="/conferences/{other}/me"' in listing.text
    assert f'href="/conferences/{other}/desk"' not in listing.text
    assert (await none.get("/")).headers["location"] == "/account"
    assert "You do not have a place at any conference yet." in (await none.get("/conferences")).text
    assert (await none.get(f"/conferences/{world.conference_id}/me")).status_code == 403
