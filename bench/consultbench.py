"""ConsultBench: does our sampler rank a consultation's thoughts better than the obvious ones?

    .venv/bin/python bench/consultbench.py [--seeds 30] [--polis ../shared/data/polis]

Synthetic track: 80 thoughts (some near-duplicates, 40% arriving late), 200 members in
three groups that disagree on a quarter of the thoughts, each member harsh or lenient;
samplers uniform_random, least_seen and ours at 5, 10, 15 and 30 ratings per member.
Replay track: the Polis conversations in --polis (votes routed uniformly at random when
logged), replayed participant by participant; a sampler may only choose statements that
participant voted on; scored against the ranking from all the votes.
Speed: one choice among 5,000 thoughts carrying 500,000 ratings: the sampler alone, and
Star's next_thought service on a SQLite database holding them (consult_service_speed.py).
Each figure: the mean over seeds with a 95% bootstrap interval; "ours_minus_uniform" is
the paired difference per seed. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from consult_service_speed import service_speed  # noqa: E402
from consult_tracks import SAMPLERS, load_conversation, make_world, replay, run_synthetic  # noqa: E402

from unionvote.consult.sampler import Totals, choose  # noqa: E402

BUDGETS = (5, 10, 15, 30)
DEFAULT_POLIS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "polis"


def bootstrap(values: list[float], rng: random.Random, resamples: int = 2000) -> dict[str, float]:
    means = sorted(statistics.fmean(rng.choices(values, k=len(values))) for _ in range(resamples))
    return {"mean": round(statistics.fmean(values), 4), "ci95": [round(means[int(0.025 * resamples)], 4),
                                                               round(means[int(0.975 * resamples) - 1], 4)]}


def summarise(runs: dict[str, list[dict[str, float]]], rng: random.Random) -> dict[str, object]:
    out: dict[str, object] = {}
    for name, results in runs.items():
        out[name] = {metric: bootstrap([r[metric] for r in results], rng) for metric in results[0]}
    diffs = [o["precision_at_10"] - u["precision_at_10"] for o, u in zip(runs["ours"], runs["uniform_random"],
                                                                          strict=True)]
    out["ours_minus_uniform_precision_at_10"] = bootstrap(diffs, rng)
    return out


def synthetic_track(seeds: int, rng: random.Random) -> dict[str, object]:
    track: dict[str, object] = {}
    for budget in BUDGETS:
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in SAMPLERS}
        for seed in range(seeds):
            world = make_world(random.Random(seed))
            for name, sampler in SAMPLERS.items():
                runs[name].append(run_synthetic(world, sampler, budget, random.Random(10_000 + seed)))
        track[f"budget_{budget}"] = summarise(runs, rng)
    return track


def replay_track(folder: Path, seeds: int, rng: random.Random, budget: int = 15) -> dict[str, object]:
    track: dict[str, object] = {}
    for path in sorted(p for p in folder.iterdir() if (p / "votes.csv").is_file()):
        conversation = load_conversation(path)
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in SAMPLERS}
        for seed in range(seeds):
            for name, sampler in SAMPLERS.items():
                runs[name].append(replay(conversation, sampler, budget, random.Random(seed)))
        track[path.name] = {"statements": len(conversation.statements), "participants": len(conversation.voters),
                            f"budget_{budget}": summarise(runs, rng)}
    return track


def speed(thoughts: int = 5000, ratings: int = 500_000, choices: int = 200) -> dict[str, object]:
    rng = random.Random(7)
    per = ratings // thoughts
    totals = []
    for i in range(thoughts):
        stars = [rng.randint(1, 5) for _ in range(per)]
        totals.append(Totals(per, sum(stars), sum(s * s for s in stars), i))
    rated = set(rng.sample(range(thoughts), 30))  # what this participant has already rated
    allowed = [i for i in range(thoughts) if i not in rated]
    timings = []
    for _ in range(choices):
        started = time.perf_counter()
        choose(totals, allowed, rng)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {"thoughts": thoughts, "ratings": ratings, "choices": choices,
            "median_ms": round(timings[len(timings) // 2], 2), "p95_ms": round(timings[int(0.95 * choices)], 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--polis", type=Path, default=DEFAULT_POLIS)
    args = parser.parse_args()
    rng = random.Random(2026)
    started = time.perf_counter()
    result: dict[str, object] = {"seeds": args.seeds, "speed": speed(), "service_speed": service_speed(),
                                 "synthetic": synthetic_track(args.seeds, rng)}
    if args.polis.is_dir():
        result["polis_replay"] = replay_track(args.polis, args.seeds, rng)
    result["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
