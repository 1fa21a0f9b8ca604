"""Checking a sealed ballot's frozen board (board.json): exactly the sealed votes' trackers, hashing to the record.

docs/audit-format.md, "The board", specifies the file and its hash.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from unionvote.voting.board import BOARD_FORMAT, TRACKER_TEXT, board_hash

if TYPE_CHECKING:
    from unionvote.voting.verify_ballot import BallotCheck

BOARD_FIELDS = {"format", "ballot", "trackers"}


def check_board(check: BallotCheck, lines: dict[str, int]) -> None:
    """board.json against the sealed votes' trackers (each with its line of sealed.jsonl) and the board_hash
    that ballot.closed recorded."""
    file = "board.json"
    recorded = check.recorded("ballot.closed", "board_hash")
    if recorded is None:
        if check.files.has(check.name(file)):
            raise check.fail(file, f"the file is present but {check.at('ballot.closed')} records no board_hash")
        check.notes.append(f"{check.folder}: no board was recorded when voting closed")
        return
    board = check.files.document(check.name(file))
    if set(board) != BOARD_FIELDS:
        raise check.fail(file, f"the board has exactly the fields {', '.join(sorted(BOARD_FIELDS))}", 1)
    if board["format"] != BOARD_FORMAT:
        raise check.fail(file, f"the format is {board['format']!r}, not {BOARD_FORMAT!r}", 1, "field format")
    if board["ballot"] != check.ballot_id:
        raise check.fail(file, f"the board is of ballot {board['ballot']!r}", 1, "field ballot")
    listed = board["trackers"]
    if not isinstance(listed, list):
        raise check.fail(file, "trackers is a list", 1, "field trackers")
    for i, tracker in enumerate(listed):
        if not isinstance(tracker, str) or not TRACKER_TEXT.fullmatch(tracker):
            raise check.fail(file, f"{tracker!r} is not a tracker (12 characters A-Z, 2-7)", 1, f"field trackers[{i}]")
        if i and tracker <= listed[i - 1]:
            raise check.fail(file, f"{tracker} is out of order or repeated: the board is sorted, each tracker once",
                             1, f"field trackers[{i}]")
        if tracker not in lines:
            raise check.fail(file, f"{tracker} is not the tracker of any sealed vote in sealed.jsonl", 1,
                             f"field trackers[{i}]")
    missing = sorted(set(lines) - set(listed))
    if missing:
        raise check.fail(file, f"the tracker {missing[0]} of sealed.jsonl line {lines[missing[0]]} is not on the "
                         "board", 1, "field trackers")
    found = board_hash(board)
    if found != recorded:
        raise check.fail(file, f"the board hashes to {found}, not to the board_hash in {check.at('ballot.closed')}",
                         1, "field trackers")
    check.notes.append(f"{check.name(file)}: {len(listed)} trackers, exactly the sealed votes', hash matches "
                       "ballot.closed")
