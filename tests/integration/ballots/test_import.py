"""Importing the membership: streamed, all rows or none, every bad row listed."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.integration.ballots.world import make_ballot, members_csv
from unionvote.ballots.members import MembersFileRejected, add_member, import_members, remove_member
from unionvote.ballots.models import Member
from unionvote.db import session_scope


async def _count(factory: async_sessionmaker[AsyncSession]) -> int:
    async with session_scope(factory) as db:
        return (await db.execute(select(func.count()).select_from(Member))).scalar_one()


async def test_a_clean_file_imports_every_member_with_extra_columns(factory: async_sessionmaker[AsyncSession]) -> None:
    ballot_id = await make_ballot(factory, {"Acme": 3, "Globex": 2}, open_now=False)
    async with session_scope(factory) as db:
        data = b"Membership No;Name;Employer;Grade\nX1;Ann;Initech;B3\n"
        await import_members(db, ballot_id, io.BytesIO(data), by=None)
        extra = (await db.execute(select(Member.extra).where(Member.membership_number == "X1"))).scalar_one()
    assert await _count(factory) == 6
    assert extra == '{"Grade":"B3"}'


async def test_one_bad_file_imports_nothing_and_lists_every_bad_row(factory: async_sessionmaker[AsyncSession]) -> None:
    ballot_id = await make_ballot(factory, {"Acme": 2}, open_now=False)
    data = (b"membership number,name,email,employer\n"
            b"B1,Bea,bea@example.org,Acme\n"
            b"B2,Bob,not-an-email,Acme\n"
            b"B1,Bea again,,Acme\n"
            b"M1,Already here,,Acme\n"
            b"B4,No employer,,\n")
    async with session_scope(factory) as db:
        with pytest.raises(MembersFileRejected) as caught:
            await import_members(db, ballot_id, io.BytesIO(data), by=None)
    message = str(caught.value)
    assert "Nothing was imported: 4 rows of the file have problems." in message
    assert "Row 3: email 'not-an-email' is not an email address" in message
    assert "Row 4: membership number 'B1' is also on line 2" in message
    assert "Row 5: membership number 'M1' is in this ballot already" in message
    assert "Row 6: employer is missing" in message
    assert await _count(factory) == 2


async def test_a_file_without_the_employer_column_is_refused(factory: async_sessionmaker[AsyncSession]) -> None:
    ballot_id = await make_ballot(factory, {"Acme": 1}, open_now=False)
    async with session_scope(factory) as db:
        with pytest.raises(MembersFileRejected, match="the header lacks 'employer'"):
            await import_members(db, ballot_id, io.BytesIO(b"membership number,name\nA,B\n"), by=None)


async def test_a_later_joiner_is_added_before_the_cut_off_and_a_leaver_removed(
        factory: async_sessionmaker[AsyncSession]) -> None:
    ballot_id = await make_ballot(factory, {"Acme": 2}, open_now=False)
    async with session_scope(factory) as db:
        await add_member(db, ballot_id, {"membership_number": "N9", "employer": "Acme"}, by=None)
        removed = await remove_member(db, ballot_id, "m1", "left the union", by=None)
    assert removed.removed_reason == "left the union"
    assert await _count(factory) == 3


def test_members_csv_helper_numbers_rows() -> None:
    assert members_csv({"A": 2}).count(b"\n") == 3


async def test_every_kind_of_bad_row_is_listed_and_spreadsheet_quirks_are_undone(
        factory: async_sessionmaker[AsyncSession]) -> None:
    ballot_id = await make_ballot(factory, {"Acme": 1}, open_now=False)
    long_name = "N" * 201
    bad = (f'membership number,name,mobile,employer\n'
           f'C1,{long_name},,Acme\n'
           f'C2,Cat,12,Acme\n'
           f'C3,Cy,,Acme,surplus\n'
           f'"C 4",Col,,Acme\n'
           f'{"9" * 33},Cam,,Acme\n').encode()
    async with session_scope(factory) as db:
        with pytest.raises(MembersFileRejected) as caught:
            await import_members(db, ballot_id, io.BytesIO(bad), by=None)
    assert [str(p) for p in caught.value.problems] == [
        "Row 2: name is longer than 200 characters",
        "Row 3: mobile '12' is not a phone number (7 to 15 digits, + allowed)",
        "Row 4: has 5 values but the header names 4 columns",
        "Row 5: membership number 'C 4' may hold only letters, digits, dots, dashes and slashes",
        "Row 6: membership number is longer than 32 characters",
    ]
    good = b'membership number,mobile,employer\n="007",07700 900 123,Acme\nd8,,Acme,,\n'
    async with session_scope(factory) as db:
        await import_members(db, ballot_id, io.BytesIO(good), by=None)
        stored = dict((await db.execute(select(Member.membership_number, Member.mobile).where(
            Member.membership_number.in_(["007", "D8"])))).all())
    assert stored == {"007": "07700900123", "D8": None}
