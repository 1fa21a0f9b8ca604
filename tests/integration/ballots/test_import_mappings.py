"""The member import reads the headings a union's own membership system or CRM exports, through a named mapping."""

from __future__ import annotations

import io

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.helpers import Visitor, make_user
from tests.integration.ballots.world import make_ballot
from unionvote.ballots.import_mappings import CRM_CONTACTS, MAPPINGS, MEMBERSHIP_SYSTEM, STANDARD, detect
from unionvote.ballots.members import REQUIRED, MembersFileRejected, import_members
from unionvote.ballots.models import Member
from unionvote.db import session_scope

# One file per mapping, in the headings that system exports, holding the same two members.
EXPORTS = {
    "standard": "Membership number,Name,Email,Mobile,Employer,Workplace,Region,Branch\n"
                "X1,Ann Jones,ann@example.org,07700 900111,Acme,Acme depot,North,Acme branch\n"
                "X2,Bob Lee,,,Acme,Acme depot,North,Acme branch\n",
    "membership-system": "Membership Number,Title,Forename,Surname,Email Address,Mobile,Employer Name,Workplace,"
                         "Branch Name,Region\n"
                         "X1,Ms,Ann,Jones,ann@example.org,07700 900111,Acme,Acme depot,Acme branch,North\n"
                         "X2,Mr,Bob,Lee,,,Acme,Acme depot,Acme branch,North\n",
    "crm-contacts": "Member No,First Name,Last Name,Email Address,Mobile Phone,Employer Name,Work Location,"
                    "Branch Name,Region,Member Status\n"
                    "X1,Ann,Jones,ann@example.org,07700 900111,Acme,Acme depot,Acme branch,North,Active\n"
                    "X2,Bob,Lee,,,Acme,Acme depot,Acme branch,North,Active\n",
}
EXTRA = {"standard": None, "membership-system": '{"Title":"Ms"}', "crm-contacts": '{"Member Status":"Active"}'}


async def _imported(factory: async_sessionmaker[AsyncSession], ballot_id: int) -> dict[str, tuple[object, ...]]:
    async with session_scope(factory) as db:
        rows = (await db.execute(select(Member.membership_number, Member.name, Member.email, Member.mobile,
                                        Member.employer, Member.workplace, Member.region, Member.branch, Member.extra)
                                 .where(Member.ballot_id == ballot_id, Member.membership_number.like("X%")))).all()
    return {row[0]: tuple(row[1:]) for row in rows}


async def _count(factory: async_sessionmaker[AsyncSession], ballot_id: int) -> int:
    async with session_scope(factory) as db:
        return (await db.execute(select(func.count()).select_from(Member).where(
            Member.ballot_id == ballot_id))).scalar_one()


@pytest.mark.parametrize("key", list(EXPORTS))
async def test_each_systems_export_imports_the_same_members_with_its_mapping(
        factory: async_sessionmaker[AsyncSession], key: str) -> None:
    ballot_id = await make_ballot(factory, {"Acme": 1}, open_now=False)
    async with session_scope(factory) as db:
        imported = await import_members(db, ballot_id, io.BytesIO(EXPORTS[key].encode()), by=None,
                                        mapping=MAPPINGS[key])
    assert (imported.added, imported.mapping.key) == (2, key)
    members = await _imported(factory, ballot_id)
    assert members["X1"] == ("Ann Jones", "ann@example.org", "07700900111", "Acme", "Acme depot", "North",
                             "Acme branch", EXTRA[key])
    assert members["X2"][:4] == ("Bob Lee", None, None, "Acme")


@pytest.mark.parametrize("key", list(EXPORTS))
async def test_the_mapping_is_detected_from_the_headings(factory: async_sessionmaker[AsyncSession], key: str) -> None:
    header = EXPORTS[key].split("\n", 1)[0].split(",")
    assert detect(header, REQUIRED) is MAPPINGS[key]
    ballot_id = await make_ballot(factory, {"Acme": 1}, open_now=False)
    async with session_scope(factory) as db:
        imported = await import_members(db, ballot_id, io.BytesIO(EXPORTS[key].encode()), by=None)
    assert imported.mapping is MAPPINGS[key]
    assert (await _imported(factory, ballot_id))["X1"][0] == "Ann Jones"


def test_headings_ignore_case_spaces_and_punctuation_and_no_heading_means_two_columns() -> None:
    assert detect(["MEMBERSHIP NO.", "forename", "SURNAME", "employer_name"], REQUIRED) is MEMBERSHIP_SYSTEM
    assert detect(["member-no", "Employer"], REQUIRED) is CRM_CONTACTS
    assert detect(["Forename", "Surname"], REQUIRED) is None
    for mapping in (STANDARD, MEMBERSHIP_SYSTEM, CRM_CONTACTS):
        assert set(mapping.lookup.values()) >= set(REQUIRED)


