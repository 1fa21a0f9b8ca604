"""The returning officer's part in a member ballot: the objection period and complaints, attempts to vote again,
the certificate, and the officer's own pages (every member ballot, the electorate by name while it is held)."""

from __future__ import annotations

import csv
import io
import json
import re
import time

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.helpers import Visitor, audit_entries, make_conference, make_user
from tests.integration.ballots.test_pages import _admin, _credentials, _set_up
from tests.integration.ballots.test_portal import SECRET, _with_secret, portal_link
from tests.integration.ballots.world import make_ballot, members_csv, votes_from
from unionvote.accounts.models import Role
from unionvote.ballots.credentials import issue_credentials
from unionvote.ballots.models import MemberBallot
from unionvote.ballots.reconciliation import reconcile
from unionvote.ballots.services import scope_for
from unionvote.db import session_scope


async def _person(client: AsyncTestClient[Litestar], app: Litestar, email: str, role: Role) -> Visitor:
    conference_id = await make_conference(app, slug="conf-" + email.split("@")[0], name=f"Conference of {email}")
    _, secret = await make_user(app, email, roles=[(conference_id, role)])
    visitor = Visitor(client)
    await visitor.log_in(email, totp_secret=secret)
    return visitor


def _path(link: str) -> str:
    return "/" + link.split("://", 1)[-1].split("/", 1)[1]


async def _vote_form(member: Visitor, path: str) -> tuple[str, str]:
    form = await member.get(path)
    token = re.search(r'name="token" value="([^"]+)"', form.text)
    question = re.search(r'name="(q\d+)"', form.text)
    assert token and question, form.text
    return token.group(1), question.group(1)


async def _opened(client: AsyncTestClient[Litestar], app: Litestar, objection_hours: str | None = None
                  ) -> tuple[Visitor, int, dict[str, dict[str, str]]]:
    admin = await _admin(client, app)
    ballot_id = await _set_up(admin, members_csv({"Acme": 4, "Globex": 2}), objection_hours=objection_hours)
    links = await _credentials(admin, ballot_id)
    assert (await admin.post(f"/member-ballots/{ballot_id}/open")).status_code == 303
    return admin, ballot_id, links


