"""Every secret conference ballot is sealed as it opens, whatever its method and weighting, with no switch to
set; a cast writes no readable choice anywhere in the database; and what the database holds of a vote (its
row id, its retry check, the token's hash) cannot be tested against the possible choices."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Connection

from tests.integration.conferences.builders import STAFF
from tests.integration.voting.test_sealed import cast_and_retry, hall
from tests.integration.voting.world import Factory, Floor, open_new, token
from unionvote.audit.chain import canonical_json
from unionvote.audit.models import AuditEntry
from unionvote.conferences.settings import SettingsChange, update_settings
from unionvote.db import session_scope
from unionvote.errors import RuleViolation
from unionvote.voting.casting import cast_vote
from unionvote.voting.export import collect_export
from unionvote.voting.models import (
    BallotContent,
    BallotSealing,
    Participation,
    SealedVote,
    SealingMode,
    Secrecy,
    Weighting,
)
from unionvote.voting.rules import Majority, Method, Rule
from unionvote.voting.sealed import retry_check
from unionvote.voting.services import BallotSpec, close_ballot, create_ballot, declare_result, open_ballot

OPTIONS = (("zanzibar", "Zanzibar"), ("quokka", "Quokka"), ("vermilion", "Vermilion"))
PLURALITY = Rule(majority=Majority.PLURALITY)
# Each case: the ballot, how L1, L2, M1 and C1 vote ("" is a blank paper), and the declared online figures.
CASES: list[tuple[str, BallotSpec, dict[str, str], dict[str, str]]] = [
    ("for/against, hands", BallotSpec(title="Motion 4", question="?"),
     {"L1": "for", "L2": "against", "M1": "for", "C1": "abstain"}, {"for": "2", "against": "1", "abstain": "1"}),
    ("one of three, hands", BallotSpec(title="Venue", question="?", method=Method.ONE_OF, options=OPTIONS,
                                       rule=PLURALITY),
     {"L1": "quokka", "L2": "zanzibar", "M1": "quokka"}, {"zanzibar": "1", "quokka": "2", "vermilion": "0"}),
    ("up to two, hands", BallotSpec(title="Themes", question="?", method=Method.UP_TO, options=OPTIONS,
                                    max_choices=2, rule=PLURALITY),
     {"L1": "zanzibar,vermilion", "L2": "vermilion", "M1": ""}, {"zanzibar": "1", "quokka": "0", "vermilion": "2"}),
    ("card vote, block", BallotSpec(title="Motion 5", question="?", weighting=Weighting.CARD),
     {"L1": "for", "M1": "against", "C1": "for"}, {"for": "1400", "against": "600", "abstain": "0"}),
]
SPLIT = ("card vote, split", BallotSpec(title="Motion 6", question="?", weighting=Weighting.CARD),
         {"L1": "for", "L2": "against", "M1": "against"}, {"for": "500", "against": "1100", "abstain": "0"})
WORDS = re.compile(r"for|against|abstain|zanzibar|quokka|vermilion", re.IGNORECASE)
__all__ = ["hall"]  # the floor of the sealed ballots' tests: London 1000, Manchester 600, Cardiff 400


def _dump(conn: Connection) -> dict[str, Counter[str]]:
    """Every row of every table, as text: what a dump or a backup holds."""
    dump = {}
    for table in inspect(conn).get_table_names():
        rows = conn.execute(text(f'SELECT * FROM "{table}"')).mappings().all()  # noqa: S608 - our own table names
        dump[table] = Counter(json.dumps(dict(row), sort_keys=True, default=str) for row in rows)
    return dump


async def whole_database(factory: Factory) -> dict[str, Counter[str]]:
    async with factory() as db:
        return await (await db.connection()).run_sync(_dump)


def written(before: dict[str, Counter[str]], after: dict[str, Counter[str]]) -> dict[str, list[str]]:
    """The rows that are new or changed since `before`, by table."""
    return {table: list((rows - before.get(table, Counter())).elements()) for table, rows in after.items()
            if rows - before.get(table, Counter())}


def shape(value: Any) -> Any:
    """A JSON value with every string replaced by its length: equal for any two votes, whatever they chose."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(v) for v in value]
    return len(value) if isinstance(value, str) else value


async def _cast_all(factory: Factory, hall: Floor, ballot_id: int, choices: dict[str, str]) -> None:
    for number, choice in choices.items():
        async with session_scope(factory) as db:
            await cast_vote(db, ballot_id, user_id=hall.users[number], choice=choice.split(",") if choice else [],
                            token=token())


