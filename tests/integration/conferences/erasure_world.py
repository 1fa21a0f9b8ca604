"""Two conferences with real-looking people in them, for the erasure tests, and ways to look at a whole database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import MetaData, String, select

from tests.integration.conferences.builders import STAFF, Factory, bodies_csv, csv_bytes, ids, load, session_now
from unionvote.accounts.models import Role, User
from unionvote.accounts.services import create_api_token, create_user, grant_role, regenerate_recovery_codes
from unionvote.accounts.sessions import DatabaseSessionStore
from unionvote.audit.chain import verify_lines
from unionvote.audit.services import export_lines, head_of
from unionvote.conferences import accreditation, presence
from unionvote.conferences.credentials import Invitation, VotingCode
from unionvote.conferences.services import create_conference
from unionvote.conferences.settings import SettingsChange, update_settings
from unionvote.config import Settings
from unionvote.db import session_scope, utcnow
from unionvote.security import hash_password, new_totp_secret

HEADER = "membership number,name,email,mobile,body code,role,lead"
PEOPLE_A = [  # membership number, name, email, mobile, body, role, lead
    ("QA-101", "Ada Quill", "ada.quill@example.org", "+447700900101", "LON", "delegate", "yes"),
    ("QA-102", "Bea Ironside", "bea.ironside@example.org", "", "LON", "delegate", ""),
    ("QA-103", "Dee Foxglove", "dee.foxglove@example.org", "+447700900103", "LON", "delegate", ""),
    ("QA-104", "Cal Marsh", "cal.marsh@example.org", "+447700900104", "LON", "substitute", ""),
    ("QA-105", "Eve Kestrel", "eve.kestrel@example.org", "+447700900105", "", "observer", ""),
    ("QA-106", "Fay Ledger", "fay.ledger@example.org", "", "", "visitor", ""),
]
PEOPLE_B = [
    ("QB-201", "Gus Tern", "gus.tern@example.org", "+447700900201", "LON", "delegate", "yes"),
    ("QB-202", "Ivy Rook", "ivy.rook@example.org", "", "LON", "delegate", ""),
]
NOTES_A = {  # free text staff wrote about people of conference A
    "QA-101": "Ada Quill showed her passport",
    "QA-102": "Bea Ironside lent her card to a friend",
    "QA-104": "Cal Marsh known to the desk",
    "substitution": "Dee Foxglove is in hospital",
    "token": "Ada Quill laptop",
    "mail": "550 no mailbox ada.quill@example.org",
}
RETENTION_DAYS = 30
PASSWORD = "correct horse battery staple"


def register(people: list[tuple[str, ...]]) -> bytes:
    return csv_bytes(HEADER, [",".join(person) for person in people])


@dataclass
class World:
    a: int  # the conference whose retention ends
    b: int  # another conference, still running (no end date)
    delegates: dict[str, int]  # both conferences' delegates by membership number
    users: dict[str, int]  # ada and cal (only in A), eve (a role in B too), fay (an administrator)
    ends_on: date
    originals: list[str]  # every piece of conference A's personal data, as stored
    store: DatabaseSessionStore


async def build_world(factory: Factory, database_url: str) -> World:
    async with session_scope(factory) as db:
        a = (await create_conference(db, slug="adc-2027", name="Annual Delegate Conference", by=STAFF)).id
        b = (await create_conference(db, slug="tuc-2027", name="Trades Council", by=STAFF)).id
    assert a is not None and b is not None
    ends_on = utcnow().date() - timedelta(days=10)
    async with session_scope(factory) as db:
        await update_settings(db, a, SettingsChange(starts_on=ends_on - timedelta(days=2), ends_on=ends_on,
                                                    retention_days=RETENTION_DAYS), by=STAFF)
    await load(factory, a, bodies=bodies_csv(("LON", 900)), delegates=register(PEOPLE_A))
    await load(factory, b, bodies=bodies_csv(("LON", 500)), delegates=register(PEOPLE_B))
    d = {**await ids(factory, a), **await ids(factory, b)}

    users: dict[str, int] = {}
    async with session_scope(factory) as db:
        for key, (number, name, email, *_rest) in zip(("ada", "cal", "eve", "fay"), [PEOPLE_A[i] for i in (0, 3, 4, 5)],
                                                       strict=True):
            user = await create_user(db, email=email, display_name=name, password=None, is_admin=key == "fay")
            user.password_hash = hash_password(PASSWORD)
            users[key] = user.id  # type: ignore[assignment]
            await accreditation.link_account(db, d[number], user.id, by=STAFF)  # type: ignore[arg-type]
        ada = await db.get(User, users["ada"])
        assert ada is not None
        ada.totp_secret, ada.totp_enabled = new_totp_secret(), True
        await regenerate_recovery_codes(db, users["ada"])
        await create_api_token(db, user_id=users["ada"], name=NOTES_A["token"])
        await grant_role(db, user_id=users["ada"], conference_id=a, role=Role.DELEGATE, by=STAFF)
        await grant_role(db, user_id=users["eve"], conference_id=a, role=Role.OBSERVER, by=STAFF)
        await grant_role(db, user_id=users["eve"], conference_id=b, role=Role.OBSERVER, by=STAFF)

    session_id = await session_now(factory, a)
    async with session_scope(factory) as db:
        for number in ("QA-101", "QA-102", "QA-104"):
            await accreditation.accredit(db, d[number], note=NOTES_A[number], by=STAFF)
        await accreditation.accredit(db, d["QA-103"], note="card seen", by=STAFF)
        await accreditation.revoke(db, d["QA-102"], reason=NOTES_A["QA-102"], by=STAFF)
        await accreditation.substitute(db, absent_id=d["QA-103"], substitute_id=d["QA-104"],
                                       reason=NOTES_A["substitution"], by=STAFF)
        await presence.check_in(db, d["QA-101"], session_id, by=STAFF)
        await presence.check_in(db, d["QA-104"], session_id, by=STAFF)

    async with session_scope(factory) as db:  # an enrolment link used (its mail once bounced), one never used
        later = utcnow() + timedelta(days=7)
        db.add_all([Invitation(conference_id=a, delegate_id=d["QA-101"], user_id=users["ada"], token_hash="1" * 64,
                               expires_at=later, used_at=utcnow(), email_error=NOTES_A["mail"]),
                    Invitation(conference_id=a, delegate_id=d["QA-104"], user_id=users["cal"], token_hash="2" * 64,
                               expires_at=later),
                    VotingCode(conference_id=a, delegate_id=d["QA-102"], code_hash="3" * 64)])

    store = DatabaseSessionStore(Settings(database_url=database_url), factory)
    for key in ("ada", "cal", "eve"):
        await store.create(users[key], mfa_verified=True)
    await store.create(users["eve"], mfa_verified=False, conference_id=a)  # a voting-code login to A only
    originals = [value for person in PEOPLE_A for value in (person[0], person[1], person[2], person[3]) if value]
    return World(a, b, d, users, ends_on, [*originals, "card seen", *NOTES_A.values()], store)


async def scan(factory: Factory, values: list[str]) -> set[tuple[str, str, str]]:
    """(table, column, value) for every text column anywhere in the database that contains one of `values`."""
    hits = set()
    async with factory() as db:
        metadata = MetaData()
        await (await db.connection()).run_sync(lambda conn: metadata.reflect(conn))
        for table in metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String)]
            if not columns:
                continue
            for row in (await db.execute(select(*columns))).all():
                for column, text in zip(columns, row, strict=True):
                    hits |= {(table.name, column.name, v) for v in values if text is not None and v in text}
    return hits


async def snapshot(factory: Factory) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to show that something changed nothing."""
    async with factory() as db:
        metadata = MetaData()
        await (await db.connection()).run_sync(lambda conn: metadata.reflect(conn))
        return {table.name: sorted(tuple(repr(v) for v in row) for row in (await db.execute(select(table))).all())
                for table in metadata.sorted_tables}


async def chain(factory: Factory, scope: str) -> tuple[str, list[str]]:
    """A scope's head and its export, checked with the verifier a returning officer would use."""
    async with session_scope(factory) as db:
        head = await head_of(db, scope)
        assert head is not None
        lines = [line async for line in export_lines(db, scope)]
    assert verify_lines(lines, expected_head=head.hash).ok
    return head.hash, lines
