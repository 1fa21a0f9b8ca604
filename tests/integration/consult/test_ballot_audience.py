"""A consultation of an indicative ballot's electorate: one single-use link per member, from the ballot."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from tests.helpers import Visitor, app_db, audit_entries
from tests.integration.consult.world import consultation, share, staff
from unionvote.ballots.members import add_member, import_members, remove_member
from unionvote.ballots.services import MemberBallotSpec, QuestionSpec, create_member_ballot
from unionvote.consult.models import Consultation, Participant
from unionvote.db import utcnow

MEMBERS = (b"membership number,name,email,mobile,employer,workplace,region,branch\n"
           b"M1,Ann Adams,ann@example.org,,City Council,Care home,North,North branch\n"
           b"M2,Bob Brown,bob@example.org,,City Council,Depot,South,South branch\n"
           b"M3,Cat Cole,cat@example.org,,Health Trust,Ward 4,North,North branch\n")


async def ballot(app: Litestar) -> int:
    now = utcnow()
    async with app_db(app) as db:
        made = await create_member_ballot(db, MemberBallotSpec(
            slug="pay-2027", title="Pay offer 2027", description="Do you accept the pay offer?",
            opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=14),
            questions=[QuestionSpec("Do you accept the employers' pay offer?")]), by=None)
        await import_members(db, made.id, io.BytesIO(MEMBERS), by=None)  # type: ignore[arg-type]
        await remove_member(db, made.id, "M2", "left the union", by=None)  # type: ignore[arg-type]
        return made.id  # type: ignore[return-value]


def links_of(response: object) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))  # type: ignore[attr-defined]


async def test_staff_consult_a_ballots_electorate_and_each_member_gets_one_link(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    admin, admin_id = await staff(app, client)
    ballot_id = await ballot(app)
    form = await admin.get("/consultations")
    assert "The electorate of an indicative ballot" in form.text and "Pay offer 2027" in form.text
    created = await admin.post("/consultations", data={
        "question": "What should our pay claim prioritise?", "audience": "ballot", "ballot_id": str(ballot_id),
        "anonymity": "anonymous", "target": "15"})
    assert created.status_code == 303, created.text
    cid = int(created.headers["location"].split("/")[2].split("?")[0])
    opened = await admin.post(f"/consultations/{cid}/phases", data={"share_opens_at": "2020-01-01T09:00"})
    assert opened.status_code == 303, opened.text
    overview = await admin.get(f"/consultations/{cid}")
    assert "Pay offer 2027" in overview.text and "0 invited; 0 links used" in overview.text

    issued = await admin.post(f"/consultations/{cid}/invitations/from-ballot", data={})
    assert issued.status_code == 200 and issued.headers["content-type"].startswith("text/csv")
    links = links_of(issued)
    assert [(r["reference"], r["name"], r["email"], r["employer"], r["role"], r["region"]) for r in links] == [
        ("M1", "Ann Adams", "ann@example.org", "City Council", "Care home", "North"),
        ("M3", "Cat Cole", "cat@example.org", "Health Trust", "Ward 4", "North")]  # M2 was removed
    assert "2 invited; 0 links used" in (await admin.get(f"/consultations/{cid}")).text

    member = Visitor(client)
    path = links[1]["link"].split("127.0.0.1:8000", 1)[1]
    first = await member.post(path, data={})
    assert first.status_code == 303 and first.headers["location"] == f"/consult/{cid}?done=joined"
    async with app_db(app) as db:  # joining writes no participant: that waits for their first thought or rating
        assert (await db.execute(select(Participant).where(Participant.consultation_id == cid))).first() is None
    assert (await share(member, cid, "Close the gap for part-timers")).status_code == 303
    async with app_db(app) as db:
        [joined] = (await db.execute(select(Participant).where(Participant.consultation_id == cid))).scalars()
        assert (joined.employer, joined.role, joined.region, joined.person_ref) == (
            "Health Trust", "Ward 4", "North", None)
    again = await Visitor(client).post(path, data={})
    assert again.status_code == 409 and "has been used already" in again.text

    [entry] = await audit_entries(app, scope=f"consultation:{cid}", action="invitations.issued")
    assert '"count":2' in entry.payload and "M1" not in entry.payload and "example.org" not in entry.payload


async def test_issuing_again_invites_only_members_added_since(app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    admin, admin_id = await staff(app, client)
    ballot_id = await ballot(app)
    cid = await consultation(app, admin_id, conference_id=None, audience="ballot", ballot_id=ballot_id)
    assert len(links_of(await admin.post(f"/consultations/{cid}/invitations/from-ballot", data={}))) == 2
    nobody = await admin.post(f"/consultations/{cid}/invitations/from-ballot", data={})
    assert nobody.status_code == 409 and "nobody new to invite" in nobody.text
    async with app_db(app) as db:
        await add_member(db, ballot_id, {"membership_number": "M4", "name": "Dee Dale", "employer": "Health Trust",
                                         "workplace": "Ward 9", "region": "East"}, by=None)
    [late] = links_of(await admin.post(f"/consultations/{cid}/invitations/from-ballot", data={}))
    assert (late["reference"], late["role"]) == ("M4", "Ward 9")
    assert "3 invited; 0 links used" in (await admin.get(f"/consultations/{cid}")).text


async def test_a_ballot_consultation_needs_a_ballot_and_takes_no_uploaded_list(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    admin, admin_id = await staff(app, client)
    refused = await admin.post("/consultations", data={"question": "What matters most?", "audience": "ballot",
                                                       "anonymity": "anonymous", "target": "15"})
    assert refused.status_code == 400 and "Choose the indicative ballot whose electorate takes part" in refused.text
    unknown = await admin.post("/consultations", data={"question": "What matters most?", "audience": "ballot",
                                                       "ballot_id": "999999", "anonymity": "anonymous"})
    assert unknown.status_code == 400
    async with app_db(app) as db:
        assert (await db.execute(select(Consultation))).first() is None

    cid = await consultation(app, admin_id, conference_id=None, audience="ballot", ballot_id=await ballot(app))
    upload = await admin.post(f"/consultations/{cid}/invitations",
                              files={"file": ("people.csv", b"reference\nzed@example.org\n", "text/csv")})
    assert upload.status_code == 409 and "issue its invitations from the ballot" in upload.text
    listed = await consultation(app, admin_id, conference_id=None, audience="invited")
    wrong = await admin.post(f"/consultations/{listed}/invitations/from-ballot", data={})
    assert wrong.status_code == 409 and "it has no ballot to invite from" in wrong.text
    assert "0 invited; 0 links used" in (await admin.get(f"/consultations/{cid}")).text


async def test_members_of_a_ballot_consultation_share_thoughts_nobody_can_trace(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    admin, admin_id = await staff(app, client)
    cid = await consultation(app, admin_id, conference_id=None, audience="ballot", ballot_id=await ballot(app))
    links = links_of(await admin.post(f"/consultations/{cid}/invitations/from-ballot", data={}))
    member = Visitor(client)
    await member.post(links[0]["link"].split("127.0.0.1:8000", 1)[1], data={})
    assert (await share(member, cid, "Protect the lowest paid first")).status_code == 303
    async with app_db(app) as db:
        [p] = (await db.execute(select(Participant).where(Participant.consultation_id == cid))).scalars()
        assert p.person_ref is None and p.employer == "City Council"


async def test_a_member_removed_from_the_ballot_can_no_longer_use_their_consultation_link(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    admin, admin_id = await staff(app, client)
    ballot_id = await ballot(app)
    cid = await consultation(app, admin_id, conference_id=None, audience="ballot", ballot_id=ballot_id)
    links = {r["reference"]: r["link"].split("127.0.0.1:8000", 1)[1]
             for r in links_of(await admin.post(f"/consultations/{cid}/invitations/from-ballot", data={}))}
    async with app_db(app) as db:
        await remove_member(db, ballot_id, "M3", "moved to another union", by=admin_id)

    member = Visitor(client)
    opened = await member.get(links["M3"])
    assert opened.status_code == 403
    assert "This invitation link no longer works: you are not in the electorate of the ballot" in opened.text
    assert "Join the consultation" not in opened.text
    refused = await member.post(links["M3"], data={"employer": "Health Trust"})
    assert refused.status_code == 403 and "no longer works" in refused.text
    assert not any(c.name.startswith("uvc_") or c.value.startswith("uvc_") for c in client.cookies.jar)
    async with app_db(app) as db:
        assert (await db.execute(select(Participant).where(Participant.consultation_id == cid))).first() is None
    assert "2 invited; 0 links used" in (await admin.get(f"/consultations/{cid}")).text

    still_in = await Visitor(client).post(links["M1"], data={})  # the members still in the ballot join as before
    assert still_in.status_code == 303 and still_in.headers["location"] == f"/consult/{cid}?done=joined"
