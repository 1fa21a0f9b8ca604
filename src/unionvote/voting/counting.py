"""Counting a ballot from the database: turnout, the online and hall tallies, the result document.

Everything is read from the tables at the moment of asking, never from counters in memory.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.audit.chain import canonical_json
from unionvote.voting.models import Ballot, BallotContent, ElectorateEntry, HallCount, Participation
from unionvote.voting.rules import Choices, Method, Rule, Tally, decide, fraction_text

if TYPE_CHECKING:
    from unionvote.voting.sealed import SealedCount

INDICATIVE_NOTE = "This result is indicative: unionvote does not run statutory ballots."


def options_of(ballot: Ballot) -> list[tuple[str, str]]:
    return [(key, label) for key, label in json.loads(ballot.options)]


def choices_of(ballot: Ballot) -> Choices:
    return Choices(Method(ballot.method), tuple(key for key, _ in options_of(ballot)), ballot.max_choices)


def rule_of(ballot: Ballot) -> Rule:
    return Rule.from_dict(json.loads(ballot.rule))


@dataclass(frozen=True)
class Turnout:
    voters: int
    weight: Fraction
    electorate: int
    electorate_weight: Fraction


async def turnout(db: AsyncSession, ballot: Ballot) -> Turnout:
    """How many have voted, and their weight: counts only, safe to show while voting runs."""
    assert ballot.id is not None
    voters = (await db.execute(
        select(func.count()).select_from(Participation).where(Participation.ballot_id == ballot.id)
    )).scalar_one()
    weights = (await db.execute(
        select(ElectorateEntry.weight).join(
            Participation, (Participation.ballot_id == ElectorateEntry.ballot_id)
            & (Participation.delegate_id == ElectorateEntry.delegate_id))
        .where(ElectorateEntry.ballot_id == ballot.id)
    )).scalars()
    return Turnout(voters, sum((Fraction(w) for w in weights), Fraction(0)), ballot.electorate_size or 0,
                   Fraction(ballot.electorate_weight or 0))


async def contents(db: AsyncSession, ballot_id: int) -> list[BallotContent]:
    """The ballot contents in content-id order (random, so it says nothing about who or when)."""
    return list((await db.execute(
        select(BallotContent).where(BallotContent.ballot_id == ballot_id).order_by(BallotContent.id)
    )).scalars())


async def hall_counts(db: AsyncSession, ballot_id: int) -> list[HallCount]:
    """By section name in code-point order (sorted here: a database's collation would vary the order)."""
    return sorted((await db.execute(select(HallCount).where(HallCount.ballot_id == ballot_id))).scalars(),
                  key=lambda entry: entry.section)


def online_tally(rows: list[BallotContent]) -> Tally:
    tally = Tally()
    for row in rows:
        tally.add(json.loads(row.choice), Fraction(row.weight))
    return tally


def hall_tally(entries: list[HallCount]) -> Tally:
    tally = Tally()
    for entry in entries:
        for key, count in json.loads(entry.counts).items():
            tally.weights[key] = tally.weights.get(key, Fraction(0)) + count
        tally.papers += entry.papers
        tally.invalid += entry.invalid
        tally.voters += entry.papers + entry.invalid
    return tally


def digest(value: Any) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()


def contents_document(rows: list[BallotContent]) -> list[dict[str, Any]]:
    return [{"id": r.id, "choice": json.loads(r.choice), "weight": r.weight, "tracker": r.tracker} for r in rows]


def hall_document(entries: list[HallCount]) -> list[dict[str, Any]]:
    return [{"section": e.section, "counts": json.loads(e.counts), "papers": e.papers, "invalid": e.invalid,
             "teller": e.teller_id} for e in entries]


def result_document(ballot: Ballot, rows: list[BallotContent], hall: list[HallCount],
                    casting_vote: str | None, sealed: SealedCount | None = None) -> dict[str, Any]:
    """The canonical result: every figure the declaration rests on, and the rule that turned them into it.

    For a sealed ballot the online figures are the decrypted totals (`sealed`), recorded with the sealed count."""
    choices, rule = choices_of(ballot), rule_of(ballot)
    online = sealed.online if sealed is not None else online_tally(rows)
    in_hall = hall_tally(hall)
    combined = online.merged(in_hall)
    present = Fraction(ballot.electorate_weight or 0) + in_hall.papers + in_hall.invalid
    entitled = Fraction(ballot.entitled_weight or 0)
    decision = decide(rule, choices, combined, present=present, entitled=entitled, casting_vote=casting_vote)
    document = {
        "ballot": ballot.id,
        "title": ballot.title,
        "method": ballot.method,
        "options": [[key, label] for key, label in options_of(ballot)],
        "max_choices": ballot.max_choices,
        "weighting": ballot.weighting,
        "rule": rule.as_dict(),
        "rule_text": rule.describe(),
        "electorate": {"voters": ballot.electorate_size or 0, "weight": ballot.electorate_weight or "0",
                       "hash": ballot.electorate_hash, "entitled_weight": ballot.entitled_weight or "0",
                       "present_weight": fraction_text(present)},
        "online": online.as_dict(choices.options),
        "hall": hall_document(hall),
        "hall_total": in_hall.as_dict(choices.options),
        "combined": combined.as_dict(choices.options),
        "contents_hash": sealed.contents_hash if sealed is not None else digest(contents_document(rows)),
        "casting_vote": casting_vote,
        "decision": decision.as_dict(),
        "indicative": INDICATIVE_NOTE,
    }
    if sealed is not None:
        document["sealed"] = sealed.summary
    return document
