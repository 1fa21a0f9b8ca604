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
from unionvote.consult.models import Participant, Rating, Thought
from unionvote.security import token_digest

# "What was said or rated": none of these may point at a person, a login or a join, or carry a time.
CONTENT_TABLES = ("consult_participant", "consult_thought", "consult_rating", "consult_report")
# "Who has joined": these may not point at the content side.
JOIN_TABLES = ("consult_joined", "consult_invitation")
PEOPLE_TABLES = {"user_account", "consult_joined", "consult_invitation", "delegate"}


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


def _xmin_pairs(join_table: str, person: str) -> str:
    """Each join-side row beside every participant row whose transaction id is the same or next to it."""
    return (f"SELECT j.{person}, p.key_hash FROM {join_table} j JOIN consult_participant p "  # noqa: S608
            "ON abs(j.xmin::text::bigint - p.xmin::text::bigint) <= 1 WHERE j.consultation_id = :cid")


async def test_on_postgresql_neither_the_xmin_join_nor_the_order_join_pairs_a_person_with_their_participant(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    """Members join one after another and take part later in another order, as links sent by email are used.

    The join writes only "has joined"; the participant row is written by the member's first thought or
    rating, in its own transaction, so neither `xmin = xmin` nor `xmin - 1 = xmin` names anyone. (Timing
    still can when one person joins and acts while nobody else does: docs/consultation-anonymity.md says so.)
    """
    async with app_db(app) as db:
        if db.get_bind().dialect.name != "postgresql":
            pytest.skip("xmin is PostgreSQL's")
    conference_id, people, user_ids = await delegates(app, client, 3)
    admin, admin_id = await staff(app, client)
    delegate_cid = await consultation(app, admin_id, conference_id=conference_id)
    invited_cid = await consultation(app, admin_id, conference_id=None, audience="invited")
    listing = "reference\n" + "".join(f"m{i}@example.org\n" for i in range(4))
    issued = await admin.post(f"/consultations/{invited_cid}/invitations",
                              files={"file": ("people.csv", listing.encode(), "text/csv")})
    links = [row["link"].split("127.0.0.1:8000", 1)[1]
             for row in csv.DictReader(io.StringIO(issued.content.decode("utf-8-sig")))]
    members = [Visitor(client) for _ in links]

    for member, link in zip(members, links, strict=True):
        assert (await member.post(link, data={})).status_code == 303
    for person in people:
        await join(person, delegate_cid)
    async with app_db(app) as db:  # joining wrote no participant at all
        assert (await db.execute(select(Participant))).first() is None

    truth: dict[str, str] = {}  # key hash -> the person, from the keys their browsers hold
    for n in (2, 0, 3, 1):
        assert (await share(members[n], invited_cid, f"Member {n}: staff the night shift properly")).status_code == 303
        truth[token_digest(members[n].jar[f"uv_consult_{invited_cid}"])] = f"m{n}@example.org"
    for n in (1, 2, 0):
        assert (await share(people[n], delegate_cid, f"Delegate {n}: crèche at conference")).status_code == 303
        truth[token_digest(people[n].jar[f"uv_consult_{delegate_cid}"])] = str(user_ids[n])

    async with app_db(app) as db:
        assert len((await db.execute(select(Participant))).all()) == 7
        paired = [*(await db.execute(text(_xmin_pairs("consult_invitation", "reference")), {"cid": invited_cid})),
                  *(await db.execute(text(_xmin_pairs("consult_joined", "user_id")), {"cid": delegate_cid}))]
        same = (await db.execute(text(
            "SELECT count(*) FROM consult_participant p WHERE p.xmin IN "
            "(SELECT xmin FROM consult_invitation UNION SELECT xmin FROM consult_joined)"))).scalar_one()
    assert same == 0
    assert not [(person, key) for person, key in paired if truth[key] == str(person)]
