"""A check of a member-ballot export written only from docs/audit-format.md, sharing no code with unionvote.

The standard library and the page: the chain (with the independent chain verifier), the electorate at
opening, who voted, every tracker, the contents hash, the declared result's digest, its totals, its
thresholds and the shape of every per-segment row (small groups withheld).
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tests.integration.audit.independent_verifier import canonical_json, verify
from tests.integration.ballots.independent_sealed_member import Refused, check_sealed_member


class Disagreement(Exception):
    pass


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_bytes().split(b"\n") if line.strip()]


def _id_hash(ids: list[int]) -> str:
    return hashlib.sha256("".join(f"{i}\n" for i in ids).encode()).hexdigest()


def _threshold(percent: int, votes: int, entitled: int) -> tuple[bool, int]:
    met = entitled > 0 and votes * 100 >= percent * entitled
    needed = -(-percent * entitled // 100)
    return met, max(0, needed - votes)


def _clear_contents(root: Path, closed: dict[str, Any]) -> dict[int, dict[str, int]]:
    """A ballot cast in the clear (before sealing): every content row's tracker, the hash, the totals."""
    rows = _lines(root / "contents.jsonl")
    hashed = b""
    totals: dict[int, dict[str, int]] = {}
    for row in rows:
        tracked = {"ballot": row["question"], "id": row["id"], "choice": row["choice"], "weight": "1"}
        tracker = base64.b32encode(hashlib.sha256(canonical_json(tracked)).digest()).decode()[:12]
        if tracker != row["tracker"]:
            raise Disagreement(f"contents.jsonl: the tracker of row {row['id']} is not its hash")
        stored = {"question": row["question"], "id": row["id"], "choice": canonical_json(row["choice"]).decode(),
                  "tracker": row["tracker"]}
        hashed += canonical_json(stored) + b"\n"
        for key in row["choice"]:
            totals.setdefault(row["question"], {})[key] = totals.get(row["question"], {}).get(key, 0) + 1
    if hashlib.sha256(hashed).hexdigest() != closed["contents_sha256"] or len(rows) != closed["contents"]:
        raise Disagreement("contents.jsonl: does not hash to contents_sha256")
    return totals


def check(root: Path) -> str:
    """'OK' or raises Disagreement naming what does not hold."""
    manifest = json.loads((root / "manifest.json").read_text())
    if manifest["format"] != "unionvote-member-ballot-export/1":
        raise Disagreement("not a member-ballot export")
    for name, sha in manifest["files"].items():
        if hashlib.sha256((root / name).read_bytes()).hexdigest() != sha:
            raise Disagreement(f"{name}: SHA-256 differs from the manifest")
    ok, message = verify((root / "chain.jsonl").read_bytes().split(b"\n"))
    if not ok:
        raise Disagreement(f"chain.jsonl: {message}")
    chain = _lines(root / "chain.jsonl")
    _check_objections(chain)
    first = {}
    for entry in chain:
        first.setdefault(entry["action"], entry)
    opened = first["member_ballot.opened"]
    now = [row["member"] for row in _lines(root / "electorate.jsonl")]
    at_opening = set(now)
    for entry in chain:  # undo every change after opening
        if entry["seq"] > opened["seq"] and entry["action"] == "member.added":
            at_opening.discard(entry["payload"]["member_id"])
        if entry["seq"] > opened["seq"] and entry["action"] == "member.removed":
            at_opening.add(entry["payload"]["member_id"])
    if _id_hash(sorted(at_opening)) != opened["payload"]["members_sha256"]:
        raise Disagreement("electorate.jsonl: the members at opening do not hash to members_sha256")
    if len(at_opening) != opened["payload"]["electorate_size"]:
        raise Disagreement("electorate.jsonl: electorate_size differs")

    closed = first["member_ballot.closed"]["payload"]
    voted = [row["member"] for row in _lines(root / "participation.jsonl")]
    if _id_hash(voted) != closed["participation_sha256"] or len(voted) != closed["voters"]:
        raise Disagreement("participation.jsonl: does not match member_ballot.closed")

    figures: dict[tuple, dict[str, int]] | None = None
    if (root / "sealing.json").exists():  # "Sealed member ballots"
        try:
            figures = check_sealed_member(root, json.loads((root / "ballot.json").read_text()), closed)
        except Refused as exc:
            raise Disagreement(str(exc)) from None
        rows = _lines(root / "sealed.jsonl")
        if len(rows) != closed["contents"]:
            raise Disagreement("sealed.jsonl: the number of rows is not contents")
        totals = {q: counts for (q, segment), counts in figures.items() if segment is None}
    else:
        totals = _clear_contents(root, closed)
        rows = _lines(root / "contents.jsonl")
    listed = (root / "trackers.txt").read_text()
    if listed != "".join(f"{t}\n" for t in sorted(row["tracker"] for row in rows)):
        raise Disagreement("trackers.txt: not the sorted trackers")

    result = json.loads((root / "result.json").read_bytes())
    declared = first["member_ballot.declared"]["payload"]
    if hashlib.sha256(canonical_json(result)).hexdigest() != declared["result_sha256"]:
        raise Disagreement("result.json: its digest is not result_sha256")
    if (result["entitled"], result["voted"]) != (len(now), len(voted)):
        raise Disagreement("result.json: entitled or voted differ from the files")
    if (result["turnout_met"], result["turnout_short_by"]) != _threshold(
            result["turnout_percent_required"], result["voted"], result["entitled"]):
        raise Disagreement("result.json: the turnout verdict is wrong")
    for question in result["questions"]:
        counted = {key: totals.get(question["id"], {}).get(key, 0) for key, _ in question["options"]}
        if question["totals"] != counted or question["cast"] != sum(counted.values()) or question["invalid"] != 0:
            raise Disagreement(f"result.json: question {question['id']} does not recount")
        yes_rule = result["yes_percent_required"] is not None and "yes" in counted
        if yes_rule and (question["yes_met"], question["yes_short_by"]) != _threshold(
                result["yes_percent_required"], counted["yes"], result["entitled"]):
            raise Disagreement("result.json: the yes verdict is wrong")
        for kind in ("employer", "workplace", "region", "branch"):
            segment_rows = question["segments"][kind]
            if [r["name"] for r in segment_rows] != sorted(r["name"] for r in segment_rows):
                raise Disagreement(f"result.json: {kind} rows are not sorted by name")
            for seg in segment_rows:
                _check_segment(seg, result, question, yes_rule)
                if figures is not None and (question["id"], (kind, seg["name"])) in figures:
                    if seg["suppressed"] or seg["totals"] != figures[(question["id"], (kind, seg["name"]))]:
                        raise Disagreement(f"result.json: segment {seg['name']!r} differs from its decrypted sum")
                elif figures is not None and not seg["suppressed"]:
                    raise Disagreement(f"result.json: segment {seg['name']!r} shows figures never decrypted")
    return "OK"


