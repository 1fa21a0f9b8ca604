"""A sealed member ballot checked from docs/audit-format.md ("Sealed member ballots") alone.

The group operations are those of the conference check written from the same page
(tests/integration/voting/independent_sealed.py: coincurve and hashlib, no unionvote). This
recomputes every proof, tracker and slice sum, refuses a decrypted segment below the minimum,
checks each share and finds each total by counting up. It returns every decrypted slice's figures.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

from tests.integration.voting.independent_sealed import ZERO, add, h, mul, point, ranged, scalars, u32

KINDS = ("employer", "workplace", "region", "branch")


class Refused(Exception):
    pass


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def check_sealed_member(root: Path, ballot: dict[str, Any], closed: dict[str, Any]) -> dict[tuple, dict[str, int]]:
    """{(question, None | (kind, value)): {option: votes}} for every decrypted slice, or Refused."""
    facts = json.loads((root / "sealing.json").read_text())
    ident = ballot["ballot"]
    key = ZERO
    for trustee in facts["trustees"]:
        public = point(trustee["public_key"])
        [(c, v)] = scalars(trustee["proof"])
        if h("key", "trustee-key", public, add(mul(v, None), mul(-c, public))) != c:
            raise Refused("sealing.json: a trustee's key proof fails")
        key = add(key, public)
    if key.hex() != facts["election_key"] or facts["label"] != f"member_ballot:{ident}":
        raise Refused("sealing.json: the election key or label is wrong")
    options = {q["id"]: [k for k, _ in q["options"]] for q in ballot["questions"]}
    labels = {q["question"]: q["label"] for q in facts["questions"]}
    for q in facts["questions"]:
        n = len(options[q["question"]])
        if q["label"] != f"member_ballot:{ident}:question:{q['question']}" or q["sum_rule"] != {
                "coefficients": [1] * n, "lo": 1, "hi": 1}:
            raise Refused("sealing.json: a question's label or rule is wrong")
    raw = (root / "sealed.jsonl").read_bytes()
    if hashlib.sha256(raw).hexdigest() != closed["contents_sha256"]:
        raise Refused("sealed.jsonl: the file does not hash to contents_sha256")
    sums: dict[tuple, list[Any]] = {}
    for line in raw.decode().splitlines():
        row = json.loads(line)
        q, label = row["question"], labels[row["question"]]
        slots = [(point(s["alpha"]), point(s["beta"])) for s in row["slots"]]
        for j, ((alpha, beta), proof) in enumerate(zip(slots, row["proofs"]["slot_proofs"], strict=True)):
            if not ranged(key, alpha, beta, proof, 0, 1, "slot", label, [u32(j)]):
                raise Refused(f"sealed.jsonl: a slot proof of {row['id']} fails")
        total_a, total_b = add(*(a for a, _ in slots)), add(*(b for _, b in slots))
        context = [u32(len(slots))] + [x for pair in slots for x in pair]
        if not ranged(key, total_a, total_b, row["proofs"]["sum_proof"], 1, 1, "sum", label, context):
            raise Refused(f"sealed.jsonl: the sum proof of {row['id']} fails")
        unhashed = {k: v for k, v in row.items() if k != "tracker"}
        if base64.b32encode(hashlib.sha256(_canonical(unhashed)).digest()).decode()[:12] != row["tracker"]:
            raise Refused(f"sealed.jsonl: the tracker of {row['id']} is not its hash")
        for piece in [(q, None)] + [(q, (kind, row["segments"][kind])) for kind in KINDS]:
            count, points = sums.setdefault(piece, [0, [[ZERO, ZERO] for _ in slots]])
            sums[piece][0] = count + 1
            for j, (alpha, beta) in enumerate(slots):
                points[j] = [add(points[j][0], alpha), add(points[j][1], beta)]
    entries = facts["tally"]
    if hashlib.sha256(_canonical(entries)).hexdigest() != closed["tally_sha256"]:
        raise Refused("sealing.json: the tally does not hash to tally_sha256")
    for entry in entries:
        piece = (entry["question"], tuple(entry["segment"]) if entry["segment"] else None)
        count, points = sums.get(piece, [0, [[ZERO, ZERO]] * len(options[entry["question"]])])
        if piece[1] is not None and count < ballot["min_segment"]:
            raise Refused(f"sealing.json: {piece} is decrypted with only {count} votes")
        if entry["votes"] != count or entry["tally"] != [{"alpha": a.hex(), "beta": b.hex()} for a, b in points]:
            raise Refused(f"sealing.json: the sum of {piece} is not recomputed")
    shares = [[ZERO] * len(e["tally"]) for e in entries]
    for trustee in facts["trustees"]:
        [document] = [d for d in facts["decryptions"] if d["public_key"] == trustee["public_key"]]
        if document["tally_sha256"] != closed["tally_sha256"]:
            raise Refused("sealing.json: a decryption is of another tally")
        public = point(trustee["public_key"])
        for i, (entry, parts) in enumerate(zip(entries, document["partials"], strict=True)):
            for j, (slot, part) in enumerate(zip(entry["tally"], parts, strict=True)):
                alpha, beta, share = point(slot["alpha"]), point(slot["beta"]), point(part["share"])
                if alpha != ZERO:
                    [(c, v)] = scalars(part["proof"])
                    a, b = add(mul(v, None), mul(-c, public)), add(mul(v, alpha), mul(-c, share))
                    if h("decrypt", labels[entry["question"]], public, alpha, beta, share, a, b) != c:
                        raise Refused("sealing.json: a decryption proof fails")
                shares[i][j] = add(shares[i][j], share)
    figures = {}
    for i, entry in enumerate(entries):
        totals = []
        for slot, share in zip(entry["tally"], shares[i], strict=True):
            beta = point(slot["beta"])
            target = add(beta, mul(-1, share)) if share != ZERO else beta
            m, found = 0, ZERO
            while found != target:
                m, found = m + 1, add(found, mul(1, None))
                if m > entry["votes"]:
                    raise Refused("sealing.json: a total is out of range")
            totals.append(m)
        if sum(totals) != entry["votes"]:
            raise Refused("sealing.json: a slice's totals do not add up to its votes")
        piece = (entry["question"], tuple(entry["segment"]) if entry["segment"] else None)
        figures[piece] = dict(zip(options[entry["question"]], totals, strict=True))
    return figures
