"""A member ballot's public board: trackers listed as cast, a search that works without JavaScript, frozen at
close with its hash in the close entry, exported and checked by the verifier."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.helpers import Visitor, audit_entries
from tests.integration.ballots.test_pages import _admin, _credentials, _set_up, _vote
from tests.integration.ballots.test_sealed_member import _edit_document, exported  # noqa: F401
from tests.integration.ballots.test_sealed_member import (
    test_tampering_with_a_sealed_answer_proof_share_or_figure_fails_there as _fails_there,
)
from tests.integration.ballots.world import members_csv, verify_export
from unionvote.ballots.services import scope_for
from unionvote.voting.board import board_document, board_hash

TRACKER = re.compile(r"<code>([A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4})</code>")


def _board_trackers(page: str) -> list[str]:
    listed = page.split('class="tracker-list"', 1)[1]
    return re.findall(r"<code[^>]*>([A-Z2-7-]{14})</code>", listed)


async def test_the_board_lists_each_vote_as_cast_finds_it_and_freezes_at_close(
        client: AsyncTestClient[Litestar], app: Litestar, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("unionvote.voting.board.PAGE_SIZE", 2)  # two trackers a page
    admin = await _admin(client, app)
    ballot_id = await _set_up(admin, members_csv({"Acme": 4}))
    links = await _credentials(admin, ballot_id)
    visitor = Visitor(client)
    assert (await visitor.get("/ballots/pay-2027/board")).status_code == 404  # not open yet
    assert (await admin.post(f"/member-ballots/{ballot_id}/open")).status_code == 303

    empty = await visitor.get("/ballots/pay-2027/board")
    assert empty.status_code == 200 and "<script" not in empty.text
    assert "Voting is open" in empty.text and _board_trackers(empty.text) == []

    mine = []
    for number in ("M1", "M2", "M3"):
        status, receipt = await _vote(client, links[number]["voting link"], "yes")
        assert status == 201, receipt
        [tracker] = TRACKER.findall(receipt)
        assert f'href="/ballots/pay-2027/board?tracker={tracker}"' in receipt
        mine.append(tracker)
        board = await visitor.get("/ballots/pay-2027/board")
        assert _board_trackers(board.text) == sorted(mine)[:2]  # there as soon as it is stored, in tracker order
    second = await visitor.get("/ballots/pay-2027/board", params={"page": "2"})
    assert "Page 2 of 2:" in second.text and _board_trackers(second.text) == sorted(mine)[2:]
    assert 'href="/ballots/pay-2027/board?page=1"' in second.text

    for tracker in mine:  # the answer, and the page that lists it
        found = await visitor.get("/ballots/pay-2027/board", params={"tracker": tracker.lower().replace("-", " ")})
        assert "Found." in found.text and f'class="tracker--mine">{tracker}<' in found.text
    assert "counted when voting closes" in found.text
    missing = await visitor.get("/ballots/pay-2027/board", params={"tracker": "AAAA-AAAA-AAAA"})
    assert "Not found." in missing.text and "AAAA-AAAA-AAAA" in missing.text
    nonsense = await visitor.get("/ballots/pay-2027/board", params={"tracker": "hello"})
    assert nonsense.status_code == 200 and "is not a tracker" in nonsense.text

    assert (await admin.post(f"/member-ballots/{ballot_id}/close")).status_code == 303
    assert "Voting in this ballot has closed" in (await _vote(client, links["M4"]["voting link"], "no"))[1]
    frozen = await visitor.get("/ballots/pay-2027/board", params={"tracker": mine[2]})
    assert "the board is frozen" in frozen.text and "That vote is in the count." in frozen.text
    assert mine[2] in _board_trackers(frozen.text) and "3 trackers" in frozen.text
    [closed] = [e for e in await audit_entries(app, scope=scope_for(ballot_id)) if e.action == "member_ballot.closed"]
    recorded = json.loads(closed.payload)["board_hash"]
    expected = board_document(ballot_id, [t.replace("-", "") for t in mine], "member_ballot")
    assert recorded == board_hash(expected) and expected["format"] == "unionvote-member-board/1"
    assert f'<code class="board-hash">{recorded}</code>' in frozen.text


def test_the_export_carries_the_board_and_the_verifier_checks_it(
        exported: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    board = json.loads((exported / "board.json").read_text())
    assert board["format"] == "unionvote-member-board/1" and board["member_ballot"] == 1
    assert len(board["trackers"]) == 25 and board["trackers"] == sorted(board["trackers"])
    code, out = verify_export(exported, capsys)
    assert code == 0, out
    assert "board.json: 25 trackers, exactly the sealed votes', hash matches member_ballot.closed" in out


def _drop(doc: dict) -> None:  # type: ignore[type-arg]
    doc["trackers"].pop(4)


def _foreign(doc: dict) -> None:  # type: ignore[type-arg]
    doc["trackers"] = sorted([*doc["trackers"][1:], "222222222222"])


def _unsorted(doc: dict) -> None:  # type: ignore[type-arg]
    doc["trackers"][0], doc["trackers"][1] = doc["trackers"][1], doc["trackers"][0]


@pytest.mark.parametrize(("tamper", "where"), [
    (_edit_document("board.json", _drop), "board.json line 1 (member ballot 1, field trackers)"),
    (_edit_document("board.json", _foreign), "board.json line 1 (member ballot 1, field trackers[0])"),
    (_edit_document("board.json", _unsorted), "board.json line 1 (member ballot 1, field trackers[1])"),
    (_edit_document("board.json", lambda d: d.update(member_ballot=2)),
     "board.json line 1 (member ballot 1, field member_ballot)"),
    (_edit_document("board.json", lambda d: d.update(format="unionvote-board/1")),
     "board.json line 1 (member ballot 1, field format)"),
])
def test_a_tampered_board_fails_at_its_file_line_and_field(
        exported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],  # noqa: F811
        tamper: Callable[[Path], None], where: str) -> None:
    _fails_there(exported, tmp_path, capsys, tamper, where)