async def test_a_file_read_with_the_wrong_mapping_names_the_missing_columns_and_the_mapping_that_fits(
        factory: async_sessionmaker[AsyncSession]) -> None:
    ballot_id = await make_ballot(factory, {"Acme": 1}, open_now=False)
    async with session_scope(factory) as db:
        with pytest.raises(MembersFileRejected) as caught:
            await import_members(db, ballot_id, io.BytesIO(EXPORTS["crm-contacts"].encode()), by=None,
                                 mapping=MEMBERSHIP_SYSTEM)
    [problem] = caught.value.problems
    assert problem.line == 1
    assert problem.reasons[0] == ("the header lacks 'membership number' (the membership-system mapping reads it from "
                                  "a column headed 'Membership Number' or 'Membership No' or 'Membership Ref')")
    assert "the headings fit the mapping 'CRM contacts export" in problem.reasons[1]
    assert await _count(factory, ballot_id) == 1


async def test_a_file_no_mapping_fits_names_what_is_missing(factory: async_sessionmaker[AsyncSession]) -> None:
    ballot_id = await make_ballot(factory, {"Acme": 1}, open_now=False)
    async with session_scope(factory) as db:
        with pytest.raises(MembersFileRejected) as caught:
            await import_members(db, ballot_id, io.BytesIO(b"First Name,Last Name,Employer Name\nAnn,Jones,Acme\n"),
                                 by=None)
    reasons = caught.value.problems[0].reasons
    assert reasons[0].startswith("the header lacks 'membership number' (the crm-contacts mapping reads it from "
                                 "a column headed 'Member No'")
    assert "no column mapping finds every required column in these headings" in reasons


async def test_a_mapped_file_with_bad_rows_imports_nothing_and_lists_every_bad_row(
        factory: async_sessionmaker[AsyncSession]) -> None:
    ballot_id = await make_ballot(factory, {"Acme": 2}, open_now=False)
    data = ("Member No,First Name,Last Name,Email Address,Mobile Phone,Employer Name,Work Location\n"
            "C1,Cat,Cole,cat@example.org,07700 900201,Acme,Depot\n"
            "C2,Cy,Cross,not-an-email,,Acme,Depot\n"
            "C3,Col,Cook,,12,Acme,Depot\n"
            "C1,Cat,Again,,,Acme,Depot\n"
            "C5,Cam,Chan,,,,Depot\n"
            "M1,Already,Here,,,Acme,Depot\n"
            f"C7,{'N' * 150},{'N' * 60},,,Acme,Depot\n").encode()
    async with session_scope(factory) as db:
        with pytest.raises(MembersFileRejected) as caught:
            await import_members(db, ballot_id, io.BytesIO(data), by=None, mapping=CRM_CONTACTS)
    assert [str(p) for p in caught.value.problems] == [
        "Row 3: email 'not-an-email' is not an email address",
        "Row 4: mobile '12' is not a phone number (7 to 15 digits, + allowed)",
        "Row 5: membership number 'C1' is also on line 2",
        "Row 6: employer is missing",
        "Row 7: membership number 'M1' is in this ballot already",
        "Row 8: name is longer than 200 characters",
    ]
    assert await _count(factory, ballot_id) == 2


async def _admin(client: AsyncTestClient[Litestar], app: Litestar) -> Visitor:
    _, secret = await make_user(app, "admin@union.example", admin=True)
    admin = Visitor(client)
    await admin.log_in("admin@union.example", totp_secret=secret)
    return admin


async def test_the_upload_form_offers_the_mappings_and_says_which_one_read_the_file(
        client: AsyncTestClient[Litestar], app: Litestar, factory: async_sessionmaker[AsyncSession]) -> None:
    admin = await _admin(client, app)
    ballot_id = await make_ballot(factory, {"Acme": 1}, open_now=False)
    page = await admin.get(f"/member-ballots/{ballot_id}")
    assert '<select class="select" id="import-mapping" name="mapping"' in page.text
    for mapping in MAPPINGS.values():
        assert f'<option value="{mapping.key}">' in page.text
    assert '<option value="detect" selected>' in page.text

    wrong = await admin.post(f"/member-ballots/{ballot_id}/members/import", data={"mapping": "standard"},
                             files={"file": ("export.csv", EXPORTS["crm-contacts"].encode(), "text/csv")})
    assert wrong.status_code == 400
    assert "the header lacks &#39;membership number&#39;" in wrong.text
    assert "the headings fit the mapping &#39;CRM contacts export" in wrong.text
    # The heading says nothing was imported; each reason is said once, in the table of rows to fix.
    assert "Nothing was imported: 1 row of the file has a problem.</h2>" in wrong.text
    assert wrong.text.count("the header lacks &#39;membership number&#39;") == 1
    assert '<option value="standard" selected>' in wrong.text  # the choice is kept for the next try
    assert await _count(factory, ballot_id) == 1

    unknown = await admin.post(f"/member-ballots/{ballot_id}/members/import", data={"mapping": "nonsense"},
                               files={"file": ("export.csv", EXPORTS["crm-contacts"].encode(), "text/csv")})
    assert unknown.status_code == 400
    assert "Choose which column headings the file uses" in unknown.text

    done = await admin.post(f"/member-ballots/{ballot_id}/members/import", data={"mapping": "detect"},
                            files={"file": ("export.csv", EXPORTS["crm-contacts"].encode(), "text/csv")})
    assert done.status_code == 303
    shown = await admin.get(done.headers["location"])
    assert "Their columns were read with the mapping &#39;CRM contacts export" in shown.text
    assert await _count(factory, ballot_id) == 3
