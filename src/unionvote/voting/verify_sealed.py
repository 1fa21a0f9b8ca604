"""Checking a sealed ballot's folder: the sealing facts, every sealed vote's proofs, the tally and its decryption.

docs/audit-format.md, "Sealed ballots", specifies every file and equation checked here.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from unionvote.audit.chain import canonical_json
from unionvote.i18n import N_, _
from unionvote.sealing.group import Point, SealingError
from unionvote.sealing.tallyfile import combine, read_partials, tally_hash
from unionvote.sealing.trustees import TrusteePublic, election_key
from unionvote.sealing.votes import SealedVote, SumRule, check_sealed
from unionvote.voting.rules import Tally
from unionvote.voting.sealed import count_from_totals, label_of, sealed_summary, sealed_tracker, sum_rule_for, tally_of
from unionvote.voting.verify_board import check_board
from unionvote.voting.verify_files import digest, weight_of

if TYPE_CHECKING:
    from collections.abc import Callable

    from unionvote.voting.verify_ballot import BallotCheck

SEALED_FIELDS = {"id", "sealed", "weight", "tracker"}
SEALING_FIELDS = {"mode", "label", "election_key", "trustees", "sum_rule", "decryptions"}
# why rows fail against ballot.closed, by what the rows are (check_rows_against_close's `noun`)
TURNOUT = {
    "rows": N_("%(count)s rows, but %(entry)s records a turnout of %(turnout)s"),
    "sealed votes": N_("%(count)s sealed votes, but %(entry)s records a turnout of %(turnout)s"),
    "sealed papers": N_("%(count)s sealed papers, but %(entry)s records a turnout of %(turnout)s"),
}
CHANGED = {
    "rows": N_("the rows hash to %(found)s, not to the contents_hash in %(entry)s: a row was changed, added or "
               "removed"),
    "sealed votes": N_("the sealed votes hash to %(found)s, not to the contents_hash in %(entry)s: a vote was "
                       "changed, added or removed"),
    "sealed papers": N_("the sealed papers hash to %(found)s, not to the contents_hash in %(entry)s: a paper was "
                        "changed, added or removed"),
}


@dataclass(frozen=True)
class SealedRecount:
    online: Tally | None  # None until every trustee's partial decryption is in the export
    contents_hash: str
    summary: dict[str, Any] | None
    papers: list[dict[str, Any]] | None = None  # a ranked ballot's opened papers (voting.verify_papers)


def check_sealing(check: BallotCheck) -> dict[str, Any]:
    """sealing.json against the ballot.sealing entry, each trustee's proof, the election key and the sum rule."""
    file = "sealing.json"
    facts = sealing_facts(check, "sum_rule")
    doc = check.doc
    expected = sum_rule_for(doc["method"], len(doc["options"]), doc["max_choices"]).as_dict()
    if facts["sum_rule"] != expected:
        raise check.fail(file, _("the sum rule %(rule)s is not the one the method requires (%(expected)s)")
                         % {"rule": facts["sum_rule"], "expected": expected}, what="field sum_rule")
    return facts


def sealing_facts(check: BallotCheck, rule_key: str) -> dict[str, Any]:
    """sealing.json (its rule under `rule_key`: `sum_rule`, or `paper` for ranked papers) against the
    ballot.sealing entry, each trustee's proof and the election key. The rule itself is the caller's to check."""
    file, fields = "sealing.json", SEALING_FIELDS - {"sum_rule"} | {rule_key}
    facts = check.files.document(check.name(file))
    if set(facts) != fields:
        raise check.fail(file, _("the file has exactly the fields %(fields)s") % {"fields": ", ".join(sorted(fields))})
    if not check.entry("ballot.sealing"):
        raise check.fail(file, _("the ballot is sealed but its chain has no ballot.sealing entry"))
    recorded = check.events["ballot.sealing"][1]["payload"]
    for key in ("mode", "label", "election_key", "trustees", rule_key):
        if canonical_json(facts[key]) != canonical_json(recorded.get(key)):
            raise check.fail(file, check.differs(key, "ballot.sealing"), what=f"field {key}")
    if facts["label"] != label_of(check.ballot_id):
        raise check.fail(file, _("the label is %(found)s, not %(expected)s")
                         % {"found": repr(facts["label"]), "expected": repr(label_of(check.ballot_id))},
                         what="field label")
    try:
        trustees = [TrusteePublic.from_dict(t, f"trustees[{i}]") for i, t in enumerate(facts["trustees"])]
        for i, trustee in enumerate(trustees):
            trustee.check(f"trustees[{i}]")
        if election_key(trustees).hex() != facts["election_key"]:
            raise SealingError(_("election_key is not the sum of the trustees' public keys"))
    except SealingError as exc:
        raise check.fail(file, str(exc), what="field trustees") from None
    return facts


