"""The objection period as the member-ballot chain records it, checked by `audit verify` from the chain alone.

Every complaint lodged before the declaration has a decision before it; the declaration comes after the
objection period (`objection_hours` after `member_ballot.closed`) or after the returning officer ended it
(`objections.closed`); an attempt to vote again names a member and a channel and nothing else; a
certificate follows the declaration and names its result. See docs/audit-format.md.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from unionvote.audit.chain import canonical_json

CHANNELS = ("link", "code", "portal")
DECISIONS = ("upheld", "rejected")


def _moment(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def check_objections(rows: list[tuple[int, dict[str, Any]]], fail: Callable[[str, int], Exception]) -> int:
    """Raises fail(why, line) at the first entry that breaks the rules; returns how many complaints were lodged."""
    hours, closed_at, ended = 0, None, False
    lodged: dict[Any, int] = {}  # complaint id -> line
    decided: set[Any] = set()
    declared: str | None = None
    for line, entry in rows:
        action, payload = entry["action"], entry["payload"]
        if action == "member_ballot.created":
            hours = payload.get("objection_hours", 0)  # ballots created before the period was recorded: none
        elif action == "member_ballot.closed":
            closed_at = _moment(entry["at"])
        elif action == "complaint.lodged":
            if payload["complaint"] in lodged:
                raise fail(f"complaint {payload['complaint']} is lodged twice", line)
            lodged[payload["complaint"]] = line
        elif action == "complaint.decided":
            if payload["complaint"] not in lodged or payload["complaint"] in decided:
                raise fail(f"a decision on complaint {payload['complaint']}, which is not lodged or already decided",
                           line)
            if payload.get("decision") not in DECISIONS:
                raise fail(f"the decision {payload.get('decision')!r} is neither upheld nor rejected", line)
            decided.add(payload["complaint"])
        elif action == "objections.closed":
            _all_decided(lodged, decided, "the objection period was ended", line, fail)
            if closed_at is None or payload.get("complaints") != len(lodged):
                raise fail("the objection period was ended before close, or its complaint count is wrong", line)
            ended = True
        elif action == "member_ballot.declared":
            _all_decided(lodged, decided, "the result was declared", line, fail)
            if closed_at is None or not ended and _moment(entry["at"]) < closed_at + timedelta(hours=hours):
                raise fail(f"the result was declared within the {hours}-hour objection period", line)
            declared = payload["result_sha256"]
        elif action == "member_ballot.second_attempt":
            if set(payload) != {"member_id", "channel"} or payload["channel"] not in CHANNELS:
                shown = canonical_json(payload).decode()
                raise fail(f"an attempt to vote again must name only the member and a channel: {shown}", line)
        elif action == "member_ballot.certified" and (declared is None or payload.get("result_sha256") != declared):
            raise fail("the certificate does not follow the declaration of the same result", line)
    return len(lodged)


def _all_decided(lodged: dict[Any, int], decided: set[Any], what: str, line: int,
                 fail: Callable[[str, int], Exception]) -> None:
    waiting = sorted(str(c) for c in lodged if c not in decided)
    if waiting:
        raise fail(f"{what} while complaint {', '.join(waiting)} had no decision", line)