async def test_a_complaint_in_the_objection_period_holds_the_declaration_until_the_officer_decides(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    admin, ballot_id, links = await _opened(client, app)  # the set-up page's default period: 72 hours
    created = (await audit_entries(app, scope=scope_for(ballot_id), action="member_ballot.created"))[0]
    assert json.loads(created.payload)["objection_hours"] == 72
    member = Visitor(client)
    token, question = await _vote_form(member, _path(links["M1"]["voting link"]))
    receipt = await member.post(_path(links["M1"]["voting link"]), data={"token": token, question: "yes"})
    tracker = re.search(r"<code>([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})</code>", receipt.text).group(1)  # type: ignore[union-attr]
    assert f"/ballots/pay-2027/complaints?tracker={tracker}" in receipt.text
    assert (await admin.post(f"/member-ballots/{ballot_id}/close")).status_code == 303

    refused = await admin.post(f"/member-ballots/{ballot_id}/declare")
    assert refused.status_code == 409 and "objection period" in refused.text

    voter = Visitor(client)  # no account, no script: a plain form with its CSRF field
    form = await voter.get(f"/ballots/pay-2027/complaints?tracker={tracker}")
    assert form.status_code == 200 and 'name="_csrf_token"' in form.text and f'value="{tracker}"' in form.text
    before = len(await audit_entries(app, scope=scope_for(ballot_id)))
    short = await voter.post("/ballots/pay-2027/complaints", data={"text": "bad", "tracker": tracker})
    assert short.status_code == 400 and "at least a few words" in short.text
    not_tracker = await voter.post("/ballots/pay-2027/complaints", data={"text": "My vote is not there at all.",
                                                                          "tracker": "ZZ"})
    assert not_tracker.status_code == 400 and "is not a tracker" in not_tracker.text
    assert len(await audit_entries(app, scope=scope_for(ballot_id))) == before  # refused: nothing recorded
    words = "Someone voted in my name: I never opened the link."
    lodged = await voter.post("/ballots/pay-2027/complaints", data={"text": words, "tracker": tracker,
                                                                     "membership_number": "m2"})
    assert lodged.status_code == 201, lodged.text
    reference = re.search(r"/ballots/pay-2027/complaints/([\w-]+)", lodged.text).group(1)  # type: ignore[union-attr]
    [entry] = await audit_entries(app, scope=scope_for(ballot_id), action="complaint.lodged")
    payload = json.loads(entry.payload)
    assert set(payload) == {"complaint", "tracker", "member_id", "text_sha256"} and payload["member_id"] is not None
    assert "voted in my name" not in entry.payload and "M2" not in entry.payload

    chair = await _person(client, app, "chair@union.example", Role.CHAIR)
    assert (await chair.get(f"/member-ballots/{ballot_id}/officer")).status_code == 403
    officer = await _person(client, app, "ro@union.example", Role.RETURNING_OFFICER)
    page = await officer.get(f"/member-ballots/{ballot_id}/officer")
    assert page.status_code == 200 and words in page.text and tracker.replace("-", "") in page.text
    early = await officer.post(f"/member-ballots/{ballot_id}/officer/end-objections")
    assert early.status_code == 409 and "Decide every complaint first" in early.text
    complaint_id = payload["complaint"]
    blank = await officer.post(f"/member-ballots/{ballot_id}/officer/complaints/{complaint_id}",
                               data={"decision": "upheld", "response": ""})
    assert blank.status_code == 400 and "reasons" in blank.text
    decided = await officer.post(f"/member-ballots/{ballot_id}/officer/complaints/{complaint_id}",
                                 data={"decision": "rejected", "response": "The link was used from your phone."})
    assert decided.status_code == 303
    answer = await voter.get(f"/ballots/pay-2027/complaints/{reference}")
    assert "Rejected." in answer.text and "The link was used from your phone." in answer.text
    assert (await admin.post(f"/member-ballots/{ballot_id}/declare")).status_code == 409  # the period still runs
    assert (await officer.post(f"/member-ballots/{ballot_id}/officer/end-objections")).status_code == 303
    late = await Visitor(client).post("/ballots/pay-2027/complaints", data={"text": "Another complaint, too late."})
    assert late.status_code == 409 and "objection period has ended" in late.text
    assert (await admin.post(f"/member-ballots/{ballot_id}/declare")).status_code == 303
    actions = [e.action for e in await audit_entries(app, scope=scope_for(ballot_id))]
    assert actions[-5:] == ["member_ballot.closed", "complaint.lodged", "complaint.decided", "objections.closed",
                            "member_ballot.declared"]


async def test_complaints_from_one_address_are_limited_to_five_a_minute(client: AsyncTestClient[Litestar],
                                                                         app: Litestar) -> None:
    _, ballot_id, _ = await _opened(client, app)
    voter = Visitor(client)
    answers = [(await voter.post("/ballots/pay-2027/complaints", data={"text": "Too short"})).status_code
               for _ in range(6)]
    assert answers[-1] == 429 and set(answers[:-1]) <= {400, 429}  # the limit may already be partly spent
    refused = await voter.post("/ballots/pay-2027/complaints", data={"text": "A complaint in proper words."})
    assert refused.status_code == 429 and "Too many complaints from here" in refused.text
    assert await audit_entries(app, scope=scope_for(ballot_id), action="complaint.lodged") == []


async def test_a_credential_used_again_after_voting_is_recorded_by_channel_and_reconciled(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    admin, ballot_id, links = await _opened(client, app, objection_hours="0")
    member = Visitor(client)
    path = _path(links["M1"]["voting link"])
    first, question = await _vote_form(member, path)
    second, _ = await _vote_form(member, path)  # a second tab, opened before the vote
    assert (await member.post(path, data={"token": first, question: "yes"})).status_code == 201
    again = await member.post(path, data={"token": second, question: "no"})
    assert again.status_code == 409 and "already voted" in again.text
    by_code = await Visitor(client).post("/ballots/pay-2027/code", data={
        "membership_number": "M1", "code": links["M1"]["voting code"]})
    assert by_code.status_code == 200 and "already been cast" in by_code.text

    attempts = await audit_entries(app, scope=scope_for(ballot_id), action="member_ballot.second_attempt")
    payloads = [json.loads(e.payload) for e in attempts]
    assert [p["channel"] for p in payloads] == ["link", "code"]
    assert all(set(p) == {"member_id", "channel"} for p in payloads)  # never what was chosen
    assert len({p["member_id"] for p in payloads}) == 1

    statement = await admin.get(f"/member-ballots/{ballot_id}/reconciliation.csv")
    table = list(csv.reader(io.StringIO(statement.content.decode("utf-8-sig"))))
    column = table[0].index("attempts to vote again")
    assert {row[0]: row[column] for row in table[1:]} == {"Acme": "2", "Globex": "0", "Everyone": "2"}
    assert table[-1][-1] == "yes"  # attempts are not votes: the statement still reconciles
    officer = await _person(client, app, "ro@union.example", Role.RETURNING_OFFICER)
    page = await officer.get(f"/member-ballots/{ballot_id}/officer")
    assert page.text.count("<td>link</td>") == 1 and page.text.count("<td>code</td>") == 1
    assert "Member 1" in page.text  # the member's name, while it is held


async def test_the_returning_officer_certifies_a_declared_member_ballot_once(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    admin, ballot_id, _ = await _opened(client, app, objection_hours="0")
    officer = await _person(client, app, "ro@union.example", Role.RETURNING_OFFICER)
    staff = await _person(client, app, "staff@union.example", Role.STAFF)
    too_soon = await officer.post(f"/member-ballots/{ballot_id}/officer/certify")
    assert too_soon.status_code == 409 and "Only a declared result can be certified" in too_soon.text
    assert (await admin.post(f"/member-ballots/{ballot_id}/close")).status_code == 303
    assert (await admin.post(f"/member-ballots/{ballot_id}/declare")).status_code == 303
    uncertified = await admin.get(f"/member-ballots/{ballot_id}/report.csv")
    assert "Certified by the returning officer,not yet" in uncertified.text
    assert (await staff.post(f"/member-ballots/{ballot_id}/officer/certify")).status_code == 403
    assert (await officer.post(f"/member-ballots/{ballot_id}/close")).status_code == 403  # runs nothing
    certified = await officer.post(f"/member-ballots/{ballot_id}/officer/certify")
    assert certified.status_code == 303
    page = await officer.get(certified.headers["location"])
    assert "The result has been certified." in page.text and "is the count of the recorded votes" in page.text
    report = await officer.get(f"/member-ballots/{ballot_id}/report.csv")
    assert "Certified by the returning officer,20" in report.text and " UTC" in report.text
    again = await officer.post(f"/member-ballots/{ballot_id}/officer/certify")
    assert again.status_code == 409 and "already certified" in again.text
    [declared] = await audit_entries(app, scope=scope_for(ballot_id), action="member_ballot.declared")
    [entry] = await audit_entries(app, scope=scope_for(ballot_id), action="member_ballot.certified")
    assert json.loads(entry.payload) == {"result_sha256": json.loads(declared.payload)["result_sha256"]}
    assert entry.actor.startswith("user:")


async def test_the_officer_sees_every_member_ballot_and_its_electorate_by_name_then_by_id_after_erasure(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    admin, ballot_id, _ = await _opened(client, app, objection_hours="0")
    officer = await _person(client, app, "ro@union.example", Role.RETURNING_OFFICER)
    chair = await _person(client, app, "chair@union.example", Role.CHAIR)
    listing = await officer.get("/member-ballots/officer")
    assert listing.status_code == 200 and f'href="/member-ballots/{ballot_id}/officer"' in listing.text
    assert 'href="/member-ballots/officer" aria-current="page">Member ballots</a>' in listing.text  # in the menu
    for path in ("/turnout", "/reconciliation", "/electorate"):
        assert (await officer.get(f"/member-ballots/{ballot_id}{path}")).status_code == 200, path
        assert (await chair.get(f"/member-ballots/{ballot_id}{path}")).status_code == 403, path
    assert (await chair.get("/member-ballots/officer")).status_code == 403
    electorate = await officer.get(f"/member-ballots/{ballot_id}/electorate")
    assert "6 members on the register" in electorate.text
    assert "<td>Member 1</td>" in electorate.text and "<td>Acme</td>" in electorate.text
    words = "My neighbour Jo Bloggs voted with my link."
    assert (await Visitor(client).post("/ballots/pay-2027/complaints", data={"text": words})).status_code == 201
    assert words in (await officer.get(f"/member-ballots/{ballot_id}/officer")).text
    assert (await admin.post(f"/member-ballots/{ballot_id}/close")).status_code == 303
    assert (await admin.post(f"/member-ballots/{ballot_id}/erase", data={"confirm": "erase"})).status_code == 303
    complaints = (await officer.get(f"/member-ballots/{ballot_id}/officer")).text
    assert words not in complaints and "(erased with the ballot&#39;s personal data)" in complaints
    erased = await officer.get(f"/member-ballots/{ballot_id}/electorate")
    assert "Member 1" not in erased.text and "have been erased: members are shown by id" in erased.text
    assert "<td>M1</td>" in erased.text and "<td>Acme</td>" in erased.text


async def test_a_member_who_voted_and_arrives_again_from_the_portal_is_recorded_and_keeps_their_credential(
        client: AsyncTestClient[Litestar], app: Litestar, factory: async_sessionmaker[AsyncSession]) -> None:
    ballot_id = await make_ballot(factory, {"Acme": 3})
    await _with_secret(app, client, ballot_id)
    async with session_scope(factory) as db:
        await issue_credentials(db, ballot_id, by=None)
    await votes_from(factory, ballot_id, "Acme", ["yes"])  # M1 votes
    arrived = await client.get(portal_link(SECRET, "M1", int(time.time())), follow_redirects=False)
    assert arrived.status_code == 409 and "already been cast with this credential" in arrived.text
    [attempt] = await audit_entries(app, scope=scope_for(ballot_id), action="member_ballot.second_attempt")
    assert json.loads(attempt.payload)["channel"] == "portal"
    async with session_scope(factory) as db:
        ballot = await db.get(MemberBallot, ballot_id)
        everyone, _ = await reconcile(db, ballot)  # type: ignore[arg-type]
    assert everyone.reconciled and everyone.attempts == 1  # the voted member's credential is still the used one
