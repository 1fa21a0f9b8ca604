"""The file export of one member ballot, for checking it independently: `unionvote audit export --member-ballot`.

The same conventions as the conference export (docs/audit-format.md): canonical JSON files,
JSON Lines, a manifest of SHA-256 hashes, and the ballot's own chain, so `unionvote audit
verify DIR` (ballots.verify) recomputes every hash the chain holds. Member ids only: no
names, emails, mobiles or membership numbers. A sealed ballot has sealing.json and, once
voting has closed, sealed.jsonl: every sealed answer with its proofs and its voter's segments
(so anyone can recompute each segment's sum; a small segment's sum is never decrypted). A
ballot cast in the clear before sealing has contents.jsonl instead, with no segments (that would
undo the suppression of small groups).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.audit.services import export_lines
from unionvote.ballots.models import Member, MemberBallot, MemberContent
from unionvote.ballots.sealed import sealed_rows, sealing_export
from unionvote.ballots.services import get_ballot, labels_of, questions_of, scope_for
from unionvote.db import is_postgres
from unionvote.voting.board import board_document
from unionvote.voting.export import MANIFEST, check_destination, json_file, json_lines

FORMAT = "unionvote-member-ballot-export/1"
ID_BATCH = 50_000


def ballot_document(ballot: MemberBallot, questions: list[Any]) -> dict[str, Any]:
    return {
        "ballot": ballot.id, "slug": ballot.slug, "title": ballot.title, "state": ballot.state,
        "questions": [{"id": q.id, "position": q.position, "text": q.text,
                       "options": [[key, label] for key, label in labels_of(q)]} for q in questions],
        "turnout_percent": ballot.turnout_percent, "yes_percent": ballot.yes_percent,
        "min_segment": ballot.min_segment, "electorate_sha256": ballot.electorate_hash,
        "electorate_size": ballot.electorate_size, "contents_sha256": ballot.contents_hash,
        "result_sha256": ballot.result_hash,
    }


async def _member_ids(db: AsyncSession, ballot_id: int, *, voted: bool) -> list[dict[str, int]]:
    which = Member.voted_at.is_not(None) if voted else Member.removed_at.is_(None)
    rows: list[dict[str, int]] = []
    after = 0
    while True:
        ids = (await db.execute(select(Member.id).where(Member.ballot_id == ballot_id, which, Member.id > after)
                                .order_by(Member.id).limit(ID_BATCH))).scalars().all()
        if not ids:
            return rows
        rows += [{"member": ident} for ident in ids]
        after = ids[-1]


async def _contents(db: AsyncSession, questions: list[Any]) -> list[dict[str, Any]]:
    rows = []
    for question in questions:
        for content, choice, tracker in (await db.execute(
                select(MemberContent.id, MemberContent.choice, MemberContent.tracker)
                .where(MemberContent.question_id == question.id).order_by(MemberContent.id))).all():
            rows.append({"question": question.id, "id": content, "choice": json.loads(choice), "tracker": tracker})
    return rows


async def collect_member_export(db: AsyncSession, ballot_id: int) -> dict[str, bytes]:
    """Every file of the export by name, read in one snapshot where the database allows."""
    if is_postgres(db):
        await db.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    ballot = await get_ballot(db, ballot_id)
    questions = await questions_of(db, ballot_id)
    files = {
        "chain.jsonl": "".join([line async for line in export_lines(db, scope_for(ballot_id))]).encode("utf-8"),
        "ballot.json": json_file(ballot_document(ballot, questions)),
    }
    if ballot.opened_at is not None:
        files["electorate.jsonl"] = json_lines(await _member_ids(db, ballot_id, voted=False))
    sealing = await sealing_export(db, ballot)
    if sealing is not None:
        files["sealing.json"] = json_file(sealing)
    if ballot.closed_at is not None:
        files["participation.jsonl"] = json_lines(await _member_ids(db, ballot_id, voted=True))
        if sealing is not None:
            lines, trackers = [], []
            async for row in sealed_rows(db, questions):
                lines.append(row.line())
                trackers.append(row.tracker)
            files["sealed.jsonl"] = b"".join(lines)
            files["board.json"] = json_file(board_document(ballot_id, trackers, "member_ballot"))
        else:
            rows = await _contents(db, questions)
            files["contents.jsonl"] = json_lines(rows)
            trackers = [r["tracker"] for r in rows]
        files["trackers.txt"] = "".join(f"{t}\n" for t in sorted(trackers)).encode()
    if ballot.result is not None:
        files["result.json"] = ballot.result.encode("utf-8") + b"\n"
    return files


def write_member_export(root: Path, ballot_id: int, files: dict[str, bytes]) -> int:
    """Write the files and the manifest into the new or empty directory `root`; the number of files."""
    check_destination(root)
    root.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (root / name).write_bytes(data)
    hashes = {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())}
    (root / MANIFEST).write_bytes(json_file({"format": FORMAT, "member_ballot": ballot_id, "files": hashes}))
    return len(files) + 1