async def _check_case(factory: Factory, hall: Floor, name: str, spec: BallotSpec, choices: dict[str, str],
                      online: dict[str, str]) -> None:
    ballot_id = await open_new(factory, hall.conference_id, spec)  # nothing asks for sealing: it is the default
    async with factory() as db:
        sealing = await db.get(BallotSealing, ballot_id)
    assert sealing is not None and sealing.mode == "server", name
    before = await whole_database(factory)
    await _cast_all(factory, hall, ballot_id, choices)
    new = written(before, await whole_database(factory))
    # A cast writes who voted and a sealed vote: nothing else, no readable content row, no choice anywhere.
    assert set(new) == {"ballot_participation", "ballot_sealed_vote"}, (name, set(new))
    assert len(new["ballot_sealed_vote"]) == len(choices), name
    assert not [row for rows in new.values() for row in rows if WORDS.search(row)], name
    sealed = [json.loads(json.loads(row)["sealed"]) for row in new["ballot_sealed_vote"]]
    assert len({json.dumps(shape(s)) for s in sealed}) == 1, name  # the same shape, whatever was chosen
    async with session_scope(factory) as db:
        await close_ballot(db, ballot_id, by=STAFF)
    async with session_scope(factory) as db:
        result = json.loads((await declare_result(db, ballot_id, by=STAFF)).result or "{}")
    assert result["online"]["choices"] == online, name
    assert result["sealed"]["mode"] == "server", name
    async with factory() as db:
        assert not (await db.execute(select(BallotContent))).scalars().all(), name
        created = (await db.execute(select(AuditEntry).where(AuditEntry.scope == f"ballot:{ballot_id}",
                                                             AuditEntry.action == "ballot.created"))).scalar_one()
    assert json.loads(created.payload)["sealing"] == "server", name  # the record says which mode


async def test_every_secret_method_and_weighting_is_sealed_and_a_cast_writes_no_readable_choice(
        factory: Factory, hall: Floor) -> None:
    for case in CASES:
        await _check_case(factory, hall, *case)
    async with session_scope(factory) as db:
        await update_settings(db, hall.conference_id, SettingsChange(card_vote_mode="split"), by=STAFF)
    await _check_case(factory, hall, *SPLIT)


async def test_an_open_ballot_stays_in_the_clear(factory: Factory, hall: Floor) -> None:
    ballot_id = await open_new(factory, hall.conference_id, BallotSpec(title="Report", question="Accept?",
                                                                       secrecy=Secrecy.OPEN))
    await _cast_all(factory, hall, ballot_id, {"L1": "against"})
    async with factory() as db:
        assert await db.get(BallotSealing, ballot_id) is None
        [content] = (await db.execute(select(BallotContent))).scalars().all()
        [voter] = (await db.execute(select(Participation))).scalars().all()
    assert content.choice == '["against"]' and voter.content_id == content.id


def _hmacs(key: bytes, message: bytes) -> set[str]:
    digest = hmac.new(key, message, hashlib.sha256).hexdigest()
    return {digest, digest[:32]}


async def test_a_database_reader_with_a_voters_token_cannot_test_the_choices(
        factory: Factory, hall: Floor, monkeypatch: pytest.MonkeyPatch) -> None:
    """The worst case for the voter: a token weak enough to be found from its hash in the database, or shown to
    a coercer. Every value a cast stores or exports is either the same for every choice (the row id) or needs the
    server's sealing key as well (the retry check), so no possible choice can be tried against it."""
    monkeypatch.setenv("UNIONVOTE_SEALING_KEY", "the sealing key, in a file the database never sees")
    ballot_id = await open_new(factory, hall.conference_id)
    weak = "a" * 22  # the shortest token the pattern allows, and the first a guesser tries
    await cast_and_retry(factory, ballot_id, hall.users["L1"], weak, "against", "for")
    async with session_scope(factory) as db:
        await close_ballot(db, ballot_id, by=STAFF)
    async with factory() as db:
        [voter] = (await db.execute(select(Participation))).scalars().all()
        [row] = (await db.execute(select(SealedVote))).scalars().all()
        files, _ = await collect_export(db, hall.conference_id)
    assert voter.token_hash == hashlib.sha256(f"{ballot_id}:{weak}".encode()).hexdigest()  # the guess is confirmed
    exported = b"".join(files.data.values()).decode()
    assert row.id in exported and row.retry_check not in exported  # the id is public; the retry check is not
    dump = await whole_database(factory)
    stored = set(re.findall(r"[0-9a-f]{32,64}", json.dumps({k: list(v) for k, v in dump.items()}) + exported))
    for choice in ("for", "against", "abstain"):
        chosen = canonical_json([choice])
        for prefix in ("ballot-sealed", "ballot-retry", "ballot-content"):
            for key in (weak.encode(), hashlib.sha256(f"{ballot_id}:{weak}".encode()).digest()):
                for message in (f"{prefix}:{ballot_id}:".encode() + chosen, f"{prefix}:{ballot_id}".encode() + chosen):
                    assert not _hmacs(key, message) & stored, choice
    # Only with the sealing key as well does the retry check tell the choice (that is what refuses a changed vote).
    assert [c for c in ("for", "against", "abstain") if retry_check(ballot_id, weak, [c]) == row.retry_check] \
        == ["against"]
    monkeypatch.setenv("UNIONVOTE_SEALING_KEY", "a guess by someone who holds only the database, long enough")
    assert not [c for c in ("for", "against", "abstain") if retry_check(ballot_id, weak, [c]) == row.retry_check]


async def test_a_ballot_for_the_trustees_needs_their_keys_before_it_opens(factory: Factory, hall: Floor) -> None:
    async with session_scope(factory) as db:
        ballot = await create_ballot(db, hall.conference_id, BallotSpec(title="Motion 7", question="?",
                                                                        sealing=SealingMode.TRUSTEES), by=STAFF)
        ballot_id = ballot.id
        assert ballot.sealing == "trustees"
    async with session_scope(factory) as db:
        with pytest.raises(RuleViolation, match="no trustee has registered a key"):
            await open_ballot(db, ballot_id, by=STAFF)  # type: ignore[arg-type]
    async with factory() as db:
        assert await db.get(BallotSealing, ballot_id) is None
