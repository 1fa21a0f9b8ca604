"""Sealed member ballots: answers stored as ciphertexts; each employer's sum decrypted only when large enough."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.integration.ballots.world import export_member_ballot, make_ballot, verify_export, votes_from
from unionvote.audit.models import AuditEntry
from unionvote.ballots.export import collect_member_export, write_member_export
from unionvote.ballots.models import SEGMENTS, MemberBallot, MemberBallotSealing, MemberContent, MemberSealedVote
from unionvote.ballots.results import declare_result, shown_result
from unionvote.ballots.sealed import receive_member_decryption, seal_member_ballot, tally_file
from unionvote.ballots.services import close_ballot, open_ballot, scope_for
from unionvote.ballots.verify import verify_member_export
from unionvote.db import session_scope
from unionvote.errors import RuleViolation
from unionvote.sealing.slices import Slice, SliceSums, decrypt_sliced, tally_entries
from unionvote.sealing.trustees import TrusteeKey
from unionvote.voting.models import SealingMode

# Acme: 12 members, 11 vote (shown); Globex: 12 members, 4 vote (withheld: fewer than 10 voted); Initech:
# 12 members, 10 vote (withheld too, being the smallest other: else Globex = the total minus Acme and Initech).
ACME = ["yes"] * 8 + ["no"] * 3
GLOBEX = ["no", "no", "yes", "no"]
INITECH = ["yes"] * 5 + ["no"] * 5


async def _run(factory: async_sessionmaker[AsyncSession], *, declare: bool = True) -> int:
    ballot_id = await make_ballot(factory, {"Acme": 12, "Globex": 12, "Initech": 12}, min_segment=10)
    await votes_from(factory, ballot_id, "Acme", ACME)
    await votes_from(factory, ballot_id, "Globex", GLOBEX)
    await votes_from(factory, ballot_id, "Initech", INITECH)
    async with session_scope(factory) as db:
        await close_ballot(db, ballot_id, by=None)
    if declare:
        async with session_scope(factory) as db:
            await declare_result(db, ballot_id, by=None)
    return ballot_id


async def test_a_sealed_member_ballot_decrypts_the_total_and_large_employers_only(
        factory: async_sessionmaker[AsyncSession]) -> None:
    ballot_id = await _run(factory)
    async with session_scope(factory) as db:
        assert not (await db.execute(select(MemberContent))).scalars().all()
        rows = (await db.execute(select(MemberSealedVote))).scalars().all()
        sealing = await db.get(MemberBallotSealing, ballot_id)
        document = await shown_result(db, await db.get(MemberBallot, ballot_id))  # type: ignore[arg-type]
        closed = json.loads((await db.execute(select(AuditEntry.payload).where(
            AuditEntry.scope == scope_for(ballot_id), AuditEntry.action == "member_ballot.closed"))).scalar_one())
    assert len(rows) == 25 and all('"yes"' not in r.slots + r.proofs and '"no"' not in r.slots + r.proofs
                                   for r in rows)
    assert sealing.mode == "server" and sealing.wrapped_key  # type: ignore[union-attr]
    slices = [(e["segment"], e["votes"]) for e in json.loads(sealing.tally)]  # type: ignore[union-attr,arg-type]
    # The total, then Acme by employer, workplace and branch (region "North" holds everyone: 25 answers).
    assert slices == [(None, 25), (["employer", "Acme"], 11), (["workplace", "Acme depot"], 11),
                      (["region", "North"], 25), (["branch", "Acm branch"], 11)]
    assert closed["tally_sha256"] and closed["slices"] == 5
    [question] = document["questions"]
    assert question["totals"] == {"yes": 14, "no": 11} and question["cast"] == 25
    employers = {row["name"]: row for row in question["segments"]["employer"]}
    assert employers["Acme"]["totals"] == {"yes": 8, "no": 3}
    assert employers["Globex"]["suppressed"] and "totals" not in employers["Globex"]
    assert employers["Globex"]["voted"] == 4  # turnout is participation: still shown
    assert employers["Initech"]["suppressed"] and employers["Initech"]["complement"]
    assert "totals" not in employers["Initech"]  # 10 voted, but Globex would be the total minus the rest


async def test_a_member_ballot_sealed_for_two_trustees_waits_for_both_decryptions(
        factory: async_sessionmaker[AsyncSession], tmp_path: Path) -> None:
    officer, scrutineer = TrusteeKey.generate(), TrusteeKey.generate()
    ballot_id = await make_ballot(factory, {"Acme": 12, "Globex": 3, "Initech": 12}, open_now=False,
                                  min_segment=10)
    async with session_scope(factory) as db:
        await seal_member_ballot(db, await db.get(MemberBallot, ballot_id), mode=SealingMode.TRUSTEES,  # type: ignore[arg-type]
                                 trustees=[officer.published(), scrutineer.published()])
        await open_ballot(db, ballot_id, by=None)
    await votes_from(factory, ballot_id, "Acme", ACME[:10])
    await votes_from(factory, ballot_id, "Globex", ["yes", "no"])
    await votes_from(factory, ballot_id, "Initech", INITECH)
    async with session_scope(factory) as db:
        await close_ballot(db, ballot_id, by=None)
        data = await tally_file(db, await db.get(MemberBallot, ballot_id))  # type: ignore[arg-type]
    async with session_scope(factory) as db:
        with pytest.raises(RuleViolation, match="waiting for 2 trustee"):
            await declare_result(db, ballot_id, by=None)
    async with session_scope(factory) as db:  # the record of a closed ballot verifies before the trustees decrypt
        write_member_export(tmp_path / "waiting", ballot_id, await collect_member_export(db, ballot_id))
    report = verify_member_export(tmp_path / "waiting")
    assert report.failure is None and any("waiting for the trustees' decryptions" in n for n in report.notes)
    small = json.loads(json.dumps(data))
    small["entries"].append({"question": small["entries"][0]["question"], "segment": ["employer", "Globex"],
                             "votes": 2, "tally": small["entries"][0]["tally"]})
    with pytest.raises(ValueError, match="fewer than the minimum 10"):
        decrypt_sliced(officer, small)  # a trustee never decrypts a small employer's sum
    async with session_scope(factory) as db:
        ballot = await db.get(MemberBallot, ballot_id)
        await receive_member_decryption(db, ballot, decrypt_sliced(officer, data), by=None)  # type: ignore[arg-type]
        forged = decrypt_sliced(scrutineer, data)
        forged["partials"][0] = decrypt_sliced(officer, data)["partials"][0]
        with pytest.raises(RuleViolation, match="refused"):
            await receive_member_decryption(db, ballot, forged, by=None)  # type: ignore[arg-type]
        await receive_member_decryption(db, ballot, decrypt_sliced(scrutineer, data), by=None)  # type: ignore[arg-type]
    async with session_scope(factory) as db:
        result = json.loads((await declare_result(db, ballot_id, by=None)).result or "{}")
    assert result["questions"][0]["totals"] == {"yes": 14, "no": 8}
    employers = {row["name"]: row for row in result["questions"][0]["segments"]["employer"]}
    assert employers["Initech"]["totals"] == {"yes": 5, "no": 5} and employers["Globex"]["small"]
    assert employers["Acme"]["complement"]  # as large as Initech and first by name: withheld with Globex


@pytest.fixture
def exported(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
             capsys: pytest.CaptureFixture[str]) -> Path:
    out = tmp_path / "sealed-export"
    export_member_ballot(database_url, out, monkeypatch, capsys, _run)
    return out


def test_the_export_of_a_sealed_member_ballot_verifies(exported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = verify_export(exported, capsys)
    assert code == 0, out
    assert "sealed.jsonl: 25 sealed answers, every proof and tracker checked" in out
    assert "sealing.json: 5 slices recomputed and decrypted by 1 trustee(s)" in out
    assert not (exported / "contents.jsonl").exists()
    assert '"yes"' not in (exported / "sealed.jsonl").read_text()


def _edit_line(name: str, line: int, change: Callable[[dict], None]) -> Callable[[Path], None]:  # type: ignore[type-arg]
    def apply(root: Path) -> None:
        lines = (root / name).read_text().split("\n")
        row = json.loads(lines[line - 1])
        change(row)
        lines[line - 1] = json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        (root / name).write_text("\n".join(lines))
    return apply


def _edit_document(name: str, change: Callable[[dict], None]) -> Callable[[Path], None]:  # type: ignore[type-arg]
    def apply(root: Path) -> None:
        document = json.loads((root / name).read_text())
        change(document)
        (root / name).write_text(json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                                 + "\n")
    return apply


def _swap_alpha(row: dict) -> None:  # type: ignore[type-arg]
    row["slots"][0]["alpha"], row["slots"][1]["alpha"] = row["slots"][1]["alpha"], row["slots"][0]["alpha"]


def _bump_response(row: dict) -> None:  # type: ignore[type-arg]
    value = int(row["proofs"]["slot_proofs"][0]["responses"][0], 16)
    row["proofs"]["slot_proofs"][0]["responses"][0] = f"{(value + 1) % 2**255:064x}"


def _swap_share(doc: dict) -> None:  # type: ignore[type-arg]
    shares = doc["decryptions"][0]["partials"][0]
    shares[0], shares[1] = shares[1], shares[0]


def _decrypted_small(doc: dict) -> None:  # type: ignore[type-arg]
    doc["tally"].append({**doc["tally"][1], "segment": ["employer", "Globex"]})


def _decrypted_complement(root: Path) -> None:
    """List Initech (10 answers, its sum recomputed correctly) for decryption: Globex = total - Acme - Initech."""
    sums = SliceSums(SEGMENTS)
    for line in (root / "sealed.jsonl").read_text().splitlines():
        row = json.loads(line)
        sums.add_slots(row["question"], [row["segments"][k] for k in SEGMENTS], row["slots"], "slots")
    question = json.loads((root / "sealing.json").read_text())["tally"][0]["question"]
    entry = tally_entries(sums.tallies(), [Slice(question, ("employer", "Initech"))], {question: 2})
    _edit_document("sealing.json", lambda doc: doc["tally"].extend(entry))(root)


def _figure(doc: dict) -> None:  # type: ignore[type-arg]
    doc["questions"][0]["segments"]["employer"][0]["totals"]["yes"] += 1


@pytest.mark.parametrize(("tamper", "where"), [
    (_edit_line("sealed.jsonl", 3, _swap_alpha), "sealed.jsonl line 3 (member ballot 1, field slots/proofs)"),
    (_edit_line("sealed.jsonl", 7, _bump_response), "sealed.jsonl line 7 (member ballot 1, field slots/proofs)"),
    (_edit_line("sealed.jsonl", 2, lambda r: r["segments"].update(employer=r["segments"]["employer"] + " Ltd")),
     "sealed.jsonl line 2 (member ballot 1, field tracker)"),
    (_edit_document("sealing.json", _swap_share), "sealing.json (member ballot 1, field decryptions[0])"),
    (_edit_document("sealing.json", _decrypted_small), "sealing.json (member ballot 1, field tally[5])"),
    (_decrypted_complement, "sealing.json (member ballot 1, field tally): question 1: the employer values left "
                            "out ('Globex') hold 4 votes together"),
    (_edit_document("result.json", _figure), "result.json (member ballot 1)"),
])
def test_tampering_with_a_sealed_answer_proof_share_or_figure_fails_there(
        exported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], tamper: Callable[[Path], None],
        where: str) -> None:
    copy = tmp_path / "tampered"
    shutil.copytree(exported, copy)
    tamper(copy)
    code, out = verify_export(copy, capsys)
    assert code == 1, out
    assert f"FAILED: {where}" in out, out