def check_sealed_votes(check: BallotCheck, facts: dict[str, Any], electorate: dict[int, Fraction]
                       ) -> SealedRecount:
    rule = SumRule.from_dict(facts["sum_rule"])
    key = Point.from_hex(facts["election_key"])

    def open_vote(row: dict[str, Any]) -> None:
        check_sealed(key, facts["label"], SealedVote.from_dict(row["sealed"], rule, "sealed"), rule)

    file = "sealed.jsonl"
    rows, lines = read_sealed_rows(check, file, open_vote, _("the sealed vote does not verify"))
    closed = check_rows_against_close(check, file, electorate, rows, "sealed votes")
    sealed = tally_of(facts, rows)
    tally = sealed.tally()
    if tally_hash(tally) != closed.get("tally_hash"):
        raise check.fail(file, _("the recomputed tally hashes to %(found)s, not to the tally_hash in %(entry)s")
                         % {"found": tally_hash(tally), "entry": check.at("ballot.closed")})
    check.check_trackers(rows)
    check_board(check, lines)
    check.notes.append(_("%(file)s: %(count)s sealed votes, every proof checked, tally recomputed (hash %(hash)s...)")
                       % {"file": check.name(file), "count": len(rows), "hash": tally_hash(tally)[:16]})
    decryptions = facts["decryptions"]
    by_key = {d.get("public_key"): (i, d) for i, d in enumerate(decryptions) if isinstance(d, dict)}
    shares = []
    for trustee in facts["trustees"]:
        found = by_key.get(trustee["public_key"])
        if found is None:
            return SealedRecount(None, digest(rows), None)
        i, document = found
        try:
            shares.append(read_partials(document, facts["label"], tally, Point.from_hex(trustee["public_key"])))
        except SealingError as exc:
            raise check.fail("sealing.json", str(exc), what=f"field decryptions[{i}]") from None
    try:
        totals = combine(tally, shares, sealed.bound)
    except SealingError as exc:
        raise check.fail("sealing.json", _("the tally does not decrypt: %(problem)s") % {"problem": exc},
                         what="field decryptions") from None
    options = [k for k, _ in check.doc["options"]]
    online = count_from_totals(options, check.doc["method"], totals, sealed.scale, rows)
    check.notes.append(_("%(file)s: %(count)s trustee decryption(s) checked, totals %(totals)s (scale %(scale)s)")
                       % {"file": check.name("sealing.json"), "count": len(shares), "totals": json.dumps(totals),
                          "scale": sealed.scale})
    return SealedRecount(online, digest(rows), sealed_summary(facts, sealed, totals))


def read_sealed_rows(check: BallotCheck, file: str, open_sealed: Callable[[dict[str, Any]], None], failure: str
                     ) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Each row of `file`: its fields, id order, weight and tracker; `open_sealed` checks its sealed content
    (raising SealingError, reported as `failure`). Returns the rows and each tracker's line, for the board."""
    rows: list[dict[str, Any]] = []
    lines: dict[str, int] = {}
    for line, row in check.files.rows(check.name(file)):
        if set(row) != SEALED_FIELDS:
            raise check.fail(file, row_fields(SEALED_FIELDS), line)
        if rows and (not isinstance(row["id"], str) or row["id"] <= rows[-1]["id"]):
            raise check.fail(file, _("rows are in increasing id order, each id once"), line, "field id")
        weight_of(row["weight"], check.where(file, line, "field weight"))
        try:
            open_sealed(row)
        except SealingError as exc:
            raise check.fail(file, f"{failure}: {exc}", line, "field sealed") from None
        if sealed_tracker(check.ballot_id, row["id"], row["sealed"], row["weight"]) != row["tracker"]:
            raise check.fail(file, _("the tracker %(tracker)s is not the hash of this row: its sealed content, "
                                     "weight or id was changed (or the tracker)") % {"tracker": repr(row["tracker"])},
                             line, "field sealed/weight/tracker")
        rows.append(row)
        lines[row["tracker"]] = line
    return rows, lines


def check_rows_against_close(check: BallotCheck, file: str, electorate: dict[int, Fraction] | None,
                             rows: list[dict[str, Any]], noun: str) -> dict[str, Any]:
    """The rows' weights are the electorate's (unless `electorate` is None: rows that name their voter are
    checked one by one elsewhere), and their number and hash are those ballot.closed records (`noun` names
    the rows in messages: "rows", "sealed votes" or "sealed papers"). Returns ballot.closed's payload."""
    if electorate is not None:
        spare = Counter(electorate.values())
        spare.subtract(Fraction(r["weight"]) for r in rows)
        if any(n < 0 for n in spare.values()):
            raise check.fail(file, _("the rows carry weights that the electorate's voters do not hold"),
                             what="field weight")
    closed: dict[str, Any] = check.events["ballot.closed"][1]["payload"]
    if len(rows) != closed.get("turnout"):
        raise check.fail(file, _(TURNOUT[noun]) % {"count": len(rows), "entry": check.at("ballot.closed"),
                                                   "turnout": closed.get("turnout")})
    if digest(rows) != closed.get("contents_hash"):
        raise check.fail(file, _(CHANGED[noun]) % {"found": digest(rows), "entry": check.at("ballot.closed")})
    return closed


def row_fields(fields: set[str]) -> str:
    """Why a row is refused when its fields are not exactly `fields`, in the reader's language."""
    return _("a row has exactly the fields %(fields)s") % {"fields": ", ".join(sorted(fields))}
