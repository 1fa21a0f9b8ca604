"""Counting 100,000 ranked ballots over 20 candidates for 6 seats under each rule: ERS97, Scottish STV,
Meek STV (IRV: 1 seat).

Ballots are drawn with a fixed seed: each voter ranks between 1 and 20 candidates, picking
each next preference in proportion to the candidates' popularity (a few strong, a long tail),
so most papers are different and every count runs many stages. Prints one JSON object.

    .venv/bin/python bench/count_stv.py [--ballots 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time

from unionvote.elections.count import run_count
from unionvote.elections.count.types import CountInput, RankedBallot


def make_election(ballots: int, candidates: int, seats: int, seed: int = 2026) -> CountInput:
    rng = random.Random(seed)
    names = tuple(f"Candidate {i + 1:02d}" for i in range(candidates))
    popularity = [1.0 / (i + 1) ** 0.8 for i in range(candidates)]
    papers = []
    for _ in range(ballots):
        length = rng.randint(1, candidates)
        pool = list(range(candidates))
        weights = list(popularity)
        ranking = []
        for _ in range(length):
            pick = rng.choices(range(len(pool)), weights)[0]
            ranking.append(pool.pop(pick))
            weights.pop(pick)
        papers.append(RankedBallot(tuple(ranking)))
    return CountInput(names, seats, tuple(papers), seed="bench")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--candidates", type=int, default=20)
    parser.add_argument("--seats", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    made = time.perf_counter()
    election = make_election(args.ballots, args.candidates, args.seats)
    report: dict = {
        "ballots": args.ballots,
        "candidates": args.candidates,
        "seats": args.seats,
        "distinct_rankings": len({b.ranking for b in election.ballots}),
        "generate_seconds": round(time.perf_counter() - made, 3),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "rules": {},
    }
    for rule in ("ers97-stv", "scottish-stv", "meek-stv", "irv"):
        count_input = election if rule != "irv" else CountInput(
            election.candidates, 1, election.ballots, seed=election.seed)
        timings = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            result = run_count(rule, count_input)
            timings.append(time.perf_counter() - started)
        report["rules"][rule] = {
            "seats": count_input.seats,
            "median_seconds": round(statistics.median(timings), 3),
            "min_seconds": round(min(timings), 3),
            "stages": len(result.stages),
            "quota": None if result.quota is None else str(result.quota),
            "elected": result.elected,
        }
        if rule == "meek-stv":
            notes = " ".join(stage.note.replace("(s)", "") for stage in result.stages)
            report["rules"][rule]["iterations"] = sum(int(word) for word in notes.split() if word.isdigit())
    report["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(report))


if __name__ == "__main__":
    main()
