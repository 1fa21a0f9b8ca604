"""The objection period, complaints, attempts to vote again and the certificate in a member ballot's exported
record: `unionvote audit verify` and the check written from docs/audit-format.md accept the honest record and
refuse a rewritten chain that declares over an undecided complaint, inside the period, or says what was chosen."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.integration.ballots import independent_member_check as independent
from tests.integration.ballots.world import export_member_ballot, make_ballot, votes_from
from unionvote.audit.chain import canonical_json, entry_hash
from unionvote.ballots.complaints import (
    certify_member_result,
    decide_complaint,
    end_objections,
    lodge_complaint,
    record_second_attempt,
)
from unionvote.ballots.models import Member
from unionvote.ballots.results import declare_result
from unionvote.ballots.services import MemberBallotError, close_ballot
from unionvote.cli import main
from unionvote.db import session_scope


async def _run(factory: Any) -> None:
    """A 48-hour objection period; three vote, one credential is used again, a complaint is lodged and decided,
    the officer ends the period, the result is declared and certified."""
    ballot_id = await make_ballot(factory, {"Acme": 6}, objection_hours=48)
    await votes_from(factory, ballot_id, "Acme", ["yes", "no", "yes"])
    async with session_scope(factory) as db:
        first = (await db.execute(select(Member.id).order_by(Member.id).limit(1))).scalar_one()
        await record_second_attempt(db, ballot_id, first, "link")
        complaint = await lodge_complaint(db, ballot_id, "Someone voted as me: I never used my link.",
                                          membership_number="M1")
        await close_ballot(db, ballot_id, by=None)
    async with session_scope(factory) as db:
        with pytest.raises(MemberBallotError, match="objection period"):
            await declare_result(db, ballot_id, by=None)
        await decide_complaint(db, ballot_id, complaint.id, "rejected", "The vote came from your own link.",  # type: ignore[arg-type]
                               by=None)  # type: ignore[arg-type]
        await end_objections(db, ballot_id, by=None)  # type: ignore[arg-type]
        await declare_result(db, ballot_id, by=None)
        await certify_member_result(db, ballot_id, by=None)  # type: ignore[arg-type]


@pytest.fixture
def exported(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
             capsys: pytest.CaptureFixture[str]) -> Path:
    out = tmp_path / "pay-2027-export"
    export_member_ballot(database_url, out, monkeypatch, capsys, _run)
    return out


def _rewrite_chain(root: Path, change: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]) -> None:
    """What a forger does: change the entries, renumber and rehash them, and list the file as it now is."""
    entries = change([json.loads(line) for line in (root / "chain.jsonl").read_text().splitlines()])
    prev = "0" * 64
    for seq, entry in enumerate(entries, start=1):
        entry["seq"], entry["prev_hash"] = seq, prev
        entry["hash"] = prev = entry_hash(prev, entry)
    (root / "chain.jsonl").write_text("".join(canonical_json(e).decode() + "\n" for e in entries))
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["files"]["chain.jsonl"] = hashlib.sha256((root / "chain.jsonl").read_bytes()).hexdigest()
    (root / "manifest.json").write_bytes(canonical_json(manifest) + b"\n")


def _without(action: str) -> Callable[[list[dict[str, Any]]], list[dict[str, Any]]]:
    return lambda entries: [e for e in entries if e["action"] != action]


def _telling_the_choice(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for entry in entries:
        if entry["action"] == "member_ballot.second_attempt":
            entry["payload"]["choice"] = "yes"
    return entries


def test_the_honest_record_verifies_with_both_checks(exported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    actions = [json.loads(line)["action"] for line in (exported / "chain.jsonl").read_text().splitlines()]
    assert ["member_ballot.second_attempt", "complaint.lodged", "member_ballot.closed", "complaint.decided",
            "objections.closed", "member_ballot.declared", "member_ballot.certified"] == [
        a for a in actions if a in ("member_ballot.second_attempt", "complaint.lodged", "member_ballot.closed",
                                    "complaint.decided", "objections.closed", "member_ballot.declared",
                                    "member_ballot.certified")]
    chain = (exported / "chain.jsonl").read_text()
    assert "Someone voted as me" not in chain and "your own link" not in chain
    assert main(["audit", "verify", str(exported)]) == 0
    assert "1 complaint(s), each decided before the declaration" in capsys.readouterr().out
    assert independent.check(exported) == "OK"


@pytest.mark.parametrize(("change", "named"), [
    (_without("complaint.decided"), "the objection period was ended while complaint 1 had no decision"),
    (_without("objections.closed"), "the result was declared within the 48-hour objection period"),
    (_telling_the_choice, "an attempt to vote again must name only the member and a channel"),
], ids=["undecided complaint", "inside the period", "the choice told"])
def test_a_rewritten_chain_breaking_the_objection_rules_fails_both_checks(
        exported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        change: Callable[[list[dict[str, Any]]], list[dict[str, Any]]], named: str) -> None:
    forged = tmp_path / "forged"
    shutil.copytree(exported, forged)
    _rewrite_chain(forged, change)
    assert main(["audit", "verify", str(forged)]) == 1
    out = capsys.readouterr().out
    assert "FAILED: chain.jsonl line" in out and named in out, out
    with pytest.raises(independent.Disagreement, match="chain.jsonl"):
        independent.check(forged)
