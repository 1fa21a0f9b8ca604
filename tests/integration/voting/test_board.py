"""The public board: every sealed vote's tracker, listed as it is cast, found by its voter, frozen at close."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from tests.helpers import app_db
from tests.integration.voting.pages_world import Floor, floor, open_ballot, plain, prepare, token_on
from tests.integration.voting.test_sealed import PEOPLE, close_and_declare, export_of, open_sealed, vote
from tests.integration.voting.world import Factory
from tests.integration.voting.world import floor as service_floor
from unionvote.audit.models import AuditEntry
from unionvote.voting.board import board_document, board_hash
from unionvote.voting.models import SealedVote
from unionvote.voting.services import BallotSpec
from unionvote.voting.verify import verify_export

TRACKER = re.compile(r"[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}")


@pytest.fixture(autouse=True)
def sealing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNIONVOTE_SEALING_KEY", "a sealing key for tests, kept out of the database")


async def cast(f: Floor, number: str, ballot_id: int, choice: str) -> str:
    """The delegate votes through the form (no JavaScript) and reads the tracker off their receipt."""
    delegate = f.delegates[number]
    page = (await delegate.get(f"{f.vote}/{ballot_id}")).text
    response = await delegate.post(f"{f.vote}/{ballot_id}", data={"choice": choice, "token": token_on(page)})
    assert response.status_code == 303, response.text
    receipt = (await delegate.get(response.headers["location"])).text
    assert f'href="{f.vote}/{ballot_id}/board"' in receipt, "the receipt leads to the board"
    return TRACKER.search(plain(receipt)).group(0)  # type: ignore[union-attr]


async def test_the_board_lists_each_sealed_vote_as_it_is_cast_and_freezes_with_its_hash_recorded_at_close(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    f = await floor(client, app)
    ballot_id = await prepare(f)
    await open_ballot(f, ballot_id)
    board = f"{f.vote}/{ballot_id}/board"

    empty = plain((await f.delegates["M1"].get(board)).text)
    assert "Voting is open: the board grows as votes are cast." in empty and "0 trackers" in empty

    mine = await cast(f, "A1", ballot_id, "for")
    seen = plain((await f.delegates["M1"].get(board)).text)  # before close, by another delegate
    assert "1 tracker" in seen and mine in seen
    found = plain((await f.delegates["M1"].get(board, params={"tracker": mine.lower().replace("-", " ")})).text)
    assert f"Found. {mine} is on the board" in found
    missing = plain((await f.delegates["M1"].get(board, params={"tracker": "AAAA-AAAA-AAAA"})).text)
    assert "Not found. AAAA-AAAA-AAAA is not on the board." in missing
    wrong = plain((await f.delegates["M1"].get(board, params={"tracker": "not-a-tracker!"})).text)
    assert "is not a tracker" in wrong
    own = plain((await f.delegates["A1"].get(board)).text)  # the voter's own device remembers their tracker
    assert f"Found. {mine} is on the board" in own

    theirs = await cast(f, "M1", ballot_id, "against")
    listing = (await f.delegates["A1"].get(f"{board}.json")).json()
    expected = sorted(t.replace("-", "") for t in (mine, theirs))
    assert listing["trackers"] == expected and listing["frozen"] is False and listing["board_hash"] is None
    async with app_db(app) as db:
        stored = sorted((await db.execute(select(SealedVote.tracker)
                                          .where(SealedVote.ballot_id == ballot_id))).scalars())
    assert stored == expected, "the board is exactly the sealed votes' trackers"

    assert (await f.chair.post(f"{f.ballots}/{ballot_id}/close")).status_code == 303
    frozen = (await f.chair.get(f"{board}.json")).json()  # the chair reads it too
    recorded = board_hash(board_document(ballot_id, expected))
    assert frozen["frozen"] is True and frozen["board_hash"] == frozen["recorded_hash"] == recorded
    async with app_db(app) as db:
        closed = (await db.execute(select(AuditEntry.payload).where(
            AuditEntry.scope == f"ballot:{ballot_id}", AuditEntry.action == "ballot.closed"))).scalar_one()
    assert json.loads(closed)["board_hash"] == recorded
    page = plain((await f.delegates["M1"].get(board)).text)
    assert "Voting has closed: the board is frozen." in page and recorded in page and f"Found. {theirs}" in page
    record = (await f.chair.get(f"/conferences/{f.conference_id}/record/{ballot_id}")).text
    assert f'href="{board}"' in record, "the record leads to the board"


async def test_an_open_ballot_has_no_live_board_and_publishes_its_trackers_at_close(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    f = await floor(client, app)
    ballot_id = await prepare(f, secrecy="open")  # named votes are never sealed
    await open_ballot(f, ballot_id)
    board = f"{f.vote}/{ballot_id}/board"
    assert "its trackers are published when voting closes" in plain((await f.delegates["A1"].get(board)).text)
    refused = await f.delegates["A1"].get(f"{board}.json")
    assert refused.status_code == 409 and "published when voting closes" in refused.text


async def test_verify_catches_a_board_that_is_not_the_sealed_votes_at_its_file_line_and_field(
        factory: Factory, conference_id: int, tmp_path: Path) -> None:
    hall = await service_floor(factory, conference_id, bodies=(("LON", 1000), ("MAN", 600), ("CAR", 400)),
                               people=PEOPLE)
    ballot_id = await open_sealed(factory, conference_id, BallotSpec(title="Motion", question="?"))
    await vote(factory, hall, ballot_id, L1="for", M1="against", C1="for")
    await close_and_declare(factory, ballot_id)
    root = await export_of(factory, conference_id, tmp_path / "export")
    report = verify_export(root)
    assert report.ok, report.failure
    assert f"ballots/{ballot_id}/board.json: 3 trackers, exactly the sealed votes', hash matches ballot.closed" \
        in "\n".join(report.notes)
    board = json.loads((root / f"ballots/{ballot_id}/board.json").read_text())

    def dropped(doc: dict) -> None:  # type: ignore[type-arg]
        doc["trackers"].pop(1)

    def swapped(doc: dict) -> None:  # type: ignore[type-arg]
        doc["trackers"][2] = "ZZZZZZZZZZZZ"

    def added(doc: dict) -> None:  # type: ignore[type-arg]
        doc["trackers"].insert(0, "AAAAAAAAAAAA")

    where = rf"^ballots/{ballot_id}/board.json line 1 \(ballot {ballot_id}, field "
    cases = {
        "a tracker dropped": (dropped, where + r"trackers\): the tracker [A-Z2-7]{12} of sealed.jsonl line \d is "
                                       r"not on the board"),
        "a tracker changed": (swapped, where + r"trackers\[2\]\): ZZZZZZZZZZZZ is not the tracker of any sealed"),
        "a tracker added": (added, where + r"trackers\[0\]\): AAAAAAAAAAAA is not the tracker of any sealed"),
    }
    for name, (tamper, expected) in cases.items():
        copy = tmp_path / name.replace(" ", "-")
        shutil.copytree(root, copy)
        doc = json.loads(json.dumps(board))
        tamper(doc)
        (copy / f"ballots/{ballot_id}/board.json").write_text(json.dumps(doc, sort_keys=True, separators=(",", ":"))
                                                               + "\n")
        report = verify_export(copy)
        assert report.failure is not None, name
        assert re.search(expected, str(report.failure)), f"{name}: {report.failure}"
