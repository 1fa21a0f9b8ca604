"""ConsultBench: does our sampler rank a consultation's thoughts better than the obvious ones?

    .venv/bin/python bench/consultbench.py [--worlds 30] [--splits 10] [--seeds 3] [--polis ../shared/data/polis]

Samplers: uniform, least_rated (the fewest ratings first, what commercial tools do),
thompson_top_two (top-two Thompson sampling) and ours (unionvote.consult.sampler.Board, called
exactly as Star's service calls it), at 5, 10, 15 and 30 ratings per member.

Synthetic track: 80 thoughts (some near-duplicates, 40% arriving late), 200 members in
three groups that disagree on a quarter of the thoughts, each member harsh or lenient;
truth is the membership-wide expected rating; --worlds worlds.
Replay track: the Polis conversations in --polis (votes routed uniformly at random when
logged). Each split puts the participants at random into two halves: the true ranking comes
from one half's votes, the other half is replayed participant by participant, and a sampler
may only choose statements that participant voted on. Every split is run with --seeds seeds.

Metrics: precision@10; recall of the top 10 (share of the true top 10 in the shown top 20);
Kendall tau over the whole list; exposure (members shown the least-shown thought, and the
Gini coefficient of views). Each figure: the mean over all runs (splits x seeds) with a 95%
bootstrap interval; "ours_minus_X" is the paired difference run by run. Also times one choice
among 5,000 thoughts. Prints one JSON object, with the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from consult_tracks import SAMPLERS, load_conversation, make_world, replay_runs, run_synthetic  # noqa: E402

from unionvote.consult.sampler import Board, Totals  # noqa: E402

BUDGETS = (5, 10, 15, 30)
DEFAULT_POLIS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "polis"


def bootstrap(values: list[float], rng: random.Random, resamples: int = 2000) -> dict[str, object]:
    means = sorted(statistics.fmean(rng.choices(values, k=len(values))) for _ in range(resamples))
    return {"mean": round(statistics.fmean(values), 4), "ci95": [round(means[int(0.025 * resamples)], 4),
                                                               round(means[int(0.975 * resamples) - 1], 4)]}


def summarise(runs: dict[str, list[dict[str, float]]], rng: random.Random) -> dict[str, object]:
    out: dict[str, object] = {"runs": len(runs["ours"])}
    for name, results in runs.items():
        out[name] = {metric: bootstrap([r[metric] for r in results], rng) for metric in results[0]}
    for other in ("uniform", "thompson_top_two"):
        for metric in ("precision_at_10", "kendall_tau"):
            diffs = [o[metric] - u[metric] for o, u in zip(runs["ours"], runs[other], strict=True)]
            out[f"ours_minus_{other}_{metric}"] = bootstrap(diffs, rng)
    return out


def synthetic_track(worlds: int, rng: random.Random) -> dict[str, object]:
    track: dict[str, object] = {}
    for budget in BUDGETS:
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in SAMPLERS}
        for seed in range(worlds):
            world = make_world(random.Random(seed))
            for name, sampler in SAMPLERS.items():
                runs[name].append(run_synthetic(world, sampler, budget, random.Random(10_000 + seed)))
        track[f"budget_{budget}"] = summarise(runs, rng)
        print(f"synthetic, {budget} ratings per member: done", file=sys.stderr, flush=True)
    return track


def replay_track(folder: Path, splits: int, seeds: int, rng: random.Random) -> dict[str, object]:
    track: dict[str, object] = {}
    for path in sorted(p for p in folder.iterdir() if (p / "votes.csv").is_file()):
        conversation = load_conversation(path)
        entry: dict[str, object] = {"statements": len(conversation.statements),
                                    "participants": len(conversation.voters)}
        for budget in BUDGETS:
            entry[f"budget_{budget}"] = summarise(replay_runs(conversation, SAMPLERS, budget, splits, seeds), rng)
            print(f"{path.name}, {budget} ratings per member: done", file=sys.stderr, flush=True)
        track[path.name] = entry
    return track


def speed(thoughts: int = 5000, ratings: int = 500_000, choices: int = 200) -> dict[str, object]:
    """One choice as the service makes it: the board is built once a second; a pick walks it."""
    rng = random.Random(7)
    per = ratings // thoughts
    totals = []
    for _ in range(thoughts):
        stars = [rng.randint(1, 5) for _ in range(per)]
        totals.append(Totals(per, sum(stars), sum(s * s for s in stars)))
    started = time.perf_counter()
    board = Board(totals)
    build_ms = (time.perf_counter() - started) * 1000
    blocked = set(rng.sample(range(thoughts), 100))  # what this participant has already rated
    timings = []
    for _ in range(choices):
        started = time.perf_counter()
        board.pick(blocked, rng)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {"thoughts": thoughts, "ratings": ratings, "choices": choices, "board_build_ms": round(build_ms, 1),
            "pick_median_ms": round(timings[len(timings) // 2], 3),
            "pick_p95_ms": round(timings[int(0.95 * choices)], 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--worlds", type=int, default=30, help="synthetic worlds (one sampler seed each)")
    parser.add_argument("--seeds", type=int, default=3, help="sampler seeds per replay split")
    parser.add_argument("--splits", type=int, default=10, help="random halvings of each Polis conversation")
    parser.add_argument("--polis", type=Path, default=DEFAULT_POLIS)
    parser.add_argument("--track", choices=("all", "synthetic", "replay"), default="all")
    args = parser.parse_args()
    rng = random.Random(2026)
    started = time.perf_counter()
    result: dict[str, object] = {"worlds": args.worlds, "seeds": args.seeds, "splits": args.splits,
                                 "load_average_before": os.getloadavg(),
                                 "speed": speed()}
    if args.track in ("all", "synthetic"):
        result["synthetic"] = synthetic_track(args.worlds, rng)
    if args.track in ("all", "replay") and args.polis.is_dir():
        result["polis_replay"] = replay_track(args.polis, args.splits, args.seeds, rng)
    result["seconds"] = round(time.perf_counter() - started, 1)
    result["load_average_after"] = os.getloadavg()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
