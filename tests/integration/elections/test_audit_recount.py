"""The audit export carries each declared count in full, and `unionvote audit verify` recounts it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.conferences.web_world import logged_in
from tests.integration.elections.test_election_pages import PAPERS, _contested
from unionvote.audit.chain import entry_hash
from unionvote.cli import main
from unionvote.elections.verify import recount_declarations


async def test_audit_verify_recounts_the_declared_election_from_the_export(
        client: AsyncTestClient[Litestar], app: Litestar, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world, election = await _contested(client, app)
    await world.committee.post(f"{election}/count", files={"blt": ("papers.blt", PAPERS.encode())})
    admin = await logged_in(client, app, "admin@union.example", admin=True)
    response = await admin.get(f"/api/v1/audit/scopes/conference:{world.register.conference_id}/export")
    assert response.status_code == 200
    export = tmp_path / "chain.jsonl"
    export.write_text(response.text)

    assert main(["audit", "verify", str(export)]) == 0
    assert "Recounted 1 election(s) from their papers: every stage matches the declared record." in (
        capsys.readouterr().out)

    # A chain re-hashed after changing one stage value still fails: the recount disagrees.
    lines = response.text.splitlines()
    prev = None
    rewritten = []
    for line in lines:
        entry = json.loads(line)
        if entry["action"] == "election.declared":
            entry["payload"]["record"]["stages"][1]["votes"][str(entry["payload"]["candidates"][1])] = "99.00000"
        if prev is not None:
            entry["prev_hash"] = prev
        entry["hash"] = prev = entry_hash(entry["prev_hash"], entry)
        rewritten.append(json.dumps(entry, sort_keys=True, separators=(",", ":")))
    export.write_text("\n".join(rewritten) + "\n")
    assert main(["audit", "verify", str(export)]) == 1
    out = capsys.readouterr().out
    assert "the recount differs from the declared stage record at record.stages[1].votes" in out


def test_recounting_names_an_entry_whose_papers_cannot_be_counted() -> None:
    line = json.dumps({"action": "election.declared", "payload": {
        "election": 7, "rule": "meek", "seats": 1, "candidates": [1, 2], "papers": [[3, [1]]], "record": {}}})
    recounted, problems = recount_declarations([line])
    assert recounted == 0
    assert problems == ["line 1: election 7 cannot be recounted: Unknown counting rule 'meek'; choose one of "
                        "scottish-stv, ers97-stv, meek-stv, irv."]
