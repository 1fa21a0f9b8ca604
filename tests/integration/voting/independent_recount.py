"""A recount of a conference export written only from docs/audit-format.md, sharing no code with unionvote.

What a scrutineer could write for themselves with the standard library: it rebuilds each declared
result document from the exported files and the rule as the page states it, and checks it hashes to
the `result_hash` in the ballot's chain. Canonical JSON and chain checks come from the independent
chain verifier next door (tests/integration/audit/independent_verifier.py), also written from the page.
"""

from __future__ import annotations

import base64
import hashlib
import json
from fractions import Fraction
from pathlib import Path
from typing import Any

from tests.integration.audit.independent_verifier import canonical_json, verify
from tests.integration.voting.independent_sealed import open_sealed_folder


class Disagreement(Exception):
    pass


def digest(value: Any) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()


def exact(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_bytes().split(b"\n") if line.strip()]


def tally(papers: list[tuple[list[str], Fraction]], hall: list[dict[str, Any]], keys: list[str]) -> dict[str, Any]:
    votes = dict.fromkeys(keys, Fraction(0))
    t = {"voters": 0, "papers": Fraction(0), "blank": Fraction(0), "invalid": Fraction(0)}
    for choice, weight in papers:
        for key in choice:
            votes[key] += weight
        t["papers"] += weight
        t["blank"] += weight if not choice else 0
        t["voters"] += 1
    for line in hall:
        for key, count in line["counts"].items():
            votes[key] += count
        t["papers"] += line["papers"]
        t["invalid"] += line["invalid"]
        t["voters"] += line["papers"] + line["invalid"]
    return {"votes": votes, **t}


def as_document(t: dict[str, Any]) -> dict[str, Any]:
    return {"choices": {k: exact(v) for k, v in t["votes"].items()}, "voters": t["voters"],
            "papers": exact(t["papers"]), "blank": exact(t["blank"]), "invalid": exact(t["invalid"])}


def rule_text(rule: dict[str, Any]) -> str:
    majority = rule["majority"]
    base = "entitled" if majority == "absolute" else rule["base"]
    needed = {"simple": "more than half", "absolute": "more than half", "two_thirds": "at least two thirds",
              "fraction": f"at least {rule['fraction']}", "plurality": "the most votes"}[majority]
    of = {"cast": "of all votes cast", "valid": "of the valid votes",
          "present": "of those present when the vote opened", "entitled": "of all those entitled to vote"}[base]
    text = needed if majority == "plurality" else f"{needed} {of}"
    if base in ("cast", "valid") and majority != "plurality":
        text += ", abstentions counted in the base" if rule["abstentions_in_base"] else ", abstentions not counted"
    if rule["quorum"] == "voters":
        text += f"; quorum: at least {rule['quorum_value']} voters"
    elif rule["quorum"] == "share":
        text += f"; quorum: votes cast carry at least {rule['quorum_value']} of the entitled vote"
    text += "; a tie is decided by the chair's casting vote" if rule["tie_rule"] == "casting_vote" \
        else "; a tied vote falls"
    return text[0].upper() + text[1:] + "."


def decide(ballot: dict[str, Any], t: dict[str, Any], present: Fraction, entitled: Fraction,
           casting: str | None) -> dict[str, Any]:
    rule, votes = ballot["rule"], t["votes"]
    majority = rule["majority"]
    base_kind = "entitled" if majority == "absolute" else rule["base"]
    for_against = ballot["method"] == "for_against_abstain"
    if base_kind == "entitled":
        base = entitled
    elif base_kind == "present":
        base = present
    else:
        if for_against:
            valid = votes["for"] + votes["against"] + (votes["abstain"] if rule["abstentions_in_base"] else 0)
        else:
            valid = t["papers"] - (0 if rule["abstentions_in_base"] else t["blank"])
        base = valid + t["invalid"] if base_kind == "cast" else valid
    share = Fraction(rule["fraction"]) if rule["fraction"] else None

    def meets(v: Fraction) -> bool:
        return {"simple": 2 * v > base, "absolute": 2 * v > base, "two_thirds": 3 * v >= 2 * base,
                "fraction": share is not None and v >= share * base, "plurality": True}[majority]

    threshold = {"simple": f"more than {exact(base / 2)}", "absolute": f"more than {exact(base / 2)}",
                 "two_thirds": f"at least {exact(base * 2 / 3)}",
                 "fraction": f"at least {exact(base * share)}" if share else "",
                 "plurality": "the most votes"}[majority]
    quorum = None
    if rule["quorum"] == "voters":
        quorum = t["voters"] >= Fraction(rule["quorum_value"])
    elif rule["quorum"] == "share":
        quorum = t["papers"] + t["invalid"] >= Fraction(rule["quorum_value"]) * entitled

    def result(outcome: str, winners: list[str], tie: bool = False, tied: list[str] | None = None) -> dict[str, Any]:
        return {"outcome": outcome, "winners": winners, "base": exact(base), "threshold": threshold,
                "quorum_met": quorum, "tie": tie, "tied_options": tied or []}

    if quorum is False:
        return result("inquorate", [])
    if for_against:
        if majority == "simple" and votes["for"] == votes["against"] > 0 and not meets(votes["for"]):
            carried = rule["tie_rule"] == "casting_vote" and casting == "for"
            return result("carried" if carried else "lost", ["for"] if carried else [], tie=True)
        carried = base > 0 and meets(votes["for"])
        return result("carried" if carried else "lost", ["for"] if carried else [])
    keys = [key for key, _ in ballot["options"]]
    places = 1 if ballot["method"] == "one_of" else ballot["max_choices"]
    ranking = sorted(keys, key=lambda k: (-votes[k], keys.index(k)))
    qualified = [k for k in ranking if votes[k] > 0 and meets(votes[k])]
    if len(qualified) <= places:
        return result("decided" if qualified else "lost", qualified)
    cut = votes[qualified[places - 1]]
    above = [k for k in qualified if votes[k] > cut]
    tied = [k for k in qualified if votes[k] == cut]
    if len(tied) <= places - len(above):
        return result("decided", above + tied)
    if rule["tie_rule"] == "falls":
        return result("tied", above, tie=True, tied=tied)
    picks = (casting or "").split(",")
    return result("decided", above + [k for k in tied if k in picks], tie=True, tied=tied)


