"""Conference set-up pages for its staff: overview, settings, sessions, bodies, the register, roles."""

from __future__ import annotations

import html
import re

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.helpers import Visitor, app_db, make_conference
from tests.integration.conferences.builders import bodies_csv, csv_bytes, delegates_csv
from tests.integration.conferences.web_world import (
    BODIES,
    World,
    delegate_logged_in,
    load_register,
    logged_in,
    register_size,
)
from unionvote.accounts.models import Role
from unionvote.conferences.models import Conference

STAFF_EMAIL = "sam.staff@union.example"


@pytest.fixture
async def conference_id(app: Litestar) -> int:
    return await make_conference(app)


@pytest.fixture
async def staff(client: AsyncTestClient[Litestar], app: Litestar, conference_id: int) -> Visitor:
    return await logged_in(client, app, STAFF_EMAIL, conference_id, Role.STAFF)


def upload(name: str, data: bytes) -> dict[str, tuple[str, bytes, str]]:
    return {"file": (name, data, "text/csv")}


def every_post_form_has_a_csrf_field(html: str) -> bool:
    forms = re.findall(r"<form\b[^>]*>.*?</form>", html, flags=re.S)
    posts = [f for f in forms if 'method="post"' in f]
    return all('name="_csrf_token"' in f for f in posts)


def text_of(response: httpx.Response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.text)))


async def test_staff_see_the_overview_with_settings_and_counts(staff: Visitor, app: Litestar,
                                                               conference_id: int) -> None:
    await load_register(app, conference_id)
    response = await staff.get(f"/conferences/{conference_id}")
    assert response.status_code == 200
    page = text_of(response)
    assert "Annual Delegate Conference" in page
    assert "Bodies 3, with 600 members between them" in page
    assert "No quorum rule is set." in page
    assert response.text.count("<h1") == 1


async def test_a_register_with_bad_rows_lists_every_one_and_imports_nothing(
        staff: Visitor, app: Litestar, conference_id: int) -> None:
    assert (await staff.post(f"/conferences/{conference_id}/bodies", files=upload("bodies.csv", BODIES))
            ).status_code == 303
    register = csv_bytes("membership number,name,email,body code,role", [
        "A1,Ann Smith,ann@example.org,LON,delegate",
        "A2,Bob Jones,not-an-email,LON,delegate",
        "A3,Cat Brown,cat@example.org,XXX,delegate",
        "A4,Dan Green,dan@example.org,MAN,chair",
    ])

    response = await staff.post(f"/conferences/{conference_id}/register", files=upload("register.csv", register))

    assert response.status_code == 400
    page = text_of(response)
    assert "Nothing was imported: 3 rows of the file have problems." in page
    assert re.search(r"3 email 'not-an-email' is not an email address", page)
    assert re.search(r"4 body code 'XXX' is not one of this conference's bodies", page)
    assert re.search(r"5 role 'chair' must be delegate, substitute, observer or visitor", page)
    assert await register_size(app, conference_id) == 0


async def test_a_good_upload_says_what_changed_and_a_second_one_changes_nothing(
        staff: Visitor, app: Litestar, conference_id: int) -> None:
    response = await staff.post(f"/conferences/{conference_id}/bodies", files=upload("bodies.csv", BODIES))
    assert response.status_code == 303
    page = await staff.get(response.headers["location"])
    assert "Bodies imported: 3 added, 0 updated, 0 unchanged." in page.text
    register = delegates_csv(("A1", "LON", "delegate", "yes"), ("A2", "LON", "delegate"))
    for expected in ("2 added, 0 updated, 0 unchanged", "0 added, 0 updated, 2 unchanged"):
        response = await staff.post(f"/conferences/{conference_id}/register", files=upload("r.csv", register))
        assert response.status_code == 303
        assert expected in (await staff.get(response.headers["location"])).text
    assert await register_size(app, conference_id) == 2


