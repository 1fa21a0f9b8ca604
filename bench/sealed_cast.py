"""CPU that sealing adds to one cast: everything `casting._cast_sealed` does beyond an unsealed cast.

    .venv/bin/python bench/sealed_cast.py [--casts 500]

Per method: sealing the choice (ciphertexts and proofs), the tracker and the stored JSON text,
in CPU time (process_time) per cast; and, for comparison, the unsealed cast's tracker. The
database work is the same either way (one row in another table). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from unionvote.audit.chain import canonical_json  # noqa: E402
from unionvote.sealing.trustees import TrusteeKey  # noqa: E402
from unionvote.voting.models import Ballot  # noqa: E402
from unionvote.voting.receipts import content_id, tracker_of  # noqa: E402
from unionvote.voting.rules import Method  # noqa: E402
from unionvote.voting.sealed import CastSealing, seal_choice, sealed_content_id, sealed_tracker, sum_rule_for  # noqa: E402

METHODS = {
    "for_against_abstain": (Method.FOR_AGAINST, ["for", "against", "abstain"], 1, ["for"]),
    "one_of_5": (Method.ONE_OF, ["a", "b", "c", "d", "e"], 1, ["c"]),
    "up_to_2_of_5": (Method.UP_TO, ["a", "b", "c", "d", "e"], 2, ["a", "d"]),
}
TOKEN = "x" * 32


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--casts", type=int, default=500)
    args = parser.parse_args()
    load_before = os.getloadavg()
    key = TrusteeKey.generate().public.hex()
    results = {}
    for name, (method, keys, k, chosen) in METHODS.items():
        ballot = Ballot(id=1, conference_id=1, title="t", question="q", method=method, max_choices=k,
                        options=json.dumps([[key_, key_] for key_ in keys]), rule="{}")
        sealing = CastSealing(key, canonical_json(sum_rule_for(method, len(keys), k).as_dict()).decode())

        def sealed_cast() -> None:
            content = sealed_content_id(1, TOKEN, chosen)  # noqa: B023 - the loop's method
            sealed = seal_choice(ballot, sealing, chosen)  # noqa: B023
            sealed_tracker(1, content, sealed, "1")
            canonical_json(sealed).decode()

        def plain_cast() -> None:
            tracker_of(1, content_id(1, TOKEN), chosen, Fraction(1))  # noqa: B023

        sealed_cast()
        start = time.process_time()
        for _ in range(args.casts):
            sealed_cast()
        sealed_ms = (time.process_time() - start) / args.casts * 1e3
        start = time.process_time()
        for _ in range(args.casts):
            plain_cast()
        plain_ms = (time.process_time() - start) / args.casts * 1e3
        results[name] = {"sealed_cpu_ms": round(sealed_ms, 3), "unsealed_cpu_ms": round(plain_ms, 3),
                         "added_cpu_ms": round(sealed_ms - plain_ms, 3)}
    print(json.dumps({"machine": platform.machine(), "python": platform.python_version(), "cpus": os.cpu_count(),
                      "load_average_before": load_before, "load_average_after": os.getloadavg(),
                      "casts": args.casts, "per_cast": results}, indent=2))


if __name__ == "__main__":
    main()
