"""Checking a sealed ballot's frozen board (board.json): exactly the sealed votes' trackers, hashing to the record.

docs/audit-format.md, "The board", specifies the file and its hash.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from unionvote.i18n import _
from unionvote.voting.board import BOARD_KINDS, TRACKER_TEXT, board_hash

if TYPE_CHECKING:
    from unionvote.ballots.verify import MemberBallotCheck
    from unionvote.voting.verify_ballot import BallotCheck


def check_board(check: BallotCheck | MemberBallotCheck, lines: dict[str, int], kind: str = "ballot") -> None:
    """board.json against the sealed votes' trackers (each with its line of sealed.jsonl) and the board_hash
    that the close entry (`ballot.closed`, or `member_ballot.closed` for kind "member_ballot") recorded."""
    file, closed, expected_format = "board.json", f"{kind}.closed", BOARD_KINDS[kind]
    fields = {"format", kind, "trackers"}
    recorded = check.recorded(closed, "board_hash")
    if recorded is None:
        if check.files.has(check.name(file)):
            raise check.fail(file, _("the file is present but %(entry)s records no board_hash")
                             % {"entry": check.at(closed)})
        check.notes.append(_("%(file)s: no board was recorded when voting closed") % {"file": check.folder})
        return
    board = check.files.document(check.name(file))
    if set(board) != fields:
        raise check.fail(file, _("the board has exactly the fields %(fields)s")
                         % {"fields": ", ".join(sorted(fields))}, 1)
    if board["format"] != expected_format:
        raise check.fail(file, _("the format is %(found)s, not %(expected)s")
                         % {"found": repr(board["format"]), "expected": repr(expected_format)}, 1, "field format")
    if board[kind] != check.ballot_id:
        raise check.fail(file, _("the board is of ballot %(ballot)s") % {"ballot": repr(board[kind])}, 1,
                         f"field {kind}")
    listed = board["trackers"]
    if not isinstance(listed, list):
        raise check.fail(file, _("trackers is a list"), 1, "field trackers")
    for i, tracker in enumerate(listed):
        if not isinstance(tracker, str) or not TRACKER_TEXT.fullmatch(tracker):
            raise check.fail(file, _("%(tracker)s is not a tracker (12 characters A-Z, 2-7)")
                             % {"tracker": repr(tracker)}, 1, f"field trackers[{i}]")
        if i and tracker <= listed[i - 1]:
            raise check.fail(file, _("%(tracker)s is out of order or repeated: the board is sorted, each tracker once")
                             % {"tracker": tracker},
                             1, f"field trackers[{i}]")
        if tracker not in lines:
            raise check.fail(file, _("%(tracker)s is not the tracker of any sealed vote in sealed.jsonl")
                             % {"tracker": tracker}, 1,
                             f"field trackers[{i}]")
    missing = sorted(set(lines) - set(listed))
    if missing:
        raise check.fail(file, _("the tracker %(tracker)s of sealed.jsonl line %(line)s is not on the board")
                         % {"tracker": missing[0], "line": lines[missing[0]]}, 1, "field trackers")
    found = board_hash(board)
    if found != recorded:
        raise check.fail(file, _("the board hashes to %(found)s, not to the board_hash in %(entry)s")
                         % {"found": found, "entry": check.at(closed)},
                         1, "field trackers")
    check.notes.append(_("%(file)s: %(count)s trackers, exactly the sealed votes', hash matches %(entry)s")
                       % {"file": check.name(file), "count": len(listed), "entry": closed})