@pytest.mark.parametrize("files", [None, {"file": ("", b"", "text/csv")}, {"file": ("empty.csv", b"", "text/csv")}])
async def test_an_upload_without_a_file_is_refused_with_a_message(staff: Visitor, conference_id: int,
                                                                  files: dict[str, object] | None) -> None:
    response = await staff.post(f"/conferences/{conference_id}/bodies", files=files, data={"x": "y"})
    assert response.status_code == 400
    assert "Choose a CSV file" in response.text or "is empty" in response.text


async def test_the_register_is_searched_by_name_number_or_body_and_paged(
        staff: Visitor, app: Litestar, conference_id: int) -> None:
    people = [(f"N{n:03}", "LON" if n % 2 else "MAN", "delegate") for n in range(120)]
    await load_register(app, conference_id, bodies_csv(("LON", 10), ("MAN", 10)), delegates_csv(*people))
    base = f"/conferences/{conference_id}/register"

    first = await staff.get(base)
    assert "Page 1 of 3." in first.text and 'rel="next"' in first.text
    last = await staff.get(base + "?page=3")
    assert "Page 3 of 3." in last.text and 'rel="next"' not in last.text
    by_number = text_of(await staff.get(base + "?q=n007"))
    assert "Person N007" in by_number and "Person N008" not in by_number
    by_body = text_of(await staff.get(base + "?q=man"))
    assert "60 found" in by_body
    assert "Nobody on the register matches" in (await staff.get(base + "?q=zzz")).text
    assert (await staff.get(base + "?q=" + "x" * 500)).status_code == 400
    assert (await staff.get(base + "?page=abc&body=-1")).status_code == 200  # nonsense means 'not given'


async def test_settings_are_saved_and_a_bad_rule_is_shown_beside_its_field_and_saves_nothing(
        staff: Visitor, app: Litestar, conference_id: int) -> None:
    form = {"name": "ADC 2027", "starts_on": "2027-05-14", "ends_on": "2027-05-16", "time_zone": "Europe/Dublin",
            "quorum_kind": "bodies_share", "quorum_value": "1/2", "card_vote_mode": "split", "retention_days": "180",
            "totp_required_for_delegates": "on"}
    response = await staff.post(f"/conferences/{conference_id}/settings", data=form)
    assert response.status_code == 303
    overview = text_of(await staff.get(response.headers["location"]))
    assert "The settings have been saved." in overview
    assert "At least one half of the bodies must be represented by a present delegate." in overview

    bad = {**form, "quorum_kind": "delegates", "quorum_value": "lots", "retention_days": "30"}
    response = await staff.post(f"/conferences/{conference_id}/settings", data=bad)
    assert response.status_code == 400
    assert re.search(r'id="quorum_value-error"[^>]*>.*not \'lots\'', html.unescape(response.text), flags=re.S)
    assert 'aria-invalid="true"' in response.text
    assert 'value="lots"' in response.text  # what was typed is kept
    async with app_db(app) as db:
        conference = await db.get(Conference, conference_id)
        assert conference is not None
        assert (conference.quorum_kind, conference.retention_days, conference.time_zone) == (
            "bodies_share", 180, "Europe/Dublin")

    for field, value, message in [("starts_on", "14th May", "is not a date"),
                                  ("retention_days", "-5", "whole number"),
                                  ("time_zone", "Mars/Olympus", "is not a time zone"),
                                  ("ends_on", "2027-05-01", "cannot end before it starts"),
                                  ("quorum_kind", "most", "quorum rule must be one of")]:
        response = await staff.post(f"/conferences/{conference_id}/settings", data={**form, field: value})
        assert response.status_code == 400, field
        assert message in response.text, field
        assert f'id="{field}-error"' in response.text, field


async def test_sessions_are_added_in_the_conference_time_zone_and_cannot_overlap(
        staff: Visitor, conference_id: int) -> None:
    page = f"/conferences/{conference_id}/sessions"
    response = await staff.post(page, data={"name": "Tuesday morning", "day": "2027-05-14", "starts": "09:30",
                                            "ends": "12:30"})
    assert response.status_code == 303
    listed = await staff.get(response.headers["location"])
    assert "The session has been added." in listed.text
    assert 'datetime="2027-05-14T09:30:00+01:00"' in listed.text  # London summer time

    clash = await staff.post(page, data={"name": "Brunch", "day": "2027-05-14", "starts": "11:00", "ends": "13:00"})
    assert clash.status_code == 409
    assert "overlaps the session 'Tuesday morning'" in html.unescape(clash.text)
    for data in ({"name": "X", "day": "", "starts": "", "ends": ""},
                 {"name": "X", "day": "2027-05-14", "starts": "25:00", "ends": "26:00"},
                 {"name": "", "day": "2027-05-15", "starts": "09:00", "ends": "10:00"},
                 {"name": "Backwards", "day": "2027-05-15", "starts": "10:00", "ends": "09:00"}):
        assert (await staff.post(page, data=data)).status_code == 400, data


