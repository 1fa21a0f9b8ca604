"""The verifier's pure parts: the worked example printed in docs/audit-format.md, and the recount agreeing
with the server's own result document under every kind of rule.
"""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

import pytest

from unionvote.audit.chain import canonical_json
from unionvote.voting.counting import contents_document, digest, result_document
from unionvote.voting.models import Ballot, BallotContent, HallCount
from unionvote.voting.receipts import content_id, format_tracker, tracker_of
from unionvote.voting.rules import Base, Majority, Method, Quorum, Rule, TieRule
from unionvote.voting.services import electorate_document
from unionvote.voting.verify_files import ExportFailure, first_difference, recount, weight_of

FOR_AGAINST = [["for", "For"], ["against", "Against"], ["abstain", "Abstain"]]


def server_and_verifier(*, method: str = "for_against_abstain", options: list[list[str]] = FOR_AGAINST,
                        max_choices: int = 1, rule: Rule | None = None, votes: list[tuple[list[str], str]],
                        electorate: list[tuple[int, str]], hall: list[dict[str, Any]] = (),  # type: ignore[assignment]
                        entitled: str = "10", casting_vote: str | None = None, tokens: list[str] | None = None,
                        ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The same ballot counted by counting.result_document (the server) and verify.recount (the verifier)."""
    rule = rule or Rule()
    snapshot = electorate_document(7, [(d, Fraction(w)) for d, w in electorate])
    ids = [content_id(7, token) for token in tokens or [f"voter-token-{n:016d}" for n in range(len(votes))]]
    rows = sorted((BallotContent(ballot_id=7, id=cid, choice=json.dumps(choice), weight=weight,
                                 tracker=tracker_of(7, cid, choice, Fraction(weight)))
                   for cid, (choice, weight) in zip(ids, votes, strict=True)), key=lambda r: r.id)
    counts = [HallCount(ballot_id=7, section=h["section"], counts=json.dumps(h["counts"]), papers=h["papers"],
                        invalid=h["invalid"], teller_id=h["teller"]) for h in hall]
    ballot = Ballot(id=7, conference_id=1, title="Motion 12: a four-day week", question="Carry it?", method=method,
                    options=json.dumps(options), max_choices=max_choices, weighting="one_each",
                    rule=json.dumps(rule.as_dict()), electorate_size=len(electorate),
                    electorate_weight=str(sum(Fraction(w) for _, w in electorate)), electorate_hash=digest(snapshot),
                    entitled_weight=entitled)
    server = result_document(ballot, rows, counts, casting_vote)
    if not server["decision"]["tie"]:
        server["casting_vote"] = None
    exported = {"ballot": 7, "title": ballot.title, "method": method, "options": options, "max_choices": max_choices,
                "weighting": "one_each", "rule": rule.as_dict(), "electorate": {"hash": digest(snapshot)}}
    verifier = recount(exported, {d: Fraction(w) for d, w in electorate}, contents_document(rows), list(hall),
                       casting_vote if server["decision"]["tie"] else None, entitled)
    return server, verifier


def test_the_worked_example_in_the_audit_format_page() -> None:
    """Every figure and hash quoted in docs/audit-format.md comes from here."""
    electorate = [(21, "1"), (22, "1"), (23, "1"), (24, "1")]
    snapshot = electorate_document(7, [(d, Fraction(w)) for d, w in electorate])
    assert canonical_json(snapshot) == b'{"ballot":7,"voters":[[21,"1"],[22,"1"],[23,"1"],[24,"1"]]}'
    assert digest(snapshot) == "eb77ee9b3d9fd8f22ac5e964767fc2308c58f936b755ffc3863cbc8ac1e075dc"

    assert content_id(7, "delegate-a-token-0000000000") == "ea326a39640ea842978fc08fc2768b88"
    assert tracker_of(7, "ea326a39640ea842978fc08fc2768b88", ["for"], Fraction(1)) == "IVWV2KHY5OE6"
    assert format_tracker("IVWV2KHY5OE6") == "IVWV-2KHY-5OE6"
    rows = [{"id": "79f7d6a49d1328078aee0431ca167118", "choice": ["abstain"], "weight": "1", "tracker": "W5ZEG6PLGS5X"},
            {"id": "b53dec6370b4994b0b32863f9e9249f9", "choice": ["against"], "weight": "1", "tracker": "GXVOMYZMR46B"},
            {"id": "ea326a39640ea842978fc08fc2768b88", "choice": ["for"], "weight": "1", "tracker": "IVWV2KHY5OE6"}]
    for row in rows:
        assert tracker_of(7, row["id"], row["choice"], Fraction(1)) == row["tracker"]
    assert digest(rows) == "a320a91381fb5e828f9f2ba5a738387ce546daf44ad761148cee8852954a3535"
    assert digest({"ballot": 7, "voted": [21, 22, 24]}) == \
        "4a3f6c7d13bcb031376ce09a40bcbe2e1d91db75510730cbdb25ed0335c0528d"

    hall = [{"section": "Floor A", "counts": {"abstain": 0, "against": 1, "for": 3}, "papers": 4, "invalid": 1,
             "teller": 5}]
    server, verifier = server_and_verifier(votes=[(["for"], "1"), (["against"], "1"), (["abstain"], "1")],
                                           electorate=electorate, hall=hall,
                                           tokens=[f"delegate-{x}-token-0000000000" for x in "abc"])
    assert verifier == server
    assert verifier["combined"]["choices"] == {"for": "4", "against": "2", "abstain": "1"}
    assert verifier["decision"] | {} == {"outcome": "carried", "winners": ["for"], "base": "6",
                                         "threshold": "more than 3", "quorum_met": None, "tie": False,
                                         "tied_options": []}
    assert verifier["electorate"]["present_weight"] == "9"
    assert digest(verifier) == "0930632a6bc63cf7b22a2387df2ced90610e894f517c33a2b527cb382ecf184d"


PEOPLE = [(n, "1") for n in range(1, 401)]

CASES: dict[str, dict[str, Any]] = {
    "200 for, 100 against passes two-thirds": dict(
        rule=Rule(majority=Majority.TWO_THIRDS), votes=[(["for"], "1")] * 200 + [(["against"], "1")] * 100,
        electorate=PEOPLE, expect="carried"),
    "199 for, 100 against does not": dict(
        rule=Rule(majority=Majority.TWO_THIRDS), votes=[(["for"], "1")] * 199 + [(["against"], "1")] * 100,
        electorate=PEOPLE, expect="lost"),
    "split card weights carry when abstentions are not counted": dict(
        votes=[(["for"], "250"), (["against"], "125/2"), (["abstain"], "200")],
        electorate=[(1, "250"), (2, "125/2"), (3, "200")], expect="carried"),
    "the same card weights fall when abstentions are in the base": dict(
        rule=Rule(abstentions_in_base=True), votes=[(["for"], "250"), (["against"], "125/2"), (["abstain"], "200")],
        electorate=[(1, "250"), (2, "125/2"), (3, "200")], expect="lost"),
    "a tie falls": dict(votes=[(["for"], "1"), (["against"], "1")], electorate=PEOPLE[:2], expect="lost"),
    "a tie decided by the chair's casting vote": dict(
        rule=Rule(tie_rule=TieRule.CASTING_VOTE), votes=[(["for"], "1"), (["against"], "1")], electorate=PEOPLE[:2],
        casting_vote="for", expect="carried"),
    "inquorate": dict(rule=Rule(quorum=Quorum.VOTERS, quorum_value=Fraction(5)), votes=[(["for"], "1")],
                      electorate=PEOPLE[:9], expect="inquorate"),
    "absolute majority of those entitled": dict(
        rule=Rule(majority=Majority.ABSOLUTE, base=Base.PRESENT), votes=[(["for"], "1")] * 5,
        electorate=PEOPLE[:8], entitled="10", expect="lost"),
    "up to two of four, plurality, with a hall count": dict(
        method=Method.UP_TO, max_choices=2, options=[["a", "A"], ["b", "B"], ["c", "C"], ["d", "D"]],
        rule=Rule(majority=Majority.PLURALITY), votes=[(["a", "b"], "1"), (["b"], "1"), ([], "1")],
        electorate=PEOPLE[:3], hall=[{"section": "Hall", "counts": {"a": 2, "b": 0, "c": 3, "d": 0}, "papers": 3,
                                      "invalid": 0, "teller": None}], expect="decided"),
}


@pytest.mark.parametrize("case", CASES)
def test_the_verifier_recounts_exactly_what_the_server_declared(case: str) -> None:
    spec = dict(CASES[case])
    expect = spec.pop("expect")
    server, verifier = server_and_verifier(**spec)
    assert verifier == server
    assert verifier["decision"]["outcome"] == expect


def test_a_weight_must_be_exact_positive_and_written_canonically() -> None:
    assert weight_of("125/2", "here") == Fraction(125, 2)
    for bad in ("1.5", "250/4", "0", "-1", "01", 2, "two"):
        with pytest.raises(ExportFailure) as caught:
            weight_of(bad, "ballots/7/electorate.jsonl line 3")
        assert str(caught.value).startswith("ballots/7/electorate.jsonl line 3: weight ")


def test_the_first_difference_is_named_by_its_path() -> None:
    declared = {"combined": {"choices": {"for": "4", "against": "2"}}, "hall": [{"papers": 4}]}
    assert first_difference(declared, json.loads(json.dumps(declared))) is None
    assert first_difference({**declared, "hall": [{"papers": 5}]}, declared) == "hall[0].papers"
    assert first_difference({"combined": {"choices": {"for": "5", "against": "2"}}, "hall": [{"papers": 4}]},
                            declared) == "combined.choices.for"
    assert first_difference({"combined": {}}, declared) == "combined.choices"
