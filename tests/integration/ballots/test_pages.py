"""A member ballot end to end through the pages: set up, import, issue, vote, watch turnout, close, results."""

from __future__ import annotations

import csv
import io
import json
import logging
import re

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.helpers import Visitor, audit_entries, make_user
from tests.integration.ballots.world import members_csv
from unionvote.ballots.services import scope_for

NOTICE = "indicative: it gives no mandate for industrial action"


async def _admin(client: AsyncTestClient[Litestar], app: Litestar) -> Visitor:
    _, secret = await make_user(app, "admin@union.example", admin=True)
    admin = Visitor(client)
    await admin.log_in("admin@union.example", totp_secret=secret)
    return admin


async def _set_up(admin: Visitor, members: bytes, objection_hours: str | None = "0") -> int:
    """objection_hours None: the set-up page's own default objection period."""
    response = await admin.post("/member-ballots", data={
        "title": "Pay offer 2027", "slug": "pay-2027", "description": "The employers have offered 3%.",
        "question": "Do you accept the offer?", "opens_at": "2020-01-01T09:00", "closes_at": "2099-01-01T09:00",
        "turnout_percent": "50", "yes_percent": "40", "min_segment": "2",
        **({"objection_hours": objection_hours} if objection_hours is not None else {})})
    assert response.status_code == 303, response.text
    ballot_id = int(response.headers["location"].split("/")[2].split("?")[0])
    response = await admin.post(f"/member-ballots/{ballot_id}/members/import",
                                files={"file": ("members.csv", members, "text/csv")})
    assert response.status_code == 303, response.text
    return ballot_id


async def _credentials(admin: Visitor, ballot_id: int) -> dict[str, dict[str, str]]:
    response = await admin.post(f"/member-ballots/{ballot_id}/credentials/export")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert all(NOTICE in row["notice"] for row in rows)
    return {row["membership number"]: row for row in rows}


async def _vote(client: AsyncTestClient[Litestar], link: str, answer: str) -> tuple[int, str]:
    member = Visitor(client)
    path = link.split("testserver.local", 1)[-1].replace("http://127.0.0.1:8000", "")
    form = await member.get(path)
    assert form.status_code == 200
    found = re.search(r'name="token" value="([^"]+)"', form.text)
    if found is None:  # no form to fill in: the page explains why
        return form.status_code, form.text
    token = found.group(1)
    question = re.search(r'name="(q\d+)"', form.text).group(1)  # type: ignore[union-attr]
    response = await member.post(path, data={"token": token, question: answer})
    return response.status_code, response.text


async def test_a_ballot_runs_from_import_to_declared_result(client: AsyncTestClient[Litestar], app: Litestar) -> None:
    admin = await _admin(client, app)
    ballot_id = await _set_up(admin, members_csv({"Acme": 4, "Globex": 2}))
    links = await _credentials(admin, ballot_id)
    assert len(links) == 6
    assert (await admin.post(f"/member-ballots/{ballot_id}/open")).status_code == 303

    status, page = await _vote(client, links["M1"]["voting link"], "yes")
    assert status == 201 and "Your vote is recorded" in page and "Tracker" in page
    assert NOTICE in page
    status, page = await _vote(client, links["M1"]["voting link"], "no")
    assert status == 200 and "already been cast" in page
    for number, answer in (("M2", "yes"), ("M3", "no"), ("M5", "no")):
        assert (await _vote(client, links[number]["voting link"], answer))[0] == 201

    dashboard = await admin.get(f"/member-ballots/{ballot_id}/turnout?by=employer&sort=short")
    assert dashboard.status_code == 200
    assert "4</strong> of 6 members have voted" in dashboard.text
    assert "<svg" in dashboard.text and NOTICE in dashboard.text
    assert (await admin.get(f"/member-ballots/{ballot_id}/results")).status_code == 409
    reminders = await admin.get(f"/member-ballots/{ballot_id}/non-voters.csv?by=employer&value=Acme")
    assert [row[0] for row in csv.reader(io.StringIO(reminders.text.lstrip("\ufeff")))][1:] == ["M4"]

    assert (await admin.post(f"/member-ballots/{ballot_id}/close")).status_code == 303
    status, page = await _vote(client, links["M4"]["voting link"], "yes")
    assert "Voting in this ballot has closed" in page
    assert (await admin.post(f"/member-ballots/{ballot_id}/declare")).status_code == 303
    results = await admin.get(f"/member-ballots/{ballot_id}/results")
    assert results.status_code == 200 and NOTICE in results.text
    # Globex's one vote would be the total minus Acme's: Acme's figures are withheld too, and the page says why.
    assert "Withheld so a smaller group" in results.text and "votes cannot be worked out" in results.text
    report = await admin.get(f"/member-ballots/{ballot_id}/report.csv")
    assert "Votes cast,4" in report.text and "Spoilt or invalid,0" in report.text and NOTICE in report.text
    actions = [e.action for e in await audit_entries(app, scope=scope_for(ballot_id))]
    assert actions == ["member_ballot.created", "members.imported", "credentials.issued", "member_ballot.sealing",
                       "member_ballot.opened", "member_ballot.closed", "member_ballot.declared"]


