"""`unionvote audit verify DIR` given the heads noted at certification: a rewritten manifest hides nothing.

A forger who edits a declared election's stage figure, leaves a ballot out, or cuts the conference
chain short, then rehashes the chain and rewrites the manifest, is caught: the directory recounts
elections, checks that every ballot the conference chain records is present, and checks every chain
against the heads noted earlier.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.helpers import app_db
from tests.integration.conferences.conftest import conference_id, factory
from tests.integration.elections.test_election_pages import PAPERS, _contested
from tests.integration.voting.test_export_verify import Conference, conference, export
from tests.integration.voting.world import Factory
from tests.subprocesses import clean_env, unionvote
from unionvote.audit.anchors import NotedHeads, heads_from_arguments
from unionvote.audit.chain import canonical_json, entry_hash
from unionvote.voting.export import collect_export, write_export
from unionvote.voting.verify import verify_export

__all__ = ["conference", "conference_id", "factory"]


def rewrite_manifest(root: Path) -> None:
    """What a forger does after editing files: list the files as they now are."""
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["ballots"] = sorted(int(p.name) for p in (root / "ballots").glob("*"))
    manifest["files"] = {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                         for p in sorted(root.rglob("*")) if p.is_file() and p.name != "manifest.json"}
    (root / "manifest.json").write_bytes(canonical_json(manifest) + b"\n")


def rehash(entries: list[dict[str, object]]) -> str:
    prev = "0" * 64
    for entry in entries:
        entry["prev_hash"] = prev
        entry["hash"] = prev = entry_hash(prev, entry)
    return "".join(canonical_json(e).decode() + "\n" for e in entries)


def conference_chain(root: Path) -> Path:
    [chain] = (root / "chains").glob("conference-*.jsonl")
    return chain


def heads_of(root: Path) -> NotedHeads:
    """The heads as `unionvote audit heads` showed them when the export was taken."""
    chains = [conference_chain(root), *sorted((root / "ballots").glob("*/chain.jsonl"))]
    values = []
    for chain in chains:
        last = json.loads(chain.read_text().splitlines()[-1])
        values.append(f"{last['scope']}={last['hash']}")
    return heads_from_arguments(values)


async def test_directory_mode_recounts_a_declared_election_in_the_conference_chain(
        client: AsyncTestClient[Litestar], app: Litestar, tmp_path: Path) -> None:
    world, election = await _contested(client, app)
    await world.committee.post(f"{election}/count", files={"blt": ("papers.blt", PAPERS.encode())})
    async with app_db(app) as db:
        files, ballots = await collect_export(db, world.register.conference_id)
    root = tmp_path / "export"
    write_export(root, world.register.conference_id, files, ballots)
    report = verify_export(root)
    assert report.ok, report.failure
    assert any("recounted 1 election(s) from their papers" in note for note in report.notes), report.notes

    chain = conference_chain(root)
    entries = [json.loads(line) for line in chain.read_text().splitlines()]
    declared = next(e for e in entries if e["action"] == "election.declared")
    second = str(declared["payload"]["candidates"][1])
    declared["payload"]["record"]["stages"][1]["votes"][second] = "99.00000"
    chain.write_text(rehash(entries))
    rewrite_manifest(root)
    report = verify_export(root)
    assert report.failure is not None, "a rewritten stage figure passed"
    assert "the recount differs from the declared stage record at record.stages[1].votes" in str(report.failure)


async def test_a_ballot_folder_left_out_fails_even_with_a_rewritten_manifest(
        factory: Factory, conference: Conference, tmp_path: Path) -> None:
    root = await export(factory, conference.floor.conference_id, tmp_path / "export")
    shutil.rmtree(root / "ballots" / str(conference.colours))
    rewrite_manifest(root)
    report = verify_export(root)
    assert report.failure is not None, "a dropped ballot folder passed"
    assert f"the chain records that ballot {conference.colours} was created, but the export has no folder" in str(
        report.failure)


async def test_a_conference_chain_cut_short_fails_against_its_noted_head(
        factory: Factory, conference: Conference, tmp_path: Path) -> None:
    root = await export(factory, conference.floor.conference_id, tmp_path / "export")
    noted = heads_of(root)
    assert verify_export(root, noted).ok

    # Drop the last ballot, and the chain's last line that records it; rewrite the manifest.
    chain = conference_chain(root)
    lines = chain.read_text().splitlines(keepends=True)
    last = json.loads(lines[-1])
    assert last["action"] == "ballot.created"
    chain.write_text("".join(lines[:-1]))
    shutil.rmtree(root / "ballots" / str(last["payload"]["ballot"]))
    rewrite_manifest(root)
    assert verify_export(root).ok  # without a noted head, a shorter chain is still a chain

    report = verify_export(root, noted)
    assert report.failure is not None
    assert str(report.failure).startswith("noted heads: the chain of conference:")
    assert "never reaches the noted head" in str(report.failure)


async def test_a_ballot_chain_cut_short_fails_against_its_noted_head(
        factory: Factory, conference: Conference, tmp_path: Path) -> None:
    root = await export(factory, conference.floor.conference_id, tmp_path / "export")
    noted = heads_of(root)
    folder = root / "ballots" / str(conference.voided)  # its last entry, ballot.voided, goes
    lines = (folder / "chain.jsonl").read_text().splitlines(keepends=True)
    (folder / "chain.jsonl").write_text("".join(lines[:-1]))
    document = json.loads((folder / "ballot.json").read_text())
    document["state"], document["void_reason"] = "closed", None
    (folder / "ballot.json").write_bytes(canonical_json(document) + b"\n")
    rewrite_manifest(root)
    assert verify_export(root).ok
    report = verify_export(root, noted)
    assert report.failure is not None
    assert f"the chain of ballot:{conference.voided} never reaches the noted head" in str(report.failure)


async def test_the_command_line_checks_a_directory_against_noted_heads(
        factory: Factory, conference: Conference, database_url: str, tmp_path: Path) -> None:
    env = clean_env(UNIONVOTE_DATABASE_URL=database_url)
    out = tmp_path / "adc"
    assert unionvote("audit", "export", "--conference", "adc-2027", "--out", str(out), env=env).returncode == 0
    listing = unionvote("audit", "heads", env=env)
    assert listing.returncode == 0, listing.stderr
    heads = tmp_path / "heads.txt"
    heads.write_text(listing.stdout)

    checked = unionvote("audit", "verify", str(out), "--heads", str(heads), env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "every chain reaches its noted head (" in checked.stdout  # the system chain and others skipped

    conference_head = next(line.split("\t")[2] for line in listing.stdout.splitlines()
                           if line.startswith("conference:"))
    alone = unionvote("audit", "verify", str(out), "--head", conference_head, env=env)
    assert alone.returncode == 0, alone.stdout + alone.stderr

    shutil.rmtree(out / "ballots" / str(conference.running))
    chain = conference_chain(out)
    chain.write_text("".join(chain.read_text().splitlines(keepends=True)[:-1]))
    rewrite_manifest(out)
    cut = unionvote("audit", "verify", str(out), "--heads", str(heads), env=env)
    assert cut.returncode == 1
    assert cut.stdout.splitlines()[-1].startswith("FAILED: noted heads: the chain of conference:")
    wrong = unionvote("audit", "verify", str(out), "--head", "ballot:1=abc", env=env)
    assert wrong.returncode == 2 and "'abc' is not a head (64 hexadecimal characters)" in wrong.stderr