def _check_segment(seg: dict[str, Any], result: dict[str, Any], question: dict[str, Any], yes_rule: bool) -> None:
    minimum = result["minimum_segment"]
    if seg["small"]:
        if set(seg) != {"name", "small", "suppressed"} or seg["suppressed"] is not True:
            raise Disagreement(f"result.json: small segment {seg['name']!r} shows more than its name")
        return
    if seg["entitled"] < minimum:
        raise Disagreement(f"result.json: segment {seg['name']!r} is below the minimum but not withheld")
    if (seg["turnout_met"], seg["turnout_short_by"]) != _threshold(
            result["turnout_percent_required"], seg["voted"], seg["entitled"]):
        raise Disagreement(f"result.json: segment {seg['name']!r} has the wrong turnout verdict")
    if seg["suppressed"] != (seg["voted"] < minimum or seg.get("complement", False)) or (
            "totals" in seg) == seg["suppressed"] or seg.get("complement", True) is not True:
        raise Disagreement(f"result.json: segment {seg['name']!r} is suppressed wrongly")
    if not seg["suppressed"] and yes_rule and (seg["yes_met"], seg["yes_short_by"]) != _threshold(
            result["yes_percent_required"], seg["totals"]["yes"], seg["entitled"]):
        raise Disagreement(f"result.json: segment {seg['name']!r} has the wrong yes verdict")
    if not seg["suppressed"] and set(seg["totals"]) != {key for key, _ in question["options"]}:
        raise Disagreement(f"result.json: segment {seg['name']!r} lacks an option")


def _when(entry: dict[str, Any]) -> datetime:
    return datetime.strptime(entry["at"], "%Y-%m-%dT%H:%M:%S.%fZ")


def _check_objections(chain: list[dict[str, Any]]) -> None:
    """"The objection period, complaints, attempts to vote again and the certificate", rule by rule."""
    created = next(e for e in chain if e["action"] == "member_ballot.created")
    period = timedelta(hours=created["payload"].get("objection_hours", 0))
    closed, ended, declared = None, False, None
    lodged: list[int] = []
    decided: list[int] = []
    for entry in chain:
        action, payload = entry["action"], entry["payload"]
        waiting = [c for c in lodged if c not in decided]
        if action == "member_ballot.closed":
            closed = entry
        elif action == "complaint.lodged":
            if payload["complaint"] in lodged:
                raise Disagreement(f"chain.jsonl: complaint {payload['complaint']} lodged twice")
            lodged.append(payload["complaint"])
        elif action == "complaint.decided":
            if payload["complaint"] not in waiting or payload["decision"] not in ("upheld", "rejected"):
                raise Disagreement(f"chain.jsonl: a wrong decision on complaint {payload['complaint']}")
            decided.append(payload["complaint"])
        elif action == "objections.closed":
            if waiting or closed is None or payload["complaints"] != len(lodged):
                raise Disagreement("chain.jsonl: the objection period was ended wrongly")
            ended = True
        elif action == "member_ballot.declared":
            if waiting:
                raise Disagreement(f"chain.jsonl: declared with complaint {waiting[0]} undecided")
            if closed is None or not ended and _when(entry) < _when(closed) + period:
                raise Disagreement("chain.jsonl: declared within the objection period")
            declared = payload["result_sha256"]
        elif action == "member_ballot.second_attempt":
            if sorted(payload) != ["channel", "member_id"] or payload["channel"] not in ("link", "code", "portal"):
                raise Disagreement("chain.jsonl: an attempt to vote again says more than member and channel")
        elif action == "member_ballot.certified" and payload["result_sha256"] != declared:
            raise Disagreement("chain.jsonl: the certificate is not of the declared result")