async def test_the_voting_page_is_small_and_needs_no_script(client: AsyncTestClient[Litestar], app: Litestar) -> None:
    admin = await _admin(client, app)
    ballot_id = await _set_up(admin, members_csv({"Acme": 1}))
    links = await _credentials(admin, ballot_id)
    await admin.post(f"/member-ballots/{ballot_id}/open")
    page = await Visitor(client).get(links["M1"]["voting link"].replace("http://127.0.0.1:8000", ""))
    assert "<script" not in page.text and "<fieldset" in page.text and "<legend" in page.text
    assert len(page.content) < 10_000


async def test_a_wrong_link_or_code_is_explained(client: AsyncTestClient[Litestar], app: Litestar) -> None:
    admin = await _admin(client, app)
    ballot_id = await _set_up(admin, members_csv({"Acme": 1}))
    links = await _credentials(admin, ballot_id)
    await admin.post(f"/member-ballots/{ballot_id}/open")
    member = Visitor(client)
    unknown = await member.get("/vote/not-a-real-link-at-all-000000")
    assert unknown.status_code == 404 and "ask your branch for a new link" in unknown.text
    wrong = await member.post("/ballots/pay-2027/code", data={"membership_number": "M1", "code": "AAAAA-AAAAA"})
    assert wrong.status_code == 400 and "do not match" in wrong.text
    right = await member.post("/ballots/pay-2027/code", data={"membership_number": "m1",
                                                              "code": links["M1"]["voting code"]})
    assert right.status_code == 200 and "Send my vote" in right.text


async def test_a_malformed_import_changes_nothing_and_lists_the_rows(client: AsyncTestClient[Litestar],
                                                                     app: Litestar) -> None:
    admin = await _admin(client, app)
    ballot_id = await _set_up(admin, members_csv({"Acme": 1}))
    response = await admin.post(f"/member-ballots/{ballot_id}/members/import", files={"file": (
        "more.csv", b"membership number,employer,mobile\nZ1,Acme,12\nZ2,,\n", "text/csv")})
    assert response.status_code == 400
    assert "mobile &#39;12&#39; is not a phone number" in response.text or "mobile '12' is not" in response.text
    assert "employer is missing" in response.text
    overview = await admin.get(f"/member-ballots/{ballot_id}")
    assert "Members entitled to vote</dt><dd>1<" in overview.text


async def test_bad_votes_get_a_plain_answer_and_no_log_line_joins_a_member_to_a_choice(
        client: AsyncTestClient[Litestar], app: Litestar, caplog: pytest.LogCaptureFixture) -> None:
    admin = await _admin(client, app)
    ballot_id = await _set_up(admin, members_csv({"Acme": 2}))
    links = await _credentials(admin, ballot_id)
    await admin.post(f"/member-ballots/{ballot_id}/open")
    path = links["M1"]["voting link"].replace("http://127.0.0.1:8000", "")
    member = Visitor(client)
    form = await member.get(path)
    question = re.search(r'name="(q\d+)"', form.text).group(1)  # type: ignore[union-attr]
    bad_choice = await member.post(path, data={"token": "t" * 30, question: "maybe"})
    assert bad_choice.status_code == 400 and "is not an option" in bad_choice.text
    bad_token = await member.post(path, data={"token": "short", question: "yes"})
    assert bad_token.status_code == 400 and "ballot token is missing or malformed" in bad_token.text
    no_answer = await member.post(path, data={"token": "t" * 30})
    assert no_answer.status_code == 400 and "Answer every question" in no_answer.text
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        assert (await _vote(client, links["M1"]["voting link"], "no"))[0] == 201
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records if r.name.startswith("unionvote"))
    assert "/vote/[token]" in logged  # the server's access log saw the vote, with the link masked
    assert "M1" not in logged and links["M1"]["voting link"].rsplit("/", 1)[1] not in logged
    assert "'no'" not in logged and '"no"' not in logged


async def test_the_api_shows_turnout_and_no_tally_before_close(client: AsyncTestClient[Litestar],
                                                              app: Litestar) -> None:
    admin = await _admin(client, app)
    ballot_id = await _set_up(admin, members_csv({"Acme": 2, "Globex": 2}))
    links = await _credentials(admin, ballot_id)
    await admin.post(f"/member-ballots/{ballot_id}/open")
    await _vote(client, links["M1"]["voting link"], "yes")
    summary = (await admin.get(f"/api/v1/member-ballots/{ballot_id}")).json()
    assert summary["voted"] == 1 and summary["entitled"] == 4 and summary["result"] is None
    assert "yes" not in json.dumps(summary).replace("yes_", "")
    by_employer = (await admin.get(f"/api/v1/member-ballots/{ballot_id}/turnout?by=employer")).json()
    assert {s["name"]: s["short_by"] for s in by_employer["segments"]} == {"Everyone": 1, "Acme": 0, "Globex": 1}
    bad = await admin.get(f"/api/v1/member-ballots/{ballot_id}/turnout?by=grade")
    assert bad.status_code == 400 and "not 'grade'" in bad.json()["detail"]
    await admin.post(f"/member-ballots/{ballot_id}/close")
    closed = (await admin.get(f"/api/v1/member-ballots/{ballot_id}")).json()
    assert closed["result"]["questions"][0]["totals"] == {"yes": 1, "no": 0}


async def test_the_set_up_page_says_in_plain_words_that_answers_are_sealed(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    admin = await _admin(client, app)
    page = await admin.get("/member-ballots")
    assert page.status_code == 200
    assert "Every answer is sealed (encrypted) as it is cast" in page.text
    assert "unionvote trustee seal --member-ballot" in page.text
