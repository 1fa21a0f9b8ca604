"""The set-up and register API: settings, sessions, CSV imports (all or nothing), searching the register."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.helpers import Visitor, make_conference
from tests.integration.conferences.builders import bodies_csv, csv_bytes, delegates_csv
from tests.integration.conferences.web_world import BODIES, World, delegate_logged_in, logged_in, register_size
from unionvote.accounts.models import Role

API = "/api/v1/conferences/{}"


@pytest.fixture
async def conference_id(app: Litestar) -> int:
    return await make_conference(app)


@pytest.fixture
async def staff(client: AsyncTestClient[Litestar], app: Litestar, conference_id: int) -> Visitor:
    return await logged_in(client, app, "sam.staff@union.example", conference_id, Role.STAFF)


def api(conference_id: int, path: str) -> str:
    return API.format(conference_id) + path


async def test_settings_are_read_and_changed_field_by_field(staff: Visitor, conference_id: int) -> None:
    settings = (await staff.get(api(conference_id, "/settings"))).json()
    assert settings["quorum_kind"] == "none" and settings["quorum_rule"] == "No quorum rule is set."

    response = await staff.request("PATCH", api(conference_id, "/settings"),
                                   json={"quorum_kind": "delegates", "quorum_value": "150", "starts_on": "2027-05-14"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["quorum_rule"] == "At least 150 voting delegates must be present."
    assert (body["starts_on"], body["time_zone"]) == ("2027-05-14", "Europe/London")

    for bad, message in [({"quorum_value": "1/0"}, "whole number of delegates"),
                         ({"time_zone": "Nowhere"}, "is not a time zone"),
                         ({"retention_days": 0}, "between 1 and 3650"),
                         ({"colour": "red"}, "colour"),
                         ({"retention_days": "many"}, "retention_days")]:
        response = await staff.request("PATCH", api(conference_id, "/settings"), json=bad)
        assert response.status_code == 400, bad
        assert message in str(response.json()), (bad, response.json())
    assert (await staff.get(api(conference_id, "/settings"))).json()["quorum_value"] == "150"


async def test_sessions_are_added_with_a_time_zone_and_listed(staff: Visitor, conference_id: int) -> None:
    response = await staff.post(api(conference_id, "/sessions"), json={
        "name": "Tuesday morning", "starts_at": "2027-05-14T09:30:00+01:00", "ends_at": "2027-05-14T12:30:00+01:00"})
    assert response.status_code == 201, response.text
    naive = await staff.post(api(conference_id, "/sessions"), json={
        "name": "Afternoon", "starts_at": "2027-05-14T14:00:00", "ends_at": "2027-05-14T17:00:00"})
    assert naive.status_code == 400 and "time zone" in naive.json()["detail"]
    listed = (await staff.get(api(conference_id, "/sessions"))).json()
    assert [(s["name"], s["starts_at"]) for s in listed] == [("Tuesday morning", "2027-05-14T08:30:00Z")]


async def test_an_import_with_bad_rows_answers_400_listing_every_row_and_imports_nothing(
        staff: Visitor, app: Litestar, conference_id: int) -> None:
    ok = await staff.post(api(conference_id, "/bodies/import"), content=BODIES, headers={"content-type": "text/csv"})
    assert ok.status_code == 200 and ok.json() == {"added": 3, "updated": 0, "unchanged": 0}
    register = csv_bytes("membership number,name,email,body code,role", [
        "A1,Ann Smith,ann@example.org,LON,delegate",
        "A1,Ann Again,ann2@example.org,LON,delegate",
        "A3,,cat@example.org,LON,delegate",
    ])
    response = await staff.post(api(conference_id, "/delegates/import"), content=register,
                                headers={"content-type": "text/csv; charset=utf-8"})
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "Nothing was imported: 2 rows of the file have problems."
    assert [(row["line"], row["reason"]) for row in body["extra"]["rows"]] == [
        (3, "membership number 'A1' is also on row 2"), (4, "name is missing")]
    assert await register_size(app, conference_id) == 0


async def test_an_import_takes_a_multipart_file_too_and_refuses_other_bodies(
        staff: Visitor, app: Litestar, conference_id: int) -> None:
    await staff.post(api(conference_id, "/bodies/import"), content=bodies_csv(("LON", 100)),
                     headers={"content-type": "text/csv"})
    register = delegates_csv(("A1", "LON", "delegate", "yes"), ("A2", "LON", "delegate"))
    response = await staff.post(api(conference_id, "/delegates/import"),
                                files={"file": ("register.csv", register, "text/csv")})
    assert response.status_code == 200 and response.json()["added"] == 2
    assert (await staff.post(api(conference_id, "/delegates/import"), json={"rows": []})).status_code == 415
    assert (await staff.post(api(conference_id, "/delegates/import"), files={"other": ("x.csv", b"a")})
            ).status_code == 400
    bad_text = await staff.post(api(conference_id, "/delegates/import"), content=b"\xff\xfe\x00",
                                headers={"content-type": "text/csv"})
    assert bad_text.status_code == 400 and "UTF" in bad_text.json()["extra"]["rows"][0]["reason"]
    assert await register_size(app, conference_id) == 2


async def test_the_register_is_searched_and_paged(staff: Visitor, app: Litestar, conference_id: int) -> None:
    await staff.post(api(conference_id, "/bodies/import"), content=bodies_csv(("LON", 10), ("MAN", 10)),
                     headers={"content-type": "text/csv"})
    people = [(f"N{n:03}", "LON" if n < 30 else "MAN", "delegate") for n in range(45)]
    await staff.post(api(conference_id, "/delegates/import"), content=delegates_csv(*people),
                     headers={"content-type": "text/csv"})
    bodies = {b["code"]: b["id"] for b in (await staff.get(api(conference_id, "/bodies"))).json()}

    page = (await staff.get(api(conference_id, "/delegates?per_page=20&page=3"))).json()
    assert (page["total"], len(page["items"]), page["page"]) == (45, 5, 3)
    found = (await staff.get(api(conference_id, "/delegates?q=person n04"))).json()
    assert sorted(d["membership_number"] for d in found["items"]) == [f"N04{n}" for n in range(5)]
    by_body = (await staff.get(api(conference_id, f"/delegates?body_id={bodies['MAN']}"))).json()
    assert by_body["total"] == 15
    one = found["items"][0]
    assert (await staff.get(api(conference_id, f"/delegates/{one['id']}"))).json() == one
    for bad in ("?page=0", "?per_page=100000", "?page=x", "?q=" + "x" * 200, "?page=99999999999999999999999"):
        assert (await staff.get(api(conference_id, "/delegates" + bad))).status_code == 400, bad


async def test_delegates_and_other_conferences_staff_are_kept_out(
        client: AsyncTestClient[Litestar], app: Litestar, staff: Visitor, conference_id: int) -> None:
    await staff.post(api(conference_id, "/bodies/import"), content=BODIES, headers={"content-type": "text/csv"})
    await staff.post(api(conference_id, "/delegates/import"), content=delegates_csv(("A1", "LON", "delegate")),
                     headers={"content-type": "text/csv"})
    world = World(conference_id, {"A1": (await staff.get(api(conference_id, "/delegates"))).json()["items"][0]["id"]})
    delegate = await delegate_logged_in(client, app, world, "A1")
    for path in ("/settings", "/bodies", "/delegates", f"/delegates/{world.delegates['A1']}"):
        assert (await delegate.get(api(conference_id, path))).status_code == 403, path
    assert (await delegate.request("PATCH", api(conference_id, "/settings"), json={})).status_code == 403
    assert (await delegate.get(api(conference_id, "/sessions"))).status_code == 200
    other = await make_conference(app, "rules-2027", "Rules Revision Conference")
    assert (await staff.get(api(other, "/settings"))).status_code == 403
    assert (await staff.get(api(conference_id, "/delegates/999999"))).status_code == 404
