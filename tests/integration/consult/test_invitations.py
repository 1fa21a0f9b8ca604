"""Invitation links for an imported list: all rows or none, single use, clear refusals."""

from __future__ import annotations

import csv
import io

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.helpers import Visitor, audit_entries, make_user
from tests.integration.consult.world import consultation, share, staff

GOOD = b"reference,employer,role,region,shift\nann@example.org,City Council,Carer,North,Nights\nbob@example.org,,,,\n"


async def upload(browser: Visitor, cid: int, data: bytes) -> object:
    return await browser.post(f"/consultations/{cid}/invitations", files={"file": ("people.csv", data, "text/csv")})


async def test_staff_import_a_list_and_each_link_joins_once(app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    admin, admin_id = await staff(app, client)
    cid = await consultation(app, admin_id, conference_id=None, audience="invited")
    response = await upload(admin, cid, GOOD)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    links = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row["reference"] for row in links] == ["ann@example.org", "bob@example.org"]
    path = links[0]["link"].split("127.0.0.1:8000", 1)[1]

    member = Visitor(client)
    assert "Join the consultation" in (await member.get(path)).text
    joined = await member.post(path, data={})
    assert joined.status_code == 303 and joined.headers["location"] == f"/consult/{cid}?done=joined"
    assert (await share(member, cid, "Keep a go-bag of snacks and spare clothes in the car")).status_code == 303
    assert "uvc_" in (await member.get(f"/consult/{cid}")).text  # the resume code is shown to them

    again = await Visitor(client).post(path, data={})
    assert again.status_code == 409 and "has been used already" in again.text
    nonsense = await Visitor(client).get("/invited/uvi_not-a-real-link-at-all")
    assert nonsense.status_code == 404 and "not valid" in nonsense.text
    [entry] = await audit_entries(app, scope=f"consultation:{cid}", action="invitations.imported")
    assert "example.org" not in entry.payload


async def test_a_list_with_bad_rows_imports_nobody_and_names_every_bad_row(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    admin, admin_id = await staff(app, client)
    cid = await consultation(app, admin_id, conference_id=None, audience="invited")
    bad = (b"reference,region\nann@example.org,North\n,South\nann@example.org,East\n"
           b"cat@example.org," + b"x" * 101 + b"\n")
    response = await upload(admin, cid, bad)
    assert response.status_code == 400
    assert "Nothing was imported: 3 rows of the file have problems." in response.text
    for line, reason in ((3, "reference is missing"), (4, "is on line 2 too"), (5, "region is longer than 100")):
        assert f"<th scope=\"row\">{line}</th>" in response.text and reason in response.text
    overview = await admin.get(f"/consultations/{cid}")
    assert "0 invited; 0 links used" in overview.text


async def test_a_resume_code_carries_a_participant_to_another_device(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    admin, admin_id = await staff(app, client)
    cid = await consultation(app, admin_id, conference_id=None, audience="invited")
    links = list(csv.DictReader(io.StringIO((await upload(admin, cid, GOOD)).content.decode("utf-8-sig"))))
    phone = Visitor(client)
    await phone.post(links[0]["link"].split("127.0.0.1:8000", 1)[1], data={})
    await share(phone, cid, "Ask the school about breakfast club places")
    code = phone.jar.get(f"uv_consult_{cid}")
    laptop = Visitor(client)
    wrong = await laptop.post(f"/consult/{cid}/resume", data={"code": "uvc_wrong"})
    assert wrong.status_code == 400 and "does not belong to this consultation" in wrong.text
    assert (await laptop.post(f"/consult/{cid}/resume", data={"code": code})).status_code == 303
    assert "Ask the school about breakfast club places" in (await laptop.get(f"/consult/{cid}")).text


async def test_in_a_confidential_consultation_only_named_analysts_see_who_said_what(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    admin, admin_id = await staff(app, client)
    analyst_id, secret = await make_user(app, "analyst@union.example", admin=True)
    analyst = Visitor(client)
    await analyst.log_in("analyst@union.example", totp_secret=secret)
    cid = await consultation(app, admin_id, conference_id=None, audience="invited", anonymity="confidential")
    links = list(csv.DictReader(io.StringIO((await upload(admin, cid, GOOD)).content.decode("utf-8-sig"))))
    await Visitor(client).post(links[1]["link"].split("127.0.0.1:8000", 1)[1], data={})

    assert "Name as an analyst" in (await admin.get(f"/consultations/{cid}")).text
    refused = await analyst.get(f"/consultations/{cid}/exports/who-said-what.csv")
    assert refused.status_code == 403 and "Only the analysts named" in refused.text
    assert (await admin.post(f"/consultations/{cid}/analysts", data={"user": str(analyst_id)})).status_code == 303
    rows = list(csv.reader(io.StringIO((await analyst.get(f"/consultations/{cid}/exports/who-said-what.csv"))
                                       .content.decode("utf-8-sig"))))
    assert rows[0] == ["participant", "person", "reference"] and rows[1][2] == "bob@example.org"
    assert (await admin.get(f"/consultations/{cid}/exports/who-said-what.csv")).status_code == 403
    [named] = await audit_entries(app, scope=f"consultation:{cid}", action="analyst.named")
    assert f'"user":{analyst_id}' in named.payload
