"""ERS97 and Meek counts agree, field for field, with a recount written only from docs/audit-format.md."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.conferences.web_world import logged_in
from tests.integration.elections.independent_stv import recount
from tests.integration.elections.test_election_pages import PAPERS, _contested
from unionvote.elections.verify import recount_entry

DATA = Path(__file__).resolve().parents[2] / "data" / "meek"


def without_notes(record: dict[str, Any]) -> dict[str, Any]:
    return {**record, "stages": [{k: v for k, v in stage.items() if k != "note"} for stage in record["stages"]]}


def payload(rule: str, seats: int, candidates: int, papers: list[tuple[int, list[int]]]) -> dict[str, Any]:
    return {"election": 7, "rule": rule, "seats": seats, "candidates": list(range(1, candidates + 1)),
            "papers": [[n, prefs] for n, prefs in papers]}


def random_elections(count: int, seed: int) -> list[dict[str, Any]]:
    """Small elections with many ties, exhausted papers and few seats: where the rules' corners are."""
    rng = random.Random(seed)
    found = []
    for _ in range(count):
        candidates = rng.randint(3, 7)
        seats = rng.randint(1, candidates - 1)
        papers: dict[tuple[int, ...], int] = {}  # grouped, as a declaration groups them
        for _ in range(rng.randint(2, 9)):
            prefs = tuple(rng.sample(range(1, candidates + 1), rng.randint(1, candidates)))
            papers[prefs] = papers.get(prefs, 0) + rng.randint(1, 12)
        found.append(payload(rng.choice(["ers97-stv", "meek-stv"]), seats, candidates,
                             [(n, list(prefs)) for prefs, n in papers.items()]))
    return found


@pytest.mark.parametrize("election", random_elections(300, seed=18))
def test_a_random_count_agrees_with_the_independent_recount(election: dict[str, Any]) -> None:
    assert without_notes(recount(election)) == without_notes(recount_entry(election))


def test_the_meek_reference_election_agrees_with_the_independent_recount() -> None:
    lines = (DATA / "SC.blt").read_text().splitlines()
    grouped: dict[tuple[int, ...], int] = {}
    for line in lines[1:95]:
        count, *prefs, _ = (int(word) for word in line.split())
        grouped[tuple(prefs)] = grouped.get(tuple(prefs), 0) + count
    election = payload("meek-stv", 4, 13, [(n, list(prefs)) for prefs, n in grouped.items()])
    ours = recount_entry(election)
    assert without_notes(recount(election)) == without_notes(ours)
    assert len(ours["stages"]) == 11


@pytest.mark.parametrize("rule", ["ers97-stv", "meek-stv"])
async def test_a_declared_election_in_the_export_is_recounted_independently(
        client: AsyncTestClient[Litestar], app: Litestar, rule: str) -> None:
    world, election = await _contested(client, app, rule=rule)
    await world.committee.post(f"{election}/count", files={"blt": ("papers.blt", PAPERS.encode())})
    admin = await logged_in(client, app, "admin@union.example", admin=True)
    response = await admin.get(f"/api/v1/audit/scopes/conference:{world.register.conference_id}/export")
    assert response.status_code == 200
    [declared] = [json.loads(line)["payload"] for line in response.text.splitlines()
                  if json.loads(line)["action"] == "election.declared"]
    assert declared["rule"] == rule
    assert without_notes(recount(declared)) == without_notes(declared["record"])
    # A changed figure in the declared record is caught.
    declared["record"]["stages"][-1]["non_transferable"] = "1" + declared["record"]["stages"][-1]["non_transferable"]
    assert without_notes(recount(declared)) != without_notes(declared["record"])
