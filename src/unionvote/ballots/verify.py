"""`unionvote audit verify DIR` for a member-ballot export: every hash recomputed, every vote recounted. Pure.

Checks, in order: the manifest's format; the `member_ballot:<id>` chain; ballot.json against
the chain; the electorate (the members entitled when it opened, rebuilt from the file and the
chain's later additions and removals) against `members_sha256`; who voted against
`participation_sha256`; each content row's tracker, then the contents hash and counts against
`member_ballot.closed` (a sealed ballot: sealing.json and every sealed answer's proofs, each
slice's sum and decryption, ballots.verify_sealed); the published trackers; the declared result
against its hash and a recount of each question's totals (and, sealed, of each segment's); the
manifest's file hashes. The first failure names the
file, line and field. docs/audit-format.md ("Member-ballot export") states each rule.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from unionvote.audit.anchors import AnchorCheck, NotedHeads
from unionvote.audit.chain import canonical_json
from unionvote.ballots.verify_objections import check_objections
from unionvote.ballots.verify_sealed import check_sealed_answers, check_sealing, check_segments
from unionvote.voting.receipts import tracker_of
from unionvote.voting.verify import Report, _check_heads, _check_manifest, check_signatures
from unionvote.voting.verify_files import ExportFailure, ExportFiles, digest, tracker_mismatch

FORMAT = "unionvote-member-ballot-export/1"
CONTENT_ID = re.compile(r"[0-9a-f]{32}")
CREATED_FIELDS = ("turnout_percent", "yes_percent", "min_segment")
NEEDS = {"electorate.jsonl": "member_ballot.opened", "participation.jsonl": "member_ballot.closed",
         "contents.jsonl": "member_ballot.closed", "trackers.txt": "member_ballot.closed",
         "sealing.json": "member_ballot.sealing", "sealed.jsonl": "member_ballot.closed",
         "board.json": "member_ballot.closed",
         "result.json": "member_ballot.declared"}  # a file may be present only after this entry


def id_lines_hash(ids: list[int]) -> str:
    return hashlib.sha256("".join(f"{ident}\n" for ident in ids).encode()).hexdigest()


def verify_member_export(root: Path, heads: NotedHeads | None = None, keys: tuple[str, ...] = ()) -> Report:
    report = Report()
    try:
        MemberBallotCheck(ExportFiles(root), report.notes, heads or NotedHeads()).run()
        check_signatures(root, keys, report.notes)
    except ExportFailure as exc:
        report.failure = exc
    except (KeyError, TypeError, ValueError, AttributeError, OSError) as exc:  # a shape no check foresaw
        where = report.notes[-1].split(":")[0] if report.notes else "the export"
        report.failure = ExportFailure(f"after {where}", f"the export could not be read ({exc!r})")
    return report


@dataclass
class MemberBallotCheck:
    files: ExportFiles
    notes: list[str]
    heads: NotedHeads = field(default_factory=NotedHeads)
    ballot_id: int = 0
    hashes: list[str] = field(default_factory=list)
    doc: dict[str, Any] = field(default_factory=dict)
    events: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    changes: list[tuple[int, str, int]] = field(default_factory=list)  # (chain line, action, member id)

    def fail(self, file: str, why: str, line: int | None = None, what: str | None = None) -> ExportFailure:
        place = file + (f" line {line}" if line else "")
        return ExportFailure(f"{place} (member ballot {self.ballot_id}" + (f", {what})" if what else ")"), why)

    folder = "the export"  # a member-ballot export is one folder: its files' names stand alone

    def name(self, file: str) -> str:
        return file

    def recorded(self, action: str, key: str) -> Any:
        found = self.events.get(action)
        return None if found is None else found[1]["payload"].get(key)

    def at(self, action: str) -> str:
        return f"the {action} entry (chain.jsonl line {self.events[action][0]})"

    def run(self) -> None:
        listed = self.manifest()
        self.read_chain()
        self.check_ballot_document()
        voted: list[int] = []
        facts = check_sealing(self) if "member_ballot.sealing" in self.events else None
        if "member_ballot.opened" in self.events:
            electorate = self.check_electorate()
            if "member_ballot.closed" in self.events:
                voted = self.check_participation(electorate)
                sealed = None
                if facts is not None:
                    sealed = check_sealed_answers(self, facts, len(voted))
                    totals = sealed.totals
                else:
                    totals = self.check_contents(len(voted))
                if "member_ballot.declared" in self.events:
                    self.check_result(electorate, voted, totals)
                    if sealed is not None:
                        check_segments(self, self.files.document("result.json"), sealed)
        for file, needed in NEEDS.items():
            if self.files.has(file) and needed not in self.events:
                raise self.fail(file, f"the file is present but the chain has no {needed} entry")
        self.notes.append(f"manifest.json: {_check_manifest(self.files, listed)} files, every SHA-256 matches")
        if self.heads:
            scope = f"member_ballot:{self.ballot_id}"
            anchors = AnchorCheck(self.heads, lambda given: given == scope)
            anchors.chain(scope, self.hashes)
            _check_heads(anchors, self.notes)

    def manifest(self) -> dict[str, str]:
        manifest = self.files.document("manifest.json")
        if manifest.get("format") != FORMAT:
            raise ExportFailure("manifest.json (field format)", f"not {FORMAT!r}: this is not a member-ballot export")
        ballot, listed = manifest.get("member_ballot"), manifest.get("files")
        if not isinstance(ballot, int) or isinstance(ballot, bool):
            raise ExportFailure("manifest.json (field member_ballot)", "the ballot id is not a whole number")
        if not isinstance(listed, dict) or not all(isinstance(v, str) for v in listed.values()):
            raise ExportFailure("manifest.json (field files)", "files is not an object of file names and hashes")
        self.ballot_id = ballot
        return listed

    def read_chain(self) -> None:
        rows = self.files.chain("chain.jsonl", f"member_ballot:{self.ballot_id}")
        self.hashes = [entry["hash"] for _, entry in rows]
        for line, entry in rows:
            action = entry["action"]
            if action in ("member.added", "member.removed"):
                self.changes.append((line, action, entry["payload"].get("member_id")))
            self.events.setdefault(action, (line, entry))
        if "member_ballot.created" not in self.events:
            raise self.fail("chain.jsonl", "the chain has no member_ballot.created entry")
        complaints = check_objections(rows, lambda why, line: self.fail("chain.jsonl", why, line))
        if complaints:
            self.notes.append(f"chain.jsonl: {complaints} complaint(s), each decided before the declaration")
        self.notes.append(f"chain.jsonl: {len(rows)} entries, head {rows[-1][1]['hash']}")

    def check_ballot_document(self) -> None:
        self.doc = doc = self.files.document("ballot.json")
        if doc.get("ballot") != self.ballot_id:
            raise self.fail("ballot.json", f"the file describes ballot {doc.get('ballot')!r}", what="field ballot")
        for key in CREATED_FIELDS:
            if doc.get(key) != self.recorded("member_ballot.created", key):
                raise self.fail("ballot.json", f"{key} differs from {self.at('member_ballot.created')}",
                                what=f"field {key}")
        if len(doc.get("questions") or []) != self.recorded("member_ballot.created", "questions"):
            raise self.fail("ballot.json", f"the number of questions differs from {self.at('member_ballot.created')}",
                            what="field questions")
        state = next((s for a, s in (("member_ballot.declared", "declared"), ("member_ballot.closed", "closed"),
                                     ("member_ballot.opened", "open")) if a in self.events), "draft")
        if doc.get("state") != state:
            raise self.fail("ballot.json", f"state is {doc.get('state')!r} but the chain says {state!r}",
                            what="field state")
        for key, action, recorded in (("electorate_sha256", "member_ballot.opened", "electorate_sha256"),
                                      ("electorate_size", "member_ballot.opened", "electorate_size"),
                                      ("contents_sha256", "member_ballot.closed", "contents_sha256"),
                                      ("result_sha256", "member_ballot.declared", "result_sha256")):
            if doc.get(key) != self.recorded(action, recorded):
                raise self.fail("ballot.json", f"{key} differs from the chain's {action} entry", what=f"field {key}")

    def _ids(self, file: str) -> list[tuple[int, int]]:
        """(line, member id) of a file of {"member": id} rows, ids strictly ascending."""
        ids: list[tuple[int, int]] = []
        for line, row in self.files.rows(file):
            member = row.get("member")
            if set(row) != {"member"} or not isinstance(member, int) or isinstance(member, bool):
                raise self.fail(file, 'a row is {"member": id}', line)
            if ids and member <= ids[-1][1]:
                raise self.fail(file, f"member {member} is out of order or repeated", line, "field member")
            ids.append((line, member))
        return ids

    def _members_at(self, final: set[int], chain_line: int) -> set[int]:
        """The members entitled just after `chain_line`, undoing the later additions and removals."""
        members = set(final)
        for line, action, member in reversed(self.changes):
            if line > chain_line:
                (members.discard if action == "member.added" else members.add)(member)
        return members

    def check_electorate(self) -> set[int]:
        file = "electorate.jsonl"
        rows = self._ids(file)
        final = {member for _, member in rows}
        for line, action, member in self.changes:
            if action == "member.removed" and member in final and not any(
                    later > line and a == "member.added" and m == member for later, a, m in self.changes):
                where = next(n for n, m in rows if m == member)
                raise self.fail(file, f"member {member} was removed (chain.jsonl line {line}) but is listed", where,
                                "field member")
        opened = self._members_at(final, self.events["member_ballot.opened"][0])
        size, expected = self.recorded("member_ballot.opened", "electorate_size"), \
            self.recorded("member_ballot.opened", "members_sha256")
        if len(opened) != size:
            raise self.fail(file, f"with the chain's later additions and removals undone it lists {len(opened)} "
                            f"members when the ballot opened, not {size} as in {self.at('member_ballot.opened')}")
        if expected is None:
            self.notes.append(f"{file}: {len(final)} members; the ballot opened before member-id hashes were "
                              "recorded, so only the count is checked")
            return final
        found = id_lines_hash(sorted(opened))
        if found != expected:
            raise self.fail(file, f"the members entitled at opening hash to {found}, not to the members_sha256 in "
                            f"{self.at('member_ballot.opened')}: a member id was changed", what="field member")
        self.notes.append(f"{file}: {len(final)} members, {len(opened)} at opening, hash matches "
                          "member_ballot.opened")
        return final

    def check_participation(self, electorate: set[int]) -> list[int]:
        file = "participation.jsonl"
        rows = self._ids(file)
        at_close = self._members_at(electorate, self.events["member_ballot.closed"][0])
        for line, member in rows:
            if member not in at_close:
                raise self.fail(file, f"member {member} voted but is not in the electorate", line, "field member")
        voted = [member for _, member in rows]
        if len(voted) != self.recorded("member_ballot.closed", "voters"):
            raise self.fail(file, f"{len(voted)} members voted, but {self.at('member_ballot.closed')} records "
                            f"{self.recorded('member_ballot.closed', 'voters')}")
        expected = self.recorded("member_ballot.closed", "participation_sha256")
        if expected is not None and id_lines_hash(voted) != expected:
            raise self.fail(file, f"who voted hashes to {id_lines_hash(voted)}, not to the participation_sha256 in "
                            f"{self.at('member_ballot.closed')}: a member id was changed", what="field member")
        self.notes.append(f"{file}: {len(voted)} members voted" + (", hash matches member_ballot.closed"
                                                                   if expected else ""))
        return voted

    def check_contents(self, voters: int) -> dict[int, Counter[str]]:
        file = "contents.jsonl"
        questions = {q["id"]: q for q in self.doc.get("questions", [])}
        order = [q["id"] for q in sorted(questions.values(), key=lambda q: q["position"])]
        totals: dict[int, Counter[str]] = {q: Counter() for q in order}
        digest_of, previous, count = hashlib.sha256(), (-1, ""), 0
        for line, row in self.files.rows(file):
            if set(row) != {"choice", "id", "question", "tracker"}:
                raise self.fail(file, "a row has exactly the fields choice, id, question, tracker", line)
            question = row["question"]
            if question not in questions:
                raise self.fail(file, f"question {question!r} is not one of the ballot's", line, "field question")
            if not isinstance(row["id"], str) or not CONTENT_ID.fullmatch(row["id"]):
                raise self.fail(file, "the id is not 32 lowercase hex characters", line, "field id")
            place = (order.index(question), row["id"])
            if place <= previous:
                raise self.fail(file, "rows are not in question order and then id order, or an id repeats", line,
                                "field id")
            previous = place
            keys = [key for key, _ in questions[question]["options"]]
            choice = row["choice"]
            if not isinstance(choice, list) or len(choice) != 1 or choice[0] not in keys:
                raise self.fail(file, f"the choice {choice!r} is not one of this question's answers", line,
                                "field choice")
            if tracker_of(question, row["id"], choice, Fraction(1)) != row["tracker"]:
                raise self.fail(file, f"the tracker {row['tracker']!r} is not the hash of this row: its choice or id "
                                "was changed (or the tracker)", line, "field choice/tracker")
            digest_of.update(canonical_json({"question": question, "id": row["id"],
                                             "choice": canonical_json(choice).decode(),
                                             "tracker": row["tracker"]}) + b"\n")
            totals[question][choice[0]] += 1
            count += 1
        closed = self.at("member_ballot.closed")
        if count != self.recorded("member_ballot.closed", "contents"):
            raise self.fail(file, f"{count} rows, but {closed} records "
                            f"{self.recorded('member_ballot.closed', 'contents')}")
        if digest_of.hexdigest() != self.recorded("member_ballot.closed", "contents_sha256"):
            raise self.fail(file, f"the contents hash {digest_of.hexdigest()} differs from the one in {closed}: a row "
                            "was changed, added or removed")
        for question, counted in totals.items():
            if sum(counted.values()) != voters:
                raise self.fail(file, f"question {question} has {sum(counted.values())} votes but {voters} members "
                                "voted")
        self.check_trackers()
        self.notes.append(f"{file}: {count} votes, every tracker recomputed, hash matches member_ballot.closed")
        return totals

    def check_trackers(self) -> None:
        self.check_tracker_list([row["tracker"] for _, row in self.files.rows("contents.jsonl")])

    def check_tracker_list(self, trackers: list[str]) -> None:
        expected = sorted(trackers)
        listed = self.files.text("trackers.txt")
        if mismatch := tracker_mismatch(listed, expected):
            raise self.fail("trackers.txt", *mismatch)

    def check_result(self, electorate: set[int], voted: list[int], totals: dict[int, Counter[str]]) -> None:
        file = "result.json"
        result = self.files.document(file)
        declared = self.recorded("member_ballot.declared", "result_sha256")
        if digest(result) != declared:
            raise self.fail(file, f"the result hashes to {digest(result)}, not to the result_sha256 {declared} in "
                            f"{self.at('member_ballot.declared')}: the file was changed")
        entitled = len(self._members_at(electorate, self.events["member_ballot.declared"][0]))
        for key, value in (("entitled", entitled), ("voted", len(voted)),
                           ("electorate_sha256", self.recorded("member_ballot.opened", "electorate_sha256")),
                           ("contents_sha256", self.recorded("member_ballot.closed", "contents_sha256"))):
            if result.get(key) != value:
                raise self.fail(file, f"{key} is {result.get(key)!r}, but the export gives {value!r}",
                                what=f"field {key}")
        for index, question in enumerate(result.get("questions", [])):
            counted = totals.get(question.get("id"), Counter())
            recount = {key: counted.get(key, 0) for key in question.get("totals", {})}
            if recount != question.get("totals") or sum(counted.values()) != question.get("cast"):
                raise self.fail(file, f"question {question.get('position')}: the recount gives {recount}, the "
                                f"declared result {question.get('totals')}", what=f"field questions[{index}].totals")
        self.notes.append(f"{file}: recount matches every question's totals; hash {declared} matches "
                          "member_ballot.declared")
