"""Checking one ballot's folder of a conference export against its own chain, step by step.

The electorate hash, each content row and its tracker, the contents and participation hashes,
the published trackers, the hall counts, and the recount against the declared result.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from unionvote.audit.chain import canonical_json
from unionvote.errors import RuleViolation
from unionvote.i18n import _
from unionvote.voting.receipts import tracker_of
from unionvote.voting.rules import Method, fraction_text
from unionvote.voting.verify_files import (
    ExportFailure,
    ExportFiles,
    choices_of,
    digest,
    first_difference,
    recount,
    tracker_mismatch,
    value_at,
    weight_of,
)
from unionvote.voting.verify_sealed import (
    SealedRecount,
    check_rows_against_close,
    check_sealed_votes,
    check_sealing,
    row_fields,
)

CONTENT_FIELDS = {"id", "choice", "weight", "tracker"}
HALL_FIELDS = {"section", "counts", "papers", "invalid", "teller"}
CREATED_FIELDS = ("method", "secrecy", "weighting", "rule", "options", "max_choices")
CONTENT_ID = re.compile(r"[0-9a-f]{32}")


def elections_hook(name: str) -> Callable[..., Any] | None:
    """A recount the elections domain provides (it sits above voting, so it is looked up, not imported).

    `unionvote.elections.verify.recount_ranked(ballot, contents, hall, casting_vote, declared=)` is
    given the exported result document as `declared` (its election, rule and seats) and returns the
    result document; `recount_declarations(lines)` recounts the `election.declared` entries of a
    conference chain. None when the elections domain is absent: the export then says what it could
    not recount.
    """
    try:
        module = importlib.import_module("unionvote.elections.verify")
    except ModuleNotFoundError:
        return None
    return getattr(module, name, None)


@dataclass
class BallotCheck:
    """One ballot's folder, read and checked step by step against its own chain."""

    files: ExportFiles
    ballot_id: int
    notes: list[str]
    doc: dict[str, Any] = field(default_factory=dict)
    events: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    hall_events: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    hashes: list[str] = field(default_factory=list)  # every entry's hash, for checking noted heads

    @property
    def folder(self) -> str:
        return f"ballots/{self.ballot_id}"

    def name(self, file: str) -> str:
        return f"{self.folder}/{file}"

    def where(self, file: str, line: int | None = None, what: str | None = None) -> str:
        place = self.name(file) + (f" line {line}" if line else "")
        return f"{place} (ballot {self.ballot_id}" + (f", {what})" if what else ")")

    def fail(self, file: str, why: str, line: int | None = None, what: str | None = None) -> ExportFailure:
        return ExportFailure(self.where(file, line, what), why)

    def entry(self, action: str) -> tuple[int, dict[str, Any]] | None:
        return self.events.get(action)

    def recorded(self, action: str, key: str) -> Any:
        found = self.events.get(action)
        return None if found is None else found[1]["payload"].get(key)

    def at(self, action: str) -> str:
        line = self.events[action][0]
        return f"the {action} entry ({self.name('chain.jsonl')} line {line})"

    def differs(self, key: str, action: str) -> str:
        return _("%(field)s differs from %(entry)s") % {"field": key, "entry": self.at(action)}

    def run(self) -> None:
        self.read_chain()
        self.check_ballot_document()
        electorate = self.check_electorate() if self.entry("ballot.opened") else None
        if self.entry("ballot.closed"):
            if electorate is None:
                raise self.fail("chain.jsonl", _("the ballot closed but the chain has no ballot.opened entry"))
            sealed = self.check_sealed(electorate)
            rows = self.check_contents(electorate) if sealed is None else []
            hall = self.check_hall()
            if self.entry("ballot.declared"):
                self.check_result(electorate, rows, hall, sealed)
        for file in ("electorate.jsonl", "contents.jsonl", "hall.jsonl", "trackers.txt", "board.json", "result.json"):
            needed = {"electorate.jsonl": "ballot.opened", "result.json": "ballot.declared"}.get(file, "ballot.closed")
            if self.files.has(self.name(file)) and not self.entry(needed):
                raise self.fail(file, _("the file is present but the chain has no %(entry)s entry") % {"entry": needed})

    def read_chain(self) -> None:
        rows = self.files.chain(self.name("chain.jsonl"), f"ballot:{self.ballot_id}")
        self.hashes = [entry["hash"] for _, entry in rows]
        for line, entry in rows:
            if entry["payload"].get("ballot") != self.ballot_id:
                raise self.fail("chain.jsonl", _("the %(action)s entry is about ballot %(ballot)s") % {
                    "action": entry["action"], "ballot": repr(entry["payload"].get("ballot"))}, line, "payload.ballot")
            if entry["action"] == "ballot.hall_count":
                self.hall_events[str(entry["payload"].get("section"))] = (line, entry)
            else:
                self.events.setdefault(entry["action"], (line, entry))
        if not self.entry("ballot.created"):
            raise self.fail("chain.jsonl", _("the chain has no ballot.created entry"))
        self.notes.append(_("%(file)s: %(count)s entries, head %(head)s") % {
            "file": self.name("chain.jsonl"), "count": len(rows), "head": rows[-1][1]["hash"]})

    def check_ballot_document(self) -> None:
        self.doc = doc = self.files.document(self.name("ballot.json"))
        created = self.events["ballot.created"][1]["payload"]
        for key in CREATED_FIELDS:
            if canonical_json(doc.get(key)) != canonical_json(created.get(key)):
                raise self.fail("ballot.json", self.differs(key, "ballot.created"), what=f"field {key}")
        state = next((s for a, s in (("ballot.voided", "void"), ("ballot.declared", "declared"),
                                     ("ballot.closed", "closed"), ("ballot.opened", "open")) if self.entry(a)),
                     "draft")
        if doc.get("state") != state:
            raise self.fail("ballot.json", _("state is %(found)s but the chain says %(state)s")
                            % {"found": repr(doc.get("state")), "state": repr(state)}, what="field state")
        if self.entry("ballot.opened"):
            pairs = (("voters", "electorate_size"), ("weight", "electorate_weight"),
                     ("entitled_weight", "entitled_weight"), ("hash", "electorate_hash"))
            for key, recorded in pairs:
                if value_at(doc, f"electorate.{key}") != self.recorded("ballot.opened", recorded):
                    raise self.fail("ballot.json", self.differs(f"electorate.{key}", "ballot.opened"),
                                    what=f"field electorate.{key}")
            if doc.get("card_mode") != self.recorded("ballot.opened", "card_mode"):
                raise self.fail("ballot.json", self.differs("card_mode", "ballot.opened"),
                                what="field card_mode")
        if self.entry("ballot.declared") and doc.get("result_hash") != self.recorded("ballot.declared",
                                                                                    "result_hash"):
            raise self.fail("ballot.json", self.differs("result_hash", "ballot.declared"),
                            what="field result_hash")

    def check_electorate(self) -> dict[int, Fraction]:
        file, weights = "electorate.jsonl", {}
        voters = []
        for line, row in self.files.rows(self.name(file)):
            delegate = row.get("delegate")
            if set(row) != {"delegate", "weight"} or not isinstance(delegate, int) or isinstance(delegate, bool):
                raise self.fail(file, _("a row is {\"delegate\": id, \"weight\": text}"), line)
            if voters and delegate <= voters[-1][0]:
                raise self.fail(file, _("delegate %(delegate)s is out of order or repeated") % {"delegate": delegate},
                                line, "field delegate")
            weights[delegate] = weight_of(row["weight"], self.where(file, line, "field weight"))
            voters.append([delegate, row["weight"]])
        found = digest({"ballot": self.ballot_id, "voters": voters})
        if found != self.recorded("ballot.opened", "electorate_hash"):
            total = fraction_text(sum(weights.values(), Fraction(0)))
            size, weight = self.recorded("ballot.opened", "electorate_size"), self.recorded("ballot.opened",
                                                                                           "electorate_weight")
            detail = (_("it lists %(count)s voters, not %(size)s") % {"count": len(voters), "size": size}
                      if len(voters) != size else
                      _("its weights add up to %(total)s, not %(weight)s: a weight was changed")
                      % {"total": total, "weight": weight} if total != weight else
                      _("a delegate id or a weight was changed"))
            raise self.fail(file, _("the electorate hash %(hash)s differs from the one in %(entry)s; %(detail)s")
                            % {"hash": found, "entry": self.at("ballot.opened"), "detail": detail},
                            what="field weight" if total != weight else None)
        self.notes.append(_("%(file)s: %(count)s voters, weight %(weight)s, hash matches %(entry)s") % {
            "file": self.name(file), "count": len(voters), "weight": fraction_text(sum(weights.values())),
            "entry": "ballot.opened"})
        return weights

    def check_contents(self, electorate: dict[int, Fraction]) -> list[dict[str, Any]]:
        file, secret = "contents.jsonl", self.doc.get("secrecy") != "open"
        choices = choices_of(self.doc)
        fields = CONTENT_FIELDS if secret else CONTENT_FIELDS | {"delegate"}
        rows, seen, voted = [], set(), []
        for line, row in self.files.rows(self.name(file)):
            if set(row) != fields:
                raise self.fail(file, row_fields(fields), line)
            if not isinstance(row["id"], str) or not CONTENT_ID.fullmatch(row["id"]) or row["id"] in seen:
                raise self.fail(file, _("the id is not 32 lowercase hex characters, or repeats"), line, "field id")
            seen.add(row["id"])
            try:
                if list(choices.check(row["choice"])) != row["choice"]:
                    raise RuleViolation(_("the options are not in the ballot's order"))
            except RuleViolation as exc:
                raise self.fail(file, _("the choice %(choice)s is not valid on this ballot: %(problem)s")
                                % {"choice": repr(row["choice"]), "problem": exc}, line, "field choice") from None
            weight = weight_of(row["weight"], self.where(file, line, "field weight"))
            if tracker_of(self.ballot_id, row["id"], row["choice"], weight) != row["tracker"]:
                raise self.fail(file, _("the tracker %(tracker)s is not the hash of this row: its choice, weight or "
                                        "id was changed (or the tracker)") % {"tracker": repr(row["tracker"])},
                                line, "field choice/weight/tracker")
            if not secret:
                delegate = row["delegate"]
                if delegate not in electorate or delegate in voted or electorate[delegate] != weight:
                    raise self.fail(file, _("delegate %(delegate)s is not in the electorate with weight %(weight)s, "
                                            "or voted twice") % {"delegate": repr(delegate), "weight": row["weight"]},
                                    line, "field delegate")
                voted.append(delegate)
            rows.append({key: row[key] for key in ("id", "choice", "weight", "tracker")})
        closed = check_rows_against_close(self, file, electorate if secret else None, rows, "rows")
        if not secret and digest({"ballot": self.ballot_id, "voted": sorted(voted)}) != closed.get(
                "participation_hash"):
            raise self.fail(file, _("the delegates who voted do not hash to the participation_hash in %(entry)s")
                            % {"entry": self.at("ballot.closed")}, what="field delegate")
        self.check_trackers(rows)
        self.notes.append(_("%(file)s: %(count)s ballot papers, every tracker recomputed, hash matches %(entry)s")
                          % {"file": self.name(file), "count": len(rows), "entry": "ballot.closed"})
        return rows

    def check_sealed(self, electorate: dict[int, Fraction]) -> SealedRecount | None:
        """A sealed ballot's votes, proofs, tally and decryptions (voting.verify_sealed); None if not sealed."""
        if not self.files.has(self.name("sealing.json")):
            if self.entry("ballot.sealing"):
                raise self.fail("sealing.json",
                                _("the chain records that the ballot is sealed, but the file is missing"))
            return None
        if self.doc.get("method") == Method.RANKED:  # papers sealed whole, opened one by one after close
            from unionvote.voting.verify_papers import check_sealed_papers

            return check_sealed_papers(self, electorate)
        return check_sealed_votes(self, check_sealing(self), electorate)

    def check_trackers(self, rows: list[dict[str, Any]]) -> None:
        listed = self.files.text(self.name("trackers.txt"))
        expected = sorted(row["tracker"] for row in rows)
        if mismatch := tracker_mismatch(listed, expected):
            raise self.fail("trackers.txt", *mismatch)

    def check_hall(self) -> list[dict[str, Any]]:
        file, options = "hall.jsonl", [key for key, _ in self.doc.get("options", [])]
        rows = []
        for line, row in self.files.rows(self.name(file)):
            if set(row) != HALL_FIELDS or not isinstance(row["counts"], dict):
                raise self.fail(file, row_fields(HALL_FIELDS), line)
            numbers = [*row["counts"].values(), row["papers"], row["invalid"]]
            if sorted(row["counts"]) != sorted(options) or any(
                    not isinstance(n, int) or isinstance(n, bool) or n < 0 for n in numbers):
                raise self.fail(file, _("counts give a whole number for every option"), line, "field counts")
            recorded = self.hall_events.get(row["section"])
            if recorded is None:
                raise self.fail(file, _("no ballot.hall_count entry for section %(section)s")
                                % {"section": repr(row["section"])}, line, "field section")
            entry_line, entry = recorded
            teller = "system" if row["teller"] is None else f"user:{row['teller']}"
            for key in ("counts", "papers", "invalid"):
                if canonical_json(row[key]) != canonical_json(entry["payload"].get(key)):
                    raise self.fail(file, _("%(field)s differs from the latest ballot.hall_count entry for this "
                                            "section (%(file)s line %(line)s)")
                                    % {"field": key, "file": self.name("chain.jsonl"), "line": entry_line},
                                    line, f"field {key}")
            if teller != entry["actor"]:
                raise self.fail(file, _("the teller differs from the entry's actor %(actor)s")
                                % {"actor": repr(entry["actor"])}, line, "field teller")
            rows.append(row)
        if rows and self.doc.get("weighting") == "card":
            raise self.fail(file, _("a card vote takes no hall counts (hands cannot be added to card weights), "
                                    "but the export lists some"), 1, "field counts")
        if len(rows) != len(self.hall_events):
            missing = sorted(set(self.hall_events) - {r["section"] for r in rows})
            raise self.fail(file, _("the chain records hall counts for section(s) %(sections)s that are missing "
                                    "here") % {"sections": ", ".join(missing)})
        return rows

    def check_result(self, electorate: dict[int, Fraction], rows: list[dict[str, Any]],
                     hall: list[dict[str, Any]], sealed: SealedRecount | None = None) -> None:
        file = "result.json"
        casting_vote = self.recorded("ballot.declared", "casting_vote")
        if self.doc.get("method") == Method.RANKED:
            hook = elections_hook("recount_ranked")
            if hook is None:
                self.notes.append(_("%(file)s: a ranked ballot; not recounted here (the elections count is not "
                                    "installed)") % {"file": self.folder})
                return
            if sealed is not None and sealed.papers is None:
                raise self.fail(file, _("the result is declared but a trustee's decryption of the papers is missing"))
            papers = rows if sealed is None else sealed.papers
            try:  # the declared document names the election, rule and seats the ballot was counted under
                recounted = hook(self.doc, papers, hall, casting_vote, declared=self.files.document(self.name(file)))
            except (RuleViolation, ValueError, TypeError, KeyError) as exc:
                raise self.fail(file, _("the ranked ballot cannot be recounted: %(problem)s")
                                % {"problem": exc}) from None
        else:
            try:
                if sealed is not None and sealed.online is None:
                    raise RuleViolation(_("the result is declared but a trustee's partial decryption is missing"))
                recounted = recount(self.doc, electorate, rows, hall, casting_vote,
                                    self.recorded("ballot.opened", "entitled_weight"), sealed)
            except (RuleViolation, ValueError, TypeError, KeyError) as exc:
                raise self.fail(file, _("the ballot cannot be recounted: %(problem)s") % {"problem": exc}) from None
        exported = self.files.document(self.name(file))
        where = first_difference(exported, recounted)
        if where:
            raise self.fail(file, _("%(field)s is %(found)s in the file, but the recount gives %(expected)s") % {
                "field": where, "found": repr(value_at(exported, where)),
                "expected": repr(value_at(recounted, where))}, what=f"field {where}")
        declared = self.recorded("ballot.declared", "result_hash")
        if digest(recounted) != declared:
            raise self.fail(file, _("the recounted result hashes to %(found)s, not to the result_hash %(declared)s "
                                    "in %(entry)s") % {"found": digest(recounted), "declared": declared,
                                                       "entry": self.at("ballot.declared")})
        decision = recounted["decision"]
        for key in ("outcome", "winners"):
            if decision[key] != self.recorded("ballot.declared", key):
                raise self.fail(file, self.differs(f"decision.{key}", "ballot.declared"),
                                what=f"field decision.{key}")
        winners = f" ({', '.join(decision['winners'])})" if self.doc.get("method") != Method.FOR_AGAINST \
            and decision["winners"] else ""
        self.notes.append(_("%(file)s: recount %(figures)s: %(outcome)s; hash %(hash)s matches %(entry)s") % {
            "file": self.name(file), "figures": _figures(recounted), "outcome": f"{decision['outcome']}{winners}",
            "hash": declared, "entry": "ballot.declared"})


def _figures(document: dict[str, Any]) -> str:
    return ", ".join(f"{key} {value}" for key, value in document["combined"]["choices"].items())

