"""Importing the register: all or nothing, every bad row listed, re-imports change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.integration.conferences.builders import (
    STAFF,
    Factory,
    accredit,
    audit_entries,
    bodies_csv,
    delegates_csv,
    ids,
    load,
)
from unionvote.conferences import accreditation
from unionvote.conferences.csvfiles import RegisterFileRejected
from unionvote.conferences.imports import ImportSummary, import_bodies, import_delegates
from unionvote.conferences.register import Body, Delegate
from unionvote.conferences.services import ConferenceError
from unionvote.db import session_scope

BODIES = bodies_csv(("LON", 1000), ("MAN", 600))
HEADER = "membership number,name,email,mobile,body code,role"


def people(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


async def delegates_in(factory: Factory, conference_id: int) -> list[tuple[str, ...]]:
    async with session_scope(factory) as db:
        rows = await db.execute(select(Delegate.membership_number, Delegate.name, Delegate.email, Delegate.role)
                                .where(Delegate.conference_id == conference_id).order_by(Delegate.membership_number))
        return [tuple(row) for row in rows.all()]


async def import_people(factory: Factory, conference_id: int, data: bytes) -> ImportSummary:
    async with session_scope(factory) as db:
        return await import_delegates(db, conference_id, data, by=STAFF)


async def test_an_import_with_one_bad_row_imports_nothing_and_lists_every_bad_row(
        factory: Factory, conference_id: int) -> None:
    async with session_scope(factory) as db:
        await import_bodies(db, conference_id, BODIES, by=STAFF)
    good_rows = [f"{n},Member {n},m{n}@example.org,,LON,delegate" for n in range(1000, 1011)]
    data = people(*good_rows[:5],
                  "1013,Ann Unknown,ann@example.org,,XYZ,delegate",  # line 7: unknown body
                  *good_rows[5:],  # lines 8 to 13
                  "1001,Bob Again,bob@example.org,,MAN,delegate",  # line 14: duplicate membership number
                  "1014,Cat Badmail,cat@example,,MAN,delegate",  # line 15: bad email
                  "1015,,dan@example.org,,MAN,delegate",  # line 16: missing name
                  "1016,Eve Role,eve@example.org,,MAN,chair")  # line 17: unknown role

    with pytest.raises(RegisterFileRejected) as caught:
        await import_people(factory, conference_id, data)

    assert [str(p) for p in caught.value.problems] == [
        "Row 7: body code 'XYZ' is not one of this conference's bodies",
        "Row 14: membership number '1001' is also on row 3",
        "Row 15: email 'cat@example' is not an email address",
        "Row 16: name is missing",
        "Row 17: role 'chair' must be delegate, substitute, observer or visitor",
    ]
    assert await delegates_in(factory, conference_id) == []
    assert [action for action, _ in await audit_entries(factory, conference_id)] == [
        "conference.created", "bodies.imported"]


async def test_a_file_that_is_not_utf8_imports_nothing(factory: Factory, conference_id: int) -> None:
    async with session_scope(factory) as db:
        await import_bodies(db, conference_id, BODIES, by=STAFF)
    data = (HEADER + "\n1,Ren\xe9e Dupont,r@example.org,,LON,delegate\n").encode("cp1252")

    with pytest.raises(RegisterFileRejected, match=r"Row 2: is not UTF-8 text \(byte 0xE9"):
        await import_people(factory, conference_id, data)
    assert await delegates_in(factory, conference_id) == []


async def test_a_wrong_header_imports_nothing(factory: Factory, conference_id: int) -> None:
    with pytest.raises(RegisterFileRejected, match="Row 1: .*the header lacks 'role'"):
        await import_people(factory, conference_id, b"membership number,name,email,body code\n1,A,a@example.org,\n")


async def test_a_register_with_a_bom_is_imported(factory: Factory, conference_id: int) -> None:
    async with session_scope(factory) as db:
        await import_bodies(db, conference_id, b"\xef\xbb\xbf" + BODIES, by=STAFF)
    data = b"\xef\xbb\xbf" + people('1,"Jones, Ann",ann@example.org,07700 900123,LON,Delegate')

    summary = await import_people(factory, conference_id, data)

    assert str(summary) == "1 added, 0 updated, 0 unchanged"
    assert await delegates_in(factory, conference_id) == [("1", "Jones, Ann", "ann@example.org", "delegate")]


async def test_re_importing_the_same_register_changes_nothing(factory: Factory, conference_id: int) -> None:
    register = delegates_csv(("A1", "LON", "delegate", "yes"), ("A2", "LON", "substitute"), ("A3", "", "visitor"))
    first = await load(factory, conference_id, bodies=BODIES, delegates=register)
    before = await audit_entries(factory, conference_id)

    again = await load(factory, conference_id, bodies=BODIES, delegates=register)

    assert first == (ImportSummary(2, 0, 0), ImportSummary(3, 0, 0))
    assert again == (ImportSummary(0, 0, 2), ImportSummary(0, 0, 3))
    assert await audit_entries(factory, conference_id) == before


async def test_a_changed_row_updates_that_delegate_and_is_audited_with_its_id(
        factory: Factory, conference_id: int) -> None:
    await load(factory, conference_id, bodies=BODIES,
               delegates=people("1,Ann Jones,ann@example.org,,LON,delegate",
                                "2,Bob Smith,bob@example.org,,LON,delegate"))
    delegate_ids = await ids(factory, conference_id)
    await accredit(factory, delegate_ids["2"])

    summary = await import_people(factory, conference_id, people(
        "1,Ann Jones,ann@example.org,,LON,delegate", "2,Bob Smith,robert@example.org,,MAN,delegate",
        "3,Cat Lee,cat@example.org,,,observer"))

    assert str(summary) == "1 added, 1 updated, 1 unchanged"
    action, payload = (await audit_entries(factory, conference_id))[-1]
    assert action == "delegates.imported"
    assert payload["updated"] == [{"delegate_id": delegate_ids["2"], "fields": ["email", "body_id"]}]
    assert payload["added"] == [(await ids(factory, conference_id))["3"]] and payload["unchanged"] == 1
    assert "robert@example.org" not in str(payload) and "Cat Lee" not in str(payload)
    async with session_scope(factory) as db:
        bob = await db.get(Delegate, delegate_ids["2"])
        assert bob is not None and bob.status == "accredited"  # an import never touches accreditation


async def test_bodies_are_added_updated_and_left_alone(factory: Factory, conference_id: int) -> None:
    async with session_scope(factory) as db:
        await import_bodies(db, conference_id, BODIES, by=STAFF)
        summary = await import_bodies(db, conference_id, bodies_csv(("LON", 1000), ("MAN", 650), ("CAR", 90)),
                                      by=STAFF)
        count = (await db.execute(select(func.count(Body.id)))).scalar_one()

    assert str(summary) == "1 added, 1 updated, 1 unchanged" and count == 3


async def test_a_lead_named_in_the_file_cannot_clash_with_a_lead_left_out_of_it(
        factory: Factory, conference_id: int) -> None:
    await load(factory, conference_id, bodies=BODIES, delegates=delegates_csv(("A1", "LON", "delegate", "yes")))

    with pytest.raises(RegisterFileRejected, match="Row 2: body 'LON' already has a lead delegate, membership "
                                                   "number 'A1', who is not in this file"):
        await import_people(factory, conference_id, delegates_csv(("A2", "LON", "delegate", "yes")))
    summary = await import_people(factory, conference_id,
                                  delegates_csv(("A1", "LON", "delegate", "no"), ("A2", "LON", "delegate", "yes")))
    assert str(summary) == "1 added, 1 updated, 0 unchanged"


async def test_an_import_cannot_change_the_role_or_body_of_someone_in_a_substitution(
        factory: Factory, conference_id: int) -> None:
    register = delegates_csv(("A1", "LON", "delegate"), ("S1", "LON", "substitute"))
    await load(factory, conference_id, bodies=BODIES, delegates=register)
    d = await ids(factory, conference_id)
    await accredit(factory, d["S1"])
    async with session_scope(factory) as db:
        await accreditation.substitute(db, absent_id=d["A1"], substitute_id=d["S1"], reason="ill", by=STAFF)

    with pytest.raises(RegisterFileRejected, match="Row 3: membership number 'S1' is part of a substitution"):
        await import_people(factory, conference_id,
                            delegates_csv(("A1", "LON", "delegate"), ("S1", "MAN", "substitute")))
    assert str(await import_people(factory, conference_id, register)) == "0 added, 0 updated, 2 unchanged"


async def test_an_unknown_conference_is_refused(factory: Factory, conference_id: int) -> None:
    with pytest.raises(ConferenceError, match="No such conference"):
        await import_people(factory, conference_id + 99, people("1,Ann Jones,ann@example.org,,LON,delegate"))