def opened_online(folder: Path, ballot: dict[str, Any], keys: list[str]
                  ) -> tuple[list[dict[str, Any]], dict[str, Any], dict[str, Any]]:
    """A sealed ballot's rows, online tally and sealed summary, from its proofs checked and its totals decrypted
    by the sealed checker written from the same page (independent_sealed)."""
    try:
        opened = open_sealed_folder(folder)
    except AssertionError as exc:
        raise Disagreement(f"{folder.name}: sealed votes: {exc}") from None
    weights = [Fraction(r["weight"]) for r in opened.rows]
    online = {"votes": {k: Fraction(t, opened.scale) for k, t in zip(keys, opened.totals, strict=False)},
              "voters": len(opened.rows), "papers": sum(weights, Fraction(0)), "invalid": Fraction(0),
              "blank": Fraction(opened.totals[-1], opened.scale) if ballot["method"] == "up_to_k" else Fraction(0)}
    summary = {"mode": opened.facts["mode"], "election_key": opened.facts["election_key"], "scale": opened.scale,
               "tally_hash": opened.tally_hash, "totals": opened.totals}
    return opened.rows, online, summary


def recount_ballot(folder: Path) -> str:
    """Check one declared ballot from its files; return its outcome or raise Disagreement."""
    chain = folder.joinpath("chain.jsonl").read_bytes().split(b"\n")
    ok, message = verify(chain)
    if not ok:
        raise Disagreement(f"{folder.name}: chain: {message}")
    entries = {e["action"]: e["payload"] for e in lines(folder / "chain.jsonl")}
    ballot = json.loads(folder.joinpath("ballot.json").read_bytes())
    opened, closed, declared = entries["ballot.opened"], entries["ballot.closed"], entries["ballot.declared"]
    electorate = lines(folder / "electorate.jsonl")
    if digest({"ballot": ballot["ballot"], "voters": [[v["delegate"], v["weight"]] for v in electorate]}) \
            != opened["electorate_hash"]:
        raise Disagreement(f"{folder.name}: electorate hash")
    hall = lines(folder / "hall.jsonl")
    keys = [key for key, _ in ballot["options"]]
    sealed = None
    if (folder / "sealing.json").exists():  # a sealed ballot: its online figures are the decrypted totals
        rows, online, sealed = opened_online(folder, ballot, keys)
    else:
        rows = [{k: row[k] for k in ("id", "choice", "weight", "tracker")} for row in lines(folder / "contents.jsonl")]
        for row in rows:
            hashed = hashlib.sha256(canonical_json({"ballot": ballot["ballot"], "id": row["id"],
                                                    "choice": row["choice"], "weight": row["weight"]})).digest()
            if base64.b32encode(hashed).decode()[:12] != row["tracker"]:
                raise Disagreement(f"{folder.name}: tracker of {row['id']}")
        online = tally([(r["choice"], Fraction(r["weight"])) for r in rows], [], keys)
    if digest(rows) != closed["contents_hash"]:
        raise Disagreement(f"{folder.name}: contents hash")
    in_hall = tally([], hall, keys)
    combined = {"votes": {k: online["votes"][k] + in_hall["votes"][k] for k in keys},
                **{k: online[k] + in_hall[k] for k in ("voters", "papers", "blank", "invalid")}}
    weight = sum((Fraction(v["weight"]) for v in electorate), Fraction(0))
    present = weight + in_hall["papers"] + in_hall["invalid"]
    entitled = Fraction(opened["entitled_weight"])
    decision = decide(ballot, combined, present, entitled, declared["casting_vote"])
    document = {
        "ballot": ballot["ballot"], "title": ballot["title"], "method": ballot["method"],
        "options": ballot["options"], "max_choices": ballot["max_choices"], "weighting": ballot["weighting"],
        "rule": ballot["rule"], "rule_text": rule_text(ballot["rule"]),
        "electorate": {"voters": len(electorate), "weight": exact(weight), "hash": opened["electorate_hash"],
                       "entitled_weight": exact(entitled), "present_weight": exact(present)},
        "online": as_document(online), "hall": hall, "hall_total": as_document(in_hall),
        "combined": as_document(combined), "contents_hash": digest(rows),
        "casting_vote": declared["casting_vote"] if decision["tie"] else None, "decision": decision,
        "indicative": "This result is indicative: unionvote does not run statutory ballots.",
    }
    if sealed is not None:
        document["sealed"] = sealed
    if digest(document) != declared["result_hash"]:
        raise Disagreement(f"{folder.name}: the recounted result hashes to {digest(document)}, "
                           f"not {declared['result_hash']}")
    return decision["outcome"]
