"""A member ballot's file export: written by `unionvote audit export --member-ballot`, checked by `audit verify`."""

from __future__ import annotations

import functools
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.integration.ballots.world import export_member_ballot, make_ballot, verify_export
from unionvote.ballots.casting import cast_member_vote
from unionvote.ballots.members import remove_member
from unionvote.ballots.models import Member
from unionvote.ballots.results import declare_result
from unionvote.ballots.services import close_ballot, questions_of
from unionvote.cli import main
from unionvote.db import session_scope
from unionvote.voting.receipts import new_token

ANSWERS = ["yes", "yes", "no", "yes", "no", "yes", "yes"]


async def _run_ballot(factory: async_sessionmaker[AsyncSession], *, close: bool) -> int:
    """Ten members; one leaves after opening; seven vote; then (close=True) closed and declared."""
    ballot_id = await make_ballot(factory, {"Acme": 6, "Globex": 4})
    async with session_scope(factory) as db:
        await remove_member(db, ballot_id, "M10", "Left the union", by=None)
        [question] = await questions_of(db, ballot_id)
        members = (await db.execute(select(Member.id).where(Member.ballot_id == ballot_id)
                                    .order_by(Member.id))).scalars().all()
    for member_id, answer in zip(members, ANSWERS, strict=False):
        async with session_scope(factory) as db:
            await cast_member_vote(db, ballot_id, member_id, {question.id: [answer]}, new_token())  # type: ignore[dict-item]
    if close:
        async with session_scope(factory) as db:
            await close_ballot(db, ballot_id, by=None)
        async with session_scope(factory) as db:
            await declare_result(db, ballot_id, by=None)
    return ballot_id


@pytest.fixture
def exported(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
             capsys: pytest.CaptureFixture[str]) -> Path:
    out = tmp_path / "pay-2027-export"
    said = export_member_ballot(database_url, out, monkeypatch, capsys, functools.partial(_run_ballot, close=True))
    assert "Wrote the export of member ballot 'pay-2027' (10 files)" in said
    return out


def test_an_exported_ballot_verifies_and_holds_no_personal_data(exported: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    code, out = verify_export(exported, capsys)
    assert code == 0, out
    assert "electorate.jsonl: 9 members, 10 at opening, hash matches member_ballot.opened" in out
    assert "participation.jsonl: 7 members voted, hash matches member_ballot.closed" in out
    assert "sealed.jsonl: 7 sealed answers, every proof and tracker checked" in out
    assert "result.json: recount matches" in out and out.rstrip().endswith("verifies.")
    everything = "".join(p.read_text() for p in exported.iterdir())
    assert not any(private in everything for private in ("Member 1", "example.org", "07700", "M1\""))
    result = json.loads((exported / "result.json").read_text())
    assert result["questions"][0]["totals"] == {"yes": 5, "no": 2} and result["entitled"] == 9


def _edit_line(path: Path, line: int, change: Callable[[dict[str, object]], None]) -> None:
    from unionvote.audit.chain import canonical_json

    lines = path.read_text().split("\n")
    row = json.loads(lines[line - 1])
    change(row)
    lines[line - 1] = canonical_json(row).decode()
    path.write_text("\n".join(lines))


def _flip(row: dict[str, Any]) -> None:
    """Swap the two options' ciphertexts: the other answer, with proofs that no longer hold."""
    row["slots"].reverse()


@pytest.mark.parametrize(("file", "line", "change", "named"), [
    ("sealed.jsonl", 3, _flip, "FAILED: sealed.jsonl line 3 (member ballot 1, field slots/proofs): the sealed answer"),
    ("electorate.jsonl", 9, lambda row: row.update(member=109),
     "FAILED: electorate.jsonl (member ballot 1, field member): the members entitled at opening hash to"),
    ("participation.jsonl", 7, lambda row: row.update(member=10),
     "FAILED: participation.jsonl line 7 (member ballot 1, field member): member 10 voted but is not in"),
])
def test_changing_one_row_fails_verification_naming_the_file_line_and_field(
    exported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], file: str, line: int,
    change: Callable[[dict[str, object]], None], named: str,
) -> None:
    tampered = tmp_path / "tampered"
    shutil.copytree(exported, tampered)
    _edit_line(tampered / file, line, change)
    code, out = verify_export(tampered, capsys)
    assert code == 1
    assert named in out, out


def test_a_changed_result_or_a_dropped_vote_is_caught(exported: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    result = tmp_path / "result"
    shutil.copytree(exported, result)
    (result / "result.json").write_text((result / "result.json").read_text().replace('"yes":5', '"yes":6'))
    code, out = verify_export(result, capsys)
    assert code == 1 and "FAILED: result.json (member ballot 1): the result hashes to" in out

    dropped = tmp_path / "dropped"
    shutil.copytree(exported, dropped)
    rows = (dropped / "sealed.jsonl").read_text().splitlines(keepends=True)
    (dropped / "sealed.jsonl").write_text("".join(rows[1:]))
    code, out = verify_export(dropped, capsys)
    assert code == 1 and "FAILED: sealed.jsonl (member ballot 1): 6 rows, but the member_ballot.closed entry" in out


def test_an_open_ballot_exports_no_votes_and_verifies(database_url: str, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "open"
    export_member_ballot(database_url, out, monkeypatch, capsys, functools.partial(_run_ballot, close=False))
    assert sorted(p.name for p in out.iterdir()) == ["ballot.json", "chain.jsonl", "electorate.jsonl",
                                                     "manifest.json", "sealing.json"]
    code, text = verify_export(out, capsys)
    assert code == 0, text
    assert main(["audit", "export", "--member-ballot", "no-such", "--out", str(tmp_path / "x")]) == 2
