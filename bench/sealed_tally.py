"""Tally and decrypt a sealed conference ballot of 5,000 card votes, with 1 and with 2 trustees.

    .venv/bin/python bench/sealed_tally.py [--votes 5000] [--options 3] [--trustees 1,2]

The votes are sealed first (not timed: the server did that at cast time, one vote a request) and held
as the database holds them, canonical JSON text with a card weight each: whole weights 1..50 and some
halves (split mode), so the scale is 2. Then, in CPU seconds (process_time) and wall seconds:

- `close_tally`: the server at close: every stored vote parsed, the weighted tally (votes of one weight
  added in one library call, then multiplied by the weight);
- `server_trustee_decrypts`: "sealed by the server": its trustee's partial decryption of every slot, with proofs;
- `trustee_checks_and_decrypts`: a trustee with `unionvote trustee decrypt`: the tally file read, every
  vote's proofs checked (across the machine's cores from 1,000 votes), the tally recomputed and matched,
  the partial decryption made (per trustee: each runs it on their own computer, side by side);
- `checks_one_process` / `checks_across_N_processes`: the bulk of a trustee's step, every vote's proofs
  checked, in one process and split across the machine's cores (`sealing.votes.check_sealed_many`);
- `count`: the server's count: every trustee's partial decryption checked against the tally, the
  shares combined and every slot's total found by baby-step giant-step.

`tally_and_decrypt_server_mode_s` = close_tally + server_trustee_decrypts + count (the votes were checked
when cast). `tally_and_decrypt_with_trustees_s` = close_tally + the slowest trustee + count.
Prints one JSON object with `/proc/loadavg` before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import sys
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from unionvote.sealing.tallyfile import SealedTally, combine, decrypt_tally, read_partials, tally_hash  # noqa: E402
from unionvote.sealing.trustees import TrusteeKey, election_key  # noqa: E402
from unionvote.sealing.votes import SealedVote, SumRule, check_sealed_many, seal, weight_scale  # noqa: E402

LABEL = "ballot:1"
T = TypeVar("T")


def loadavg() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def cpu_seconds() -> float:
    """This process's CPU time and that of its finished child processes (the checks split across cores)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def timed(fn: Callable[[], T]) -> tuple[T, dict[str, float]]:
    cpu, wall = cpu_seconds(), time.perf_counter()
    value = fn()
    return value, {"cpu_s": round(cpu_seconds() - cpu, 3), "wall_s": round(time.perf_counter() - wall, 3)}


def card_weights(n: int, rng: random.Random) -> list[Fraction]:
    return [Fraction(rng.randint(1, 50)) if rng.random() < 0.9 else Fraction(rng.randint(1, 99), 2) for _ in range(n)]


def run(votes: int, options: int, trustees: int, stored: list[tuple[str, Fraction]], expected: list[int],
        keys: list[TrusteeKey]) -> dict[str, Any]:
    rule = SumRule.exactly(options)
    published = tuple(k.published() for k in keys)
    scale = weight_scale([w for _, w in stored])
    bound = int(sum(w for _, w in stored) * scale)

    def close_tally() -> SealedTally:
        parsed = tuple((SealedVote.from_dict(json.loads(text), rule, f"vote {i}"), int(w * scale))
                       for i, (text, w) in enumerate(stored))
        sealed = SealedTally(LABEL, published, rule, scale, bound, parsed)
        sealed.tally()
        return sealed

    sealed, close = timed(close_tally)
    tally = sealed.tally()
    tally_file = json.loads(json.dumps(sealed.as_dict()))  # what the returning officer's page hands a trustee

    def server_trustee() -> list[dict[str, Any]]:
        return [keys[0].partial_decrypt(ct, LABEL).as_dict() for ct in tally]

    _, server_decrypts = timed(server_trustee)
    documents, per_trustee = [], []
    for key in keys:
        document, cost = timed(lambda key=key: decrypt_tally(key, tally_file))  # type: ignore[misc]
        documents.append(json.loads(json.dumps(document)))
        per_trustee.append(cost)

    def count() -> list[int]:
        shares = [read_partials(d, LABEL, tally, k.public) for d, k in zip(documents, keys, strict=True)]
        return combine(tally, shares, bound)

    parsed_votes = [vote for vote, _ in sealed.votes]
    key = election_key(published)
    _, one_core = timed(lambda: check_sealed_many(key, LABEL, parsed_votes, rule, processes=1))
    _, all_cores = timed(lambda: check_sealed_many(key, LABEL, parsed_votes, rule))
    totals, counted = timed(count)
    assert totals == expected, (totals, expected)
    assert all(d["tally_hash"] == tally_hash(tally) for d in documents)
    slowest = max(per_trustee, key=lambda c: c["cpu_s"])
    return {
        "trustees": trustees, "votes": votes, "options": options, "scale": scale, "bound": bound,
        "close_tally": close, "server_trustee_decrypts": server_decrypts,
        "trustee_checks_and_decrypts": per_trustee, "count": counted,
        # every vote's proofs checked (the bulk of a trustee's step) in one process, then split across the
        # machine's cores by check_sealed_many (CPU: this process and its workers)
        "checks_one_process": one_core, f"checks_across_{os.cpu_count()}_processes": all_cores,
        "tally_and_decrypt_server_mode_s": {
            k: round(close[k] + server_decrypts[k] + counted[k], 3) for k in ("cpu_s", "wall_s")},
        "tally_and_decrypt_with_trustees_s": {
            k: round(close[k] + slowest[k] + counted[k], 3) for k in ("cpu_s", "wall_s")},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--votes", type=int, default=5000)
    parser.add_argument("--options", type=int, default=3)
    parser.add_argument("--trustees", type=lambda s: [int(t) for t in s.split(",")], default=[1, 2])
    args = parser.parse_args()
    load_before = loadavg()
    rng = random.Random(7)
    weights = card_weights(args.votes, rng)
    choices = [rng.randrange(args.options) for _ in range(args.votes)]
    scale = weight_scale(weights)
    expected = [sum(int(w * scale) for w, c in zip(weights, choices, strict=True) if c == j)
                for j in range(args.options)]
    rule = SumRule.exactly(args.options)
    runs = []
    for trustees in args.trustees:
        keys = [TrusteeKey.generate() for _ in range(trustees)]
        key = election_key([k.published() for k in keys])
        start = time.process_time()
        stored = [(json.dumps(seal(key, LABEL, [int(j == c) for j in range(args.options)], rule).as_dict(),
                              sort_keys=True, separators=(",", ":")), w)
                  for w, c in zip(weights, choices, strict=True)]
        sealing_s = time.process_time() - start
        result = run(args.votes, args.options, trustees, stored, expected, keys)
        result["sealing_all_votes_cpu_s_not_counted"] = round(sealing_s, 2)
        result["load_average_after"] = loadavg()
        runs.append(result)
    print(json.dumps({"machine": platform.machine(), "python": platform.python_version(), "cpus": os.cpu_count(),
                      "load_average_before": load_before, "load_average_after": loadavg(), "runs": runs}, indent=2))


if __name__ == "__main__":
    main()
