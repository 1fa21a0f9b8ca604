"""CPU that sealing adds to one cast, and what checking a sealed vote sent by a voter's device costs.

    .venv/bin/python bench/sealed_cast.py [--casts 500] [--rounds 3]

Per method (for/against/abstain; one of 5; up to 2 of 5; up to 5 of 5), in CPU time (process_time) per cast:
- `seal_ms`: what the server does beyond an unsealed cast when it seals: the ciphertexts and proofs
  (`voting.sealed.seal_choice`, the election key parsed from its hex as a cast does), the stored
  canonical JSON and the tracker;
- `check_ms`: what the server does when a device sends a sealed vote (cast-or-audit): the JSON
  parsed into points and scalars and every proof checked (`sealing.votes.check_sealed`), the election
  key's table already built, as it is after the first few votes of a ballot;
- `unsealed_ms`: an unsealed cast's tracker, for comparison.
Each figure is the best of `--rounds` rounds of `--casts` casts (the least disturbed by other programs).
The library's own operations are timed too. Prints one JSON object, with the load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import sys
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from unionvote.audit.chain import canonical_json  # noqa: E402
from unionvote.sealing.group import ORDER, FixedBase, Point, public_combination  # noqa: E402
from unionvote.sealing.trustees import TrusteeKey  # noqa: E402
from unionvote.sealing.votes import SealedVote, check_sealed  # noqa: E402
from unionvote.voting.models import Ballot  # noqa: E402
from unionvote.voting.receipts import content_id, tracker_of  # noqa: E402
from unionvote.voting.rules import Method  # noqa: E402
from unionvote.voting.sealed import CastSealing, label_of, seal_choice, sealed_tracker, sum_rule_for  # noqa: E402

FIVE = ["a", "b", "c", "d", "e"]
METHODS = {
    "for_against_abstain": (Method.FOR_AGAINST, ["for", "against", "abstain"], 1, ["for"]),
    "one_of_5": (Method.ONE_OF, FIVE, 1, ["c"]),
    "up_to_2_of_5": (Method.UP_TO, FIVE, 2, ["a", "d"]),
    "up_to_5_of_5": (Method.UP_TO, FIVE, 5, ["a", "b", "e"]),
}
TOKEN = "x" * 32
CONTENT = "0" * 32


def best_per_call(fn: Callable[[], object], repeat: int, rounds: int) -> float:
    """The least CPU time per call over `rounds` rounds of `repeat` calls, in seconds."""
    fn()
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(repeat):
            fn()
        best = min(best, (time.process_time() - start) / repeat)
    return best


def library_costs(rounds: int) -> dict[str, float]:
    key = TrusteeKey.generate().public
    other = Point.base_times(secrets.randbelow(ORDER))
    table = FixedBase(key)
    u, t = secrets.randbelow(ORDER), secrets.randbelow(ORDER)
    start = time.process_time()
    FixedBase(other)
    build = time.process_time() - start
    return {
        "generator_multiplication_us": best_per_call(lambda: Point.base_times(u), 2000, rounds) * 1e6,
        "point_multiplication_us": best_per_call(lambda: key.times(u), 2000, rounds) * 1e6,
        "u_p_plus_t_g_one_call_us": best_per_call(lambda: public_combination(other, u, t), 2000, rounds) * 1e6,
        "election_key_from_table_us": best_per_call(lambda: table.times(u), 2000, rounds) * 1e6,
        "election_key_table_build_ms": build * 1e3,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--casts", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    key = TrusteeKey.generate().public
    results = {}
    for name, (method, keys, k, chosen) in METHODS.items():
        ballot = Ballot(id=1, conference_id=1, title="t", question="q", method=method, max_choices=k,
                        options=json.dumps([[key_, key_] for key_ in keys]), rule="{}")
        rule = sum_rule_for(method, len(keys), k)
        sealing = CastSealing(key.hex(), canonical_json(rule.as_dict()).decode())

        def sealed_cast() -> None:
            sealed = seal_choice(ballot, sealing, chosen)  # noqa: B023 - the loop's method
            sealed_tracker(1, CONTENT, sealed, "1")
            canonical_json(sealed).decode()

        sent = json.loads(canonical_json(seal_choice(ballot, sealing, chosen)))

        def checked_cast() -> None:
            vote = SealedVote.from_dict(sent, rule)  # noqa: B023
            check_sealed(Point.from_hex(sealing.key), label_of(1), vote, rule)  # noqa: B023
            sealed_tracker(1, CONTENT, sent, "1")  # noqa: B023

        def plain_cast() -> None:
            tracker_of(1, content_id(1, TOKEN), chosen, Fraction(1))  # noqa: B023

        seal_s = best_per_call(sealed_cast, args.casts, args.rounds)
        check_s = best_per_call(checked_cast, args.casts, args.rounds)
        plain_s = best_per_call(plain_cast, args.casts, args.rounds)
        results[name] = {"slots": len(rule.coefficients), "sum_branches": rule.hi - rule.lo + 1,
                         "seal_ms": round(seal_s * 1e3, 3), "check_ms": round(check_s * 1e3, 3),
                         "unsealed_ms": round(plain_s * 1e3, 3),
                         "seal_added_ms": round((seal_s - plain_s) * 1e3, 3),
                         "check_added_ms": round((check_s - plain_s) * 1e3, 3)}
    print(json.dumps({"machine": platform.machine(), "python": platform.python_version(), "cpus": os.cpu_count(),
                      "load_average_before": load_before,
                      "load_average_after": Path("/proc/loadavg").read_text().split()[:3],
                      "casts": args.casts, "rounds": args.rounds,
                      "library": {k: round(v, 2) for k, v in library_costs(args.rounds).items()},
                      "per_cast": results}, indent=2))


if __name__ == "__main__":
    main()
