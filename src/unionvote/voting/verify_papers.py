"""Checking a sealed ranked ballot's folder: the sealing facts, every sealed paper, every share, the opened papers.

The verifier opens every paper itself from the trustees' shares (each share's proof checked) and
checks that the papers published in `papers.jsonl`, in canonical order, are exactly those. The
recount then runs on them. docs/audit-format.md, "Sealed ranked papers", specifies every byte.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

from unionvote.errors import RuleViolation
from unionvote.i18n import _
from unionvote.sealing.group import Point, SealingError
from unionvote.sealing.papers import SealedPaper, encode_paper, open_papers, paper_rule, papers_hash, read_decryption
from unionvote.voting.sealed_papers import canonical_papers
from unionvote.voting.verify_board import check_board
from unionvote.voting.verify_files import choices_of, digest, weight_of
from unionvote.voting.verify_sealed import (
    SealedRecount,
    check_rows_against_close,
    read_sealed_rows,
    row_fields,
    sealing_facts,
)

if TYPE_CHECKING:
    from unionvote.voting.verify_ballot import BallotCheck

PUBLISHED_FIELDS = {"choice", "weight"}


def check_paper_sealing(check: BallotCheck) -> dict[str, Any]:
    """sealing.json against the ballot.sealing entry, each trustee's proof, the election key and the paper rule."""
    file = "sealing.json"
    facts = sealing_facts(check, "paper")
    expected = paper_rule(len(check.doc["options"]))
    if facts["paper"] != expected:
        raise check.fail(file, _("the paper rule %(rule)s is not the one the ballot's candidates require "
                                 "(%(expected)s)") % {"rule": facts["paper"], "expected": expected},
                         what="field paper")
    return facts


def _sealed_rows(check: BallotCheck, facts: dict[str, Any], electorate: dict[int, Fraction]
                 ) -> tuple[list[dict[str, Any]], list[SealedPaper]]:
    file, candidates = "sealed.jsonl", facts["paper"]["candidates"]
    papers: list[SealedPaper] = []

    def open_paper(row: dict[str, Any]) -> None:
        papers.append(SealedPaper.from_dict(row["sealed"], candidates, "sealed"))

    rows, lines = read_sealed_rows(check, file, open_paper, _("the sealed paper is malformed"))
    closed = check_rows_against_close(check, file, electorate, rows, "sealed papers")
    if papers_hash(papers) != closed.get("tally_hash"):
        raise check.fail(file, _("the papers hash to %(found)s, not to the tally_hash in %(entry)s")
                         % {"found": papers_hash(papers), "entry": check.at("ballot.closed")})
    if check.files.text(check.name("contents.jsonl")).strip():
        raise check.fail("contents.jsonl",
                         _("a sealed ranked ballot has no readable papers, but the file lists some"), 1)
    check.check_trackers(rows)
    check_board(check, lines)
    check.notes.append(_("%(file)s: %(count)s sealed papers, every tracker recomputed, hash matches %(entry)s")
                       % {"file": check.name(file), "count": len(rows), "entry": "ballot.closed"})
    return rows, papers


def _opened(check: BallotCheck, facts: dict[str, Any], rows: list[dict[str, Any]], papers: list[SealedPaper]
            ) -> list[dict[str, Any]] | None:
    """Every paper opened from the checked shares, in canonical order; None until every trustee has decrypted."""
    by_key = {d.get("public_key"): (i, d) for i, d in enumerate(facts["decryptions"]) if isinstance(d, dict)}
    shares = []
    for trustee in facts["trustees"]:
        found = by_key.get(trustee["public_key"])
        if found is None:
            return None
        i, document = found
        try:
            shares.append(read_decryption(document, facts["label"], papers, Point.from_hex(trustee["public_key"])))
        except SealingError as exc:
            raise check.fail("sealing.json", str(exc), what=f"field decryptions[{i}]") from None
    rankings = []
    key, label, candidates = Point.from_hex(facts["election_key"]), facts["label"], facts["paper"]["candidates"]
    lines = [line for line, _ in check.files.rows(check.name("sealed.jsonl"))]
    for j, paper in enumerate(papers):
        try:
            rankings.extend(open_papers(key, label, [paper], [[s[j]] for s in shares], candidates))
        except SealingError as exc:
            raise check.fail("sealed.jsonl", _("the paper does not open: %(problem)s") % {"problem": exc}, lines[j],
                             "field sealed") from None
    options = [k for k, _ in check.doc["options"]]
    check.notes.append(_("%(file)s: %(count)s trustee decryption(s), every share's proof checked, %(papers)s papers "
                         "opened") % {"file": check.name("sealing.json"), "count": len(shares),
                                      "papers": len(rankings)})
    return canonical_papers(options, rankings, [r["weight"] for r in rows])


def _published(check: BallotCheck, opened: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    """papers.jsonl: the opened papers, exactly, in canonical order."""
    file = "papers.jsonl"
    if opened is None:
        if check.files.has(check.name(file)):
            raise check.fail(file,
                             _("papers are published, but a trustee's decryption is missing from sealing.json"))
        return None
    options = [k for k, _ in check.doc["options"]]
    index = {k: i for i, k in enumerate(options)}
    choices = choices_of(check.doc)
    published: list[tuple[int, dict[str, Any]]] = []
    previous: tuple[bytes, Fraction] | None = None
    for line, row in check.files.rows(check.name(file)):
        if set(row) != PUBLISHED_FIELDS:
            raise check.fail(file, row_fields(PUBLISHED_FIELDS), line)
        try:
            if list(choices.check(row["choice"])) != row["choice"]:
                raise RuleViolation(_("it is not a ranking of the ballot's candidates"))
        except (RuleViolation, TypeError) as exc:
            raise check.fail(file, _("the paper %(paper)s is not a ranking on this ballot: %(problem)s")
                             % {"paper": repr(row["choice"]), "problem": exc}, line, "field choice") from None
        weight = weight_of(row["weight"], check.where(file, line, "field weight"))
        place = (encode_paper([index[k] for k in row["choice"]], len(options)), weight)
        if previous is not None and place < previous:
            raise check.fail(file, _("the papers are not in canonical order (by encoding, then weight)"), line,
                             "field choice")
        previous = place
        published.append((line, row))
    for n, (line, row) in enumerate(published):  # both lists are in canonical order: compare line by line
        if n >= len(opened) or opened[n] != row:
            expected = f"{opened[n]}" if n < len(opened) else _("no more papers")
            field = "field weight" if n < len(opened) and opened[n]["choice"] == row["choice"] else "field choice"
            raise check.fail(file, _("the shares open %(expected)s here: the published papers are not the papers "
                                     "sealed") % {"expected": expected}, line, field)
    if len(published) != len(opened):
        raise check.fail(file, _("%(published)s papers published, but the shares open %(opened)s")
                         % {"published": len(published), "opened": len(opened)})
    check.notes.append(_("%(file)s: %(count)s papers in canonical order, exactly the papers opened from the shares")
                       % {"file": check.name(file), "count": len(published)})
    return [row for _, row in published]


def check_sealed_papers(check: BallotCheck, electorate: dict[int, Fraction]) -> SealedRecount:
    facts = check_paper_sealing(check)
    rows, papers = _sealed_rows(check, facts, electorate)
    published = _published(check, _opened(check, facts, rows, papers))
    return SealedRecount(None, digest(rows), None, papers=published)
