"""The returning officer's export of a conference: every chain and every ballot's record, with a manifest.

The layout and every field are specified in docs/audit-format.md ("Conference export"),
so that `unionvote audit verify DIR` (voting.verify) and an outsider's own verifier can
recount every ballot. The export holds internal ids only: no names, emails or numbers.
Contents of a ballot that has not closed are never written (nothing is shown before close).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.audit.chain import canonical_json
from unionvote.audit.services import export_lines, scope_of
from unionvote.db import is_postgres
from unionvote.errors import RuleViolation
from unionvote.voting.board import board_document
from unionvote.voting.counting import contents, hall_counts, hall_document, options_of
from unionvote.voting.models import Ballot, ElectorateEntry, Participation, Secrecy
from unionvote.voting.rules import Method
from unionvote.voting.sealed import sealed_rows, sealed_rows_document, sealing_export
from unionvote.voting.sealed_papers import missing_trustees, opened_papers
from unionvote.voting.services import ballots_of
from unionvote.voting.verify_files import FORMAT

MANIFEST = "manifest.json"


def json_file(value: Any) -> bytes:
    """A JSON document file: its canonical JSON and one closing newline."""
    return canonical_json(value) + b"\n"


def json_lines(rows: list[dict[str, Any]]) -> bytes:
    return b"".join(canonical_json(row) + b"\n" for row in rows)


@dataclass
class ExportBundle:
    """The export's files by relative name, gathered from the database before anything is written."""

    data: dict[str, bytes] = field(default_factory=dict)

    def add(self, name: str, data: bytes) -> None:
        self.data[name] = data

    def manifest(self, conference_id: int, ballot_ids: list[int]) -> bytes:
        hashes = {name: hashlib.sha256(data).hexdigest() for name, data in sorted(self.data.items())}
        return json_file({"format": FORMAT, "conference": conference_id, "ballots": ballot_ids, "files": hashes})


@dataclass(frozen=True)
class ExportSummary:
    conference_id: int
    ballots: int
    files: int


async def _chain(db: AsyncSession, scope: str) -> bytes:
    return "".join([line async for line in export_lines(db, scope)]).encode("utf-8")


def ballot_document(ballot: Ballot) -> dict[str, Any]:
    """What was stored for the ballot itself: its question, method, options and rule, and its state."""
    return {
        "ballot": ballot.id, "conference": ballot.conference_id, "title": ballot.title, "question": ballot.question,
        "state": ballot.state, "secrecy": ballot.secrecy, "method": ballot.method,
        "options": [[key, label] for key, label in options_of(ballot)], "max_choices": ballot.max_choices,
        "weighting": ballot.weighting, "card_mode": ballot.card_mode, "rule": json.loads(ballot.rule),
        "follows": ballot.follows_id, "relation": ballot.relation,
        "electorate": None if ballot.electorate_hash is None else {
            "voters": ballot.electorate_size, "weight": ballot.electorate_weight,
            "entitled_weight": ballot.entitled_weight, "hash": ballot.electorate_hash},
        "casting_vote": ballot.casting_vote, "result_hash": ballot.result_hash, "void_reason": ballot.void_reason,
    }


async def _electorate(db: AsyncSession, ballot_id: int) -> list[dict[str, Any]]:
    rows = (await db.execute(select(ElectorateEntry.delegate_id, ElectorateEntry.weight)
                             .where(ElectorateEntry.ballot_id == ballot_id)
                             .order_by(ElectorateEntry.delegate_id))).all()
    return [{"delegate": delegate, "weight": weight} for delegate, weight in rows]


async def _contents(db: AsyncSession, ballot: Ballot) -> list[dict[str, Any]]:
    """Content rows in content-id order; an open ballot's rows also name the delegate who cast them."""
    assert ballot.id is not None
    voters: dict[str, int] = {}
    if ballot.secrecy == Secrecy.OPEN:
        voters = {content: delegate for content, delegate in (await db.execute(
            select(Participation.content_id, Participation.delegate_id)
            .where(Participation.ballot_id == ballot.id))).all()}
    rows = []
    for row in await contents(db, ballot.id):
        item: dict[str, Any] = {"id": row.id, "choice": json.loads(row.choice), "weight": row.weight,
                                "tracker": row.tracker}
        if ballot.secrecy == Secrecy.OPEN:
            item["delegate"] = voters.get(row.id)
        rows.append(item)
    return rows


async def _add_ballot(db: AsyncSession, out: ExportBundle, ballot: Ballot) -> None:
    assert ballot.id is not None
    folder = f"ballots/{ballot.id}"
    out.add(f"{folder}/chain.jsonl", await _chain(db, scope_of("ballot", ballot.id)))
    out.add(f"{folder}/ballot.json", json_file(ballot_document(ballot)))
    if ballot.electorate_hash is not None:
        out.add(f"{folder}/electorate.jsonl", json_lines(await _electorate(db, ballot.id)))
    sealing = await sealing_export(db, ballot)
    if sealing is not None:
        out.add(f"{folder}/sealing.json", json_file(sealing))
    if ballot.closed_at is not None:  # contents exist for the export only once voting has closed
        rows = await _contents(db, ballot)
        sealed = sealed_rows_document(await sealed_rows(db, ballot.id)) if sealing is not None else []
        out.add(f"{folder}/contents.jsonl", json_lines(rows))
        if sealing is not None:
            out.add(f"{folder}/sealed.jsonl", json_lines(sealed))
            out.add(f"{folder}/board.json", json_file(board_document(ballot.id, (r["tracker"] for r in sealed))))
        if sealing is not None and ballot.method == Method.RANKED and not await missing_trustees(db, ballot):
            out.add(f"{folder}/papers.jsonl", json_lines(await opened_papers(db, ballot) or []))
        out.add(f"{folder}/hall.jsonl", json_lines(hall_document(await hall_counts(db, ballot.id))))
        listed = sorted(r["tracker"] for r in [*rows, *sealed])
        out.add(f"{folder}/trackers.txt", "".join(f"{t}\n" for t in listed).encode())
    if ballot.result is not None:
        out.add(f"{folder}/result.json", json_file(json.loads(ballot.result)))


async def collect_export(db: AsyncSession, conference_id: int) -> tuple[ExportBundle, list[int]]:
    """Read the conference's chain and every ballot's record, in one snapshot where the database allows."""
    if is_postgres(db):  # one snapshot for every file, even while the conference carries on
        await db.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    ballots = sorted(await ballots_of(db, conference_id), key=lambda b: b.id or 0)
    out = ExportBundle()
    out.add(f"chains/conference-{conference_id}.jsonl", await _chain(db, scope_of("conference", conference_id)))
    for ballot in ballots:
        await _add_ballot(db, out, ballot)
    return out, [b.id for b in ballots if b.id is not None]


def check_destination(root: Path) -> None:
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise RuleViolation(f"{root} is not an empty directory; choose a new one for the export.")


def write_export(root: Path, conference_id: int, files: ExportBundle, ballot_ids: list[int]) -> ExportSummary:
    """Write the files, then the manifest of their SHA-256 hashes, into the empty (or new) directory `root`."""
    check_destination(root)
    for name, data in files.data.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (root / MANIFEST).write_bytes(files.manifest(conference_id, ballot_ids))
    return ExportSummary(conference_id, len(ballot_ids), len(files.data) + 1)