async def test_every_page_has_one_heading_and_every_form_its_csrf_field(
        staff: Visitor, app: Litestar, conference_id: int) -> None:
    ids = await load_register(app, conference_id)
    for path in ("", "/settings", "/sessions", "/bodies", "/register", "/roles", "/desk", f"/desk/{ids['A1']}",
                 f"/desk/{ids['S1']}", "/quorum", "/me"):
        response = await staff.get(f"/conferences/{conference_id}{path}")
        assert response.status_code == 200, path
        assert response.text.count("<h1") == 1, path
        assert every_post_form_has_a_csrf_field(response.text), path
        assert "<script>" not in response.text and "style=" not in response.text, path


async def test_roles_in_the_conference_are_listed(staff: Visitor, conference_id: int) -> None:
    page = text_of(await staff.get(f"/conferences/{conference_id}/roles"))
    assert "Union staff Sam.Staff" in page


async def test_a_delegate_cannot_reach_the_set_up_pages_or_the_desk(
        client: AsyncTestClient[Litestar], app: Litestar, conference_id: int) -> None:
    world = World(conference_id, await load_register(app, conference_id))
    delegate = await delegate_logged_in(client, app, world, "A1")
    for path in ("", "/settings", "/sessions", "/bodies", "/register", "/roles", "/desk",
                 f"/desk/{world.delegates['A2']}", "/quorum"):
        assert (await delegate.get(f"/conferences/{conference_id}{path}")).status_code == 403, path
    for path in ("/settings", "/bodies", f"/desk/{world.delegates['A2']}/accredit"):
        assert (await delegate.post(f"/conferences/{conference_id}{path}", data={"note": "x"})).status_code == 403


async def test_staff_of_one_conference_cannot_manage_another(
        client: AsyncTestClient[Litestar], app: Litestar, staff: Visitor) -> None:
    other = await make_conference(app, "rules-2027", "Rules Revision Conference")
    ids = await load_register(app, other)
    assert (await staff.get(f"/conferences/{other}")).status_code == 403
    assert (await staff.get(f"/conferences/{other}/desk/{ids['A1']}")).status_code == 403


async def test_an_unknown_conference_is_not_found_for_an_administrator(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    admin = await logged_in(client, app, "admin@union.example", admin=True)
    for path in ("/conferences/999999", "/conferences/999999/desk", "/conferences/999999/quorum",
                 "/conferences/999999/me", "/conferences/999999/register"):
        assert (await admin.get(path)).status_code == 404, path


async def test_forms_work_as_a_browser_sends_them_with_the_csrf_token_in_the_form(
        staff: Visitor, app: Litestar, conference_id: int) -> None:
    """No header: the token travels as the hidden field, in a urlencoded form and in a file upload."""
    page = await staff.get(f"/conferences/{conference_id}/bodies")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    response = await staff.request("POST", f"/conferences/{conference_id}/bodies", csrf=False,
                                   data={"_csrf_token": token[1]}, files=upload("bodies.csv", BODIES))
    assert response.status_code == 303, response.text
    response = await staff.request("POST", f"/conferences/{conference_id}/sessions", csrf=False,
                                   data={"_csrf_token": token[1], "name": "Opening", "day": "2027-05-14",
                                         "starts": "09:00", "ends": "10:00"})
    assert response.status_code == 303, response.text
    forged = await staff.request("POST", f"/conferences/{conference_id}/bodies", csrf=False,
                                 files=upload("bodies.csv", BODIES))
    assert forged.status_code == 403
