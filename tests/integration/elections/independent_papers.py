"""A sealed ranked ballot's papers opened from docs/audit-format.md ("Sealed ranked papers") alone.

Written from the format page, not from unionvote.sealing: coincurve for the points, hashlib for the
hashes, cryptography's AESGCM for the boxes. It checks every share's proof, opens every paper,
decodes it, and returns the papers in canonical order as papers.jsonl should list them.
"""

from __future__ import annotations

import hashlib
import json
from fractions import Fraction
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tests.integration.voting.independent_sealed import add, framed, h, mul, point

DOMAIN = b"unionvote/sealed-paper/v1"


def open_folder(folder: Path) -> list[dict[str, Any]]:
    sealing = json.loads((folder / "sealing.json").read_text())
    options = [key for key, _ in json.loads((folder / "ballot.json").read_text())["options"]]
    n, label = len(options), sealing["label"].encode()
    assert sealing["paper"] == {"format": "unionvote-ranked-paper/1", "candidates": n, "bytes": 2 + 2 * n}
    key = point(sealing["election_key"])
    rows = [json.loads(line) for line in (folder / "sealed.jsonl").read_text().splitlines()]
    sealed = [row["sealed"] for row in rows]
    papers_hash = hashlib.sha256(json.dumps(sealed, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    by_key = {d["public_key"]: d for d in sealing["decryptions"]}
    shared = [bytes(33)] * len(rows)
    for trustee in sealing["trustees"]:
        k_i = point(trustee["public_key"])
        document = by_key[trustee["public_key"]]
        assert document["format"] == "unionvote-paper-decryption/1" and document["papers_hash"] == papers_hash
        for j, (paper, share) in enumerate(zip(sealed, document["shares"], strict=True)):
            r, d = point(paper["R"]), point(share["share"])
            c, v = int(share["proof"]["challenges"][0], 16), int(share["proof"]["responses"][0], 16)
            a = add(mul(v, None), mul(-c, k_i))
            b = add(mul(v, r), mul(-c, d))
            assert h("paper", sealing["label"], k_i, r, d, a, b) == c, f"share {j} of {trustee['public_key']}"
            shared[j] = add(shared[j], d)
    opened = []
    for paper, s, row in zip(sealed, shared, rows, strict=True):
        r = point(paper["R"])
        aes = hashlib.sha256(framed(DOMAIN, label, r, s)).digest()
        plain = AESGCM(aes).decrypt(bytes(12), bytes.fromhex(paper["box"]), framed(DOMAIN, label, key, r))
        count = int.from_bytes(plain[:2], "big")
        ranking = [int.from_bytes(plain[2 + 2 * i:4 + 2 * i], "big") for i in range(count)]
        assert len(plain) == 2 + 2 * n and 1 <= count <= n and len(set(ranking)) == count
        assert all(i < n for i in ranking) and not any(plain[2 + 2 * count:])
        opened.append((plain, Fraction(row["weight"]), {"choice": [options[i] for i in ranking],
                                                        "weight": row["weight"]}))
    return [paper for _, _, paper in sorted(opened, key=lambda p: (p[0], p[1]))]
