"""The board's hash as docs/audit-format.md ("The board") states it, and trackers as people type them."""

from __future__ import annotations

import re
from pathlib import Path

from unionvote.voting.board import board_document, board_hash, read_tracker

DOC = Path(__file__).parents[3] / "docs" / "audit-format.md"


def test_the_worked_board_of_the_format_page_hashes_as_stated() -> None:
    stated = re.search(r"its `board_hash` is\s+`([0-9a-f]{64})`", DOC.read_text())
    assert stated, "the format page states the example board's hash"
    assert board_hash(board_document(7, ["NELMRSITXMTX"])) == stated.group(1)


def test_the_board_is_sorted_whatever_order_votes_came_in() -> None:
    assert board_document(3, ["ZZZZZZZZZZZZ", "AAAAAAAAAAAA"])["trackers"] == ["AAAAAAAAAAAA", "ZZZZZZZZZZZZ"]


def test_a_tracker_is_read_as_typed_with_dashes_spaces_or_small_letters() -> None:
    assert read_tracker("nelm-rsit xmtx") == "NELMRSITXMTX"
    assert read_tracker("NELM-RSIT-XMT") is None  # 11 characters
    assert read_tracker("NELM-RSIT-XMT1") is None  # 1 is not in the alphabet
