"""Costs of the sealing core: seal and check a vote, tally 5,000 votes, decrypt, find totals by BSGS.

    .venv/bin/python bench/sealing_costs.py [--votes 5000] [--options 3] [--trustees 2]

CPU time (process_time) per operation, on one core. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from unionvote.sealing.group import Point  # noqa: E402
from unionvote.sealing.proofs import Ciphertext  # noqa: E402
from unionvote.sealing.trustees import TrusteeKey, decrypt_total, discrete_log, election_key  # noqa: E402
from unionvote.sealing.votes import SumRule, check_sealed, seal, weight_scale, weighted_tally  # noqa: E402

LABEL = "bench/ballot:1"


def per_call(fn, repeat: int) -> float:  # noqa: ANN001 - a bench helper
    start = time.process_time()
    for _ in range(repeat):
        fn()
    return (time.process_time() - start) / repeat


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--votes", type=int, default=5000)
    parser.add_argument("--options", type=int, default=3)
    parser.add_argument("--trustees", type=int, default=2)
    args = parser.parse_args()
    load_before = os.getloadavg()
    keys = [TrusteeKey.generate() for _ in range(args.trustees)]
    key = election_key([k.published() for k in keys])
    n = args.options
    exactly = SumRule.exactly(n)
    up_to = SumRule.up_to(n + 2, 2)
    one = [1] + [0] * (n - 1)
    sample = seal(key, LABEL, one, exactly)
    sample_up_to = seal(key, LABEL, [1, 0, 1] + [0] * n, up_to)
    seal(key, LABEL, one, exactly)  # warm caches
    costs = {
        "scalar_multiplication_us": per_call(lambda: key.times(random.getrandbits(255)), 2000) * 1e6,
        "seal_exactly_one_ms": per_call(lambda: seal(key, LABEL, one, exactly), 300) * 1e3,
        "check_exactly_one_ms": per_call(lambda: check_sealed(key, LABEL, sample, exactly), 300) * 1e3,
        f"seal_up_to_2_of_{n + 2}_ms": per_call(lambda: seal(key, LABEL, [1, 0, 1] + [0] * n, up_to), 200) * 1e3,
        f"check_up_to_2_of_{n + 2}_ms": per_call(lambda: check_sealed(key, LABEL, sample_up_to, up_to), 200) * 1e3,
    }
    costs["seal_per_option_ms"] = costs["seal_exactly_one_ms"] / n

    # 5,000 card votes: whole weights 1..50 and some halves (split mode), so the scale is 2.
    rng = random.Random(7)
    weights = [Fraction(rng.randint(1, 50)) if rng.random() < 0.9 else Fraction(rng.randint(1, 99), 2)
               for _ in range(args.votes)]
    scale = weight_scale(weights)
    choices = [rng.randrange(n) for _ in range(args.votes)]
    start = time.process_time()
    votes = [(seal(key, LABEL, [int(j == c) for j in range(n)], exactly).slots, int(w * scale))
             for w, c in zip(weights, choices, strict=True)]
    sealing_all = time.process_time() - start
    stored = [([c.as_dict() for c in cts], w) for cts, w in votes]  # as the database holds them
    start = time.process_time()
    parsed = [([Ciphertext.from_dict(c, "slot") for c in cts], w) for cts, w in stored]
    tally = weighted_tally(parsed, n)
    tally_s = time.process_time() - start
    bound = int(sum(weights) * scale)
    start = time.process_time()
    partials = [[k.partial_decrypt(ct, LABEL) for ct in tally] for k in keys]
    partial_s = time.process_time() - start
    start = time.process_time()
    for k, row in zip(keys, partials, strict=True):
        for ct, p in zip(tally, row, strict=True):
            p.check(k.public, ct, LABEL, "trustee")
    check_partials_s = time.process_time() - start
    start = time.process_time()
    totals = [decrypt_total(ct, [row[j].share for row in partials], bound) for j, ct in enumerate(tally)]
    bsgs_s = time.process_time() - start
    expected = [sum(int(w * scale) for w, c in zip(weights, choices, strict=True) if c == j) for j in range(n)]
    assert totals == expected, (totals, expected)

    big = 5_000_000
    start = time.process_time()
    discrete_log(Point.base_times(big - 1), big)
    bsgs_big_s = time.process_time() - start

    print(json.dumps({
        "machine": platform.machine(), "python": platform.python_version(), "cpus": os.cpu_count(),
        "load_average_before": load_before, "load_average_after": os.getloadavg(),
        "options": n, "trustees": args.trustees, "costs": {k: round(v, 3) for k, v in costs.items()},
        "tally": {"votes": args.votes, "scale": scale, "bound": bound,
                  "seal_all_s": round(sealing_all, 2), "parse_and_weighted_tally_s": round(tally_s, 3),
                  "partial_decryptions_s": round(partial_s, 4), "check_partials_s": round(check_partials_s, 4),
                  "bsgs_all_options_s": round(bsgs_s, 3),
                  "tally_and_decrypt_s": round(tally_s + partial_s + check_partials_s + bsgs_s, 3)},
        "bsgs_5_million_worst_case_s": round(bsgs_big_s, 3),
    }, indent=2))


if __name__ == "__main__":
    main()
