"""Anonymous means unlinkable: no table, log line or audit entry ties a person to a thought or rating."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import DateTime, inspect, select, text
from sqlalchemy.exc import OperationalError

from tests.helpers import Visitor, app_db, audit_entries
from tests.integration.consult.world import consultation, delegates, join, share, staff, thought_on_page
from tests.integration.secrecy.evidence import Row
from unionvote.consult.models import Participant, Rating, Thought
from unionvote.security import token_digest

# "What was said or rated": none of these may point at a person, a login or a join, or carry a time.
CONTENT_TABLES = ("consult_participant", "consult_thought", "consult_rating", "consult_report")
# "Who has joined": these may not point at the content side.
JOIN_TABLES = ("consult_claim", "consult_invitation")
PEOPLE_TABLES = {"user_account", "consult_claim", "consult_invitation", "delegate", "user_session"}


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage() + " " + " ".join(f"{k}={v}" for k, v in vars(record).items()))


@pytest.fixture
def log_lines() -> Iterator[list[str]]:
    handler, root = Collect(), logging.getLogger()
    root.addHandler(handler)
    old = root.level
    root.setLevel(logging.INFO)  # the level a deployment runs at; DEBUG would echo SQL parameters
    yield handler.lines
    root.removeHandler(handler)
    root.setLevel(old)


async def test_the_schema_keeps_who_joined_apart_from_what_they_said(app: Litestar) -> None:
    async with app_db(app) as db:
        def describe(sync_conn: object) -> dict[str, tuple[list[dict], list[dict], dict]]:
            inspector = inspect(sync_conn)
            return {t: (inspector.get_columns(t), inspector.get_foreign_keys(t), inspector.get_pk_constraint(t))
                    for t in CONTENT_TABLES + JOIN_TABLES}
        tables = await (await db.connection()).run_sync(describe)

    for table in CONTENT_TABLES:
        columns, keys, primary = tables[table]
        assert {k["referred_table"] for k in keys}.isdisjoint(PEOPLE_TABLES), table
        assert not [c["name"] for c in columns if isinstance(c["type"], DateTime)], f"{table} has a timestamp"
        pk = next(c for c in columns if c["name"] == primary["constrained_columns"][0])
        assert "INT" not in str(pk["type"]).upper(), f"{table} has an insertion-ordered id"
        assert not {"user_id", "invitation_id", "delegate_id"} & {c["name"] for c in columns}
    async with app_db(app) as db:
        if db.get_bind().dialect.name == "sqlite":  # no hidden rowid counting up in insertion order either
            for table in CONTENT_TABLES:
                with pytest.raises(OperationalError, match="no such column: rowid"):
                    await db.execute(text(f"SELECT rowid FROM {table}"))  # noqa: S608 - our own table names
    # A claim says "someone joined": a keyed mark and the consultation, nothing that names or orders anyone.
    assert {c["name"] for c in tables["consult_claim"][0]} == {"mark", "consultation_id"}
    assert tables["consult_claim"][2]["constrained_columns"] == ["mark"]
    for table in JOIN_TABLES:
        columns, keys, _ = tables[table]
        assert {k["referred_table"] for k in keys}.isdisjoint(set(CONTENT_TABLES)), table
        assert not [c["name"] for c in columns if isinstance(c["type"], DateTime)], f"{table} has a timestamp"


async def test_nothing_links_a_delegate_to_their_thoughts_or_ratings_in_anonymous_mode(
    app: Litestar, client: AsyncTestClient[Litestar], log_lines: list[str],
) -> None:
    conference_id, people, user_ids = await delegates(app, client, 3)
    admin, admin_id = await staff(app, client)
    cid = await consultation(app, admin_id, conference_id=conference_id, anonymity="anonymous")
    for i, person in enumerate(people):
        await join(person, cid, region="North" if i else "South")
        await share(person, cid, f"Tip number {i}: ask about term-time working")
    for person in people:
        for _ in range(2):
            thought = thought_on_page((await person.get(f"/consult/{cid}/star")).text)
            await person.post(f"/consult/{cid}/star", data={"thought": thought, "stars": "4"})
    for name in ("comments.csv", "votes.csv", "participants-votes.csv", "consultation.json"):
        assert (await admin.get(f"/consultations/{cid}/exports/{name}")).status_code == 200

    async with app_db(app) as db:
        participants = list((await db.execute(select(Participant))).scalars())
        content_ids = ({p.id for p in participants} | set((await db.execute(select(Thought.id))).scalars())
                       | set((await db.execute(select(Rating.id))).scalars()))
    assert len(participants) == 3 and all(p.person_ref is None for p in participants)
    assert len(content_ids) == 3 + 3 + 6
    # No log line names a pseudonym, a thought or a rating at all, so none can pair one with a user.
    assert log_lines and not [line for line in log_lines if any(ident in line for ident in content_ids)]
    assert any(f"user_id={uid}" in line for line in log_lines for uid in user_ids)  # the logs do name people
    entries = await audit_entries(app)
    assert entries and not [e for e in entries if any(ident in e.payload for ident in content_ids)]


async def test_in_confidential_mode_the_participant_row_names_the_person(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    conference_id, people, user_ids = await delegates(app, client, 1)
    _, admin_id = await staff(app, client)
    cid = await consultation(app, admin_id, conference_id=conference_id, anonymity="confidential")
    await join(people[0], cid)
    async with app_db(app) as db:
        [participant] = (await db.execute(select(Participant))).scalars()
    assert participant.person_ref == f"user:{user_ids[0]}"


def _participant_of(table: str, values: dict[str, object]) -> str | None:
    """Whose pseudonym a content row carries (a participant row is its own)."""
    return str(values["id"]) if table == "consult_participant" else values.get("participant_id")  # type: ignore[return-value]


async def _every_row(db: object) -> list[Row]:
    """Every row of every table, with its transaction id and physical place, as a database reader has them."""
    tables = (await db.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))).scalars()  # type: ignore[attr-defined]
    rows = []
    for table in list(tables):
        for values, xmin, ctid in await db.execute(text(  # type: ignore[attr-defined]
                f'SELECT row_to_json(t), t.xmin::text::bigint, t.ctid::text FROM "{table}" t')):  # noqa: S608
            block, offset = ctid.strip("()").split(",")
            rows.append(Row(table, values, xmin, (int(block), int(offset))))
    return rows


def _names(person: tuple[str, object], row: Row) -> bool:
    """Does this row say who the person is (their account, session, register entry, link or join)?"""
    kind, who = person
    if kind == "member":
        return row.table == "consult_invitation" and row.values["reference"] == who
    return (row.table == "user_account" and row.values["id"] == who) or (
        row.table not in CONTENT_TABLES and row.values.get("user_id") == who)


async def test_on_postgresql_no_transaction_id_or_row_order_ties_a_person_to_their_participant(
    app: Litestar, client: AsyncTestClient[Litestar], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The worst case for the joins: each person joins and shares at once, one after another, while nobody
    else does anything; the delegates logged in a while before and come back to share after a pause.

    A database reader tries every row that names a person (their invitation, account, session, register
    entry) against every content row (participant, thought) written in the same transaction or up to two
    either side; and the order joins: the people in each table's transaction-id and physical order, beside
    the participants in theirs. None of them pairs anyone with their own participant. (What timing still
    tells is in docs/consultation-anonymity.md.)
    """
    async with app_db(app) as db:
        if db.get_bind().dialect.name != "postgresql":
            pytest.skip("xmin and ctid are PostgreSQL's")
    conference_id, people, user_ids = await delegates(app, client, 3)
    admin, admin_id = await staff(app, client)
    delegate_cid = await consultation(app, admin_id, conference_id=conference_id)
    invited_cid = await consultation(app, admin_id, conference_id=None, audience="invited")
    listing = "reference\n" + "".join(f"m{i}@example.org\n" for i in range(6))
    issued = await admin.post(f"/consultations/{invited_cid}/invitations",
                              files={"file": ("people.csv", listing.encode(), "text/csv")})
    links = [row["link"].split("127.0.0.1:8000", 1)[1]
             for row in csv.DictReader(io.StringIO(issued.content.decode("utf-8-sig")))]

    for n in (1, 2, 0):
        await join(people[n], delegate_cid)
    async with app_db(app) as db:  # the delegates will come back after a few minutes
        await db.execute(text("UPDATE user_session SET last_seen_at = last_seen_at - interval '5 minutes'"))
    truth: dict[tuple[str, object], str] = {}  # person -> the key hash their browser holds
    for n in (3, 5, 0, 4, 1, 2):  # links are used in any order, not the list's
        member = Visitor(client)
        assert (await member.post(links[n], data={})).status_code == 303
        assert (await share(member, invited_cid, f"Member {n}: staff the night shift properly")).status_code == 303
        truth[("member", f"m{n}@example.org")] = token_digest(member.jar[f"uv_consult_{invited_cid}"])
    # Back: their sessions are due a "last seen" write, and no worker remembers their login any more.
    monkeypatch.setattr(app.state.credential_cache, "seconds", 0)
    for n in (2, 0, 1):
        assert (await share(people[n], delegate_cid, f"Delegate {n}: a crèche at conference")).status_code == 303
        truth[("delegate", user_ids[n])] = token_digest(people[n].jar[f"uv_consult_{delegate_cid}"])

    async with app_db(app) as db:
        rows = await _every_row(db)
    pseudonym = {r.values["key_hash"]: r.values["id"] for r in rows if r.table == "consult_participant"}
    own = {person: pseudonym[key] for person, key in truth.items()}
    content = [r for r in rows if r.table in CONTENT_TABLES]
    for person, participant in own.items():
        named = [r for r in rows if _names(person, r)]
        assert named, person
        near = {_participant_of(c.table, c.values) for r in named for c in content if abs(c.xmin - r.xmin) <= 2}
        assert participant not in near, f"{person} is tied to their participant by transaction id"

    for cid, kind in ((invited_cid, "member"), (delegate_cid, "delegate")):
        persons = [p for p in own if p[0] == kind]
        participants = [r for r in rows if r.table == "consult_participant" and r.values["consultation_id"] == cid]
        for order in (lambda r: (r.xmin, r.ctid), lambda r: r.ctid):  # rows written together: in physical order
            ranked_participants = [r.values["id"] for r in sorted(participants, key=order)]
            for table in {r.table for p in persons for r in rows if _names(p, r)}:
                first = {p: min((r for r in rows if r.table == table and _names(p, r)), key=order, default=None)
                         for p in persons}
                if None in first.values():
                    continue
                ranked_people = sorted(persons, key=lambda p: order(first[p]))  # type: ignore[arg-type]
                paired = [p for p, pid in zip(ranked_people, ranked_participants, strict=True) if own[p] == pid]
                assert paired == [], f"{table}'s row order pairs {paired} with their participants"
