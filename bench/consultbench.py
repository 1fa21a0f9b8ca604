"""ConsultBench: does our sampler rank a consultation's thoughts better than the obvious ones?

    .venv/bin/python bench/consultbench.py [--quick] [--worlds 20] [--splits 20] [--seeds 2] [--jobs 2]

Samplers: uniform, least_rated (the fewest ratings first, what commercial tools do),
thompson_top_two (top-two Thompson sampling) and ours (unionvote.consult.sampler.Board, the
class Star's service builds and asks), at 5, 10, 15 and 30 ratings per member. Every sampler
is built from the totals as they stood when a member started and then asked for each of that
member's ratings, as the service asks a board up to a second old.

Synthetic track: 80 thoughts (some near-duplicates, 40% arriving late), 200 members in
three groups that disagree on a quarter of the thoughts, each member harsh or lenient;
truth is the membership-wide expected rating; --worlds worlds, one sampler seed each.

Replay track: the Polis conversations in --polis (votes routed uniformly at random when
logged). Each split puts the participants at random into two halves: the true ranking comes
from one half's votes (their Bayesian average with the fixed prior of PRIOR_RATINGS; also
their plain mean), the other half is replayed participant by participant, and a sampler may
only choose statements that participant voted on. "budget_binds_share": the share of
participants who voted on more statements than the budget (for the others every sampler sees
the same votes). Every split is run with --seeds sampler seeds. The truth half's votes are
never on the sampler's board.

Metrics: precision@10; recall of the top 10 (share of the true top 10 in the shown top 20);
Kendall tau over the whole list; exposure (members shown the least-shown thought, the median
thought, and the share of thoughts shown to fewer than 5, over all thoughts and over the
late-arriving ones). Each figure: the mean over all runs (splits x seeds, or worlds) with a
95% percentile-bootstrap interval; "ours_minus_X" is the difference paired run by run. Also
times one choice among 5,000 thoughts. Prints one JSON object, with the load average; the
quality figures do not depend on the load (every run is seeded), only "seconds" and "speed" do.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from consult_tracks import (  # noqa: E402
    SAMPLERS,
    Conversation,
    load_conversation,
    make_world,
    replay_runs,
    run_synthetic,
)

from unionvote.consult.sampler import Board, Totals  # noqa: E402

BUDGETS = (5, 10, 15, 30)
DEFAULT_POLIS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "polis"
COMPARED = ("precision_at_10", "recall_top_10_in_20", "kendall_tau", "precision_at_10_plain_mean_truth")


def bootstrap(values: list[float], rng: random.Random, resamples: int = 2000) -> dict[str, object]:
    means = sorted(statistics.fmean(rng.choices(values, k=len(values))) for _ in range(resamples))
    return {"mean": round(statistics.fmean(values), 4), "ci95": [round(means[int(0.025 * resamples)], 4),
                                                               round(means[int(0.975 * resamples) - 1], 4)]}


def summarise(runs: dict[str, list[dict[str, float]]], rng: random.Random) -> dict[str, object]:
    out: dict[str, object] = {"runs": len(runs["ours"])}
    for name, results in runs.items():
        out[name] = {metric: bootstrap([r[metric] for r in results if metric in r], rng)
                     for metric in results[0]}
    for other in ("uniform", "least_rated", "thompson_top_two"):
        for metric in COMPARED:
            if metric in runs["ours"][0]:
                diffs = [o[metric] - u[metric] for o, u in zip(runs["ours"], runs[other], strict=True)]
                out[f"ours_minus_{other}_{metric}"] = bootstrap(diffs, rng)
    return out


def synthetic_world(seed: int, budget: int) -> dict[str, dict[str, float]]:
    world = make_world(random.Random(seed))
    return {name: run_synthetic(world, sampler, budget, random.Random(10_000 + seed))
            for name, sampler in SAMPLERS.items()}


def replay_split(folder: Path, budget: int, split_number: int, seeds: int) -> dict[str, list[dict[str, float]]]:
    return replay_runs(load_conversation(folder), SAMPLERS, budget, [split_number], seeds)


def gather(parts: list[dict[str, list[dict[str, float]]] | dict[str, dict[str, float]]]
           ) -> dict[str, list[dict[str, float]]]:
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in SAMPLERS}
    for part in parts:
        for name, got in part.items():
            runs[name].extend(got if isinstance(got, list) else [got])
    return runs


def budget_binds(conversation: Conversation, budget: int) -> float:
    """The share of participants who voted on more statements than the budget: only for them can a
    sampler choose which of their votes it sees; for the others every sampler sees the same votes."""
    return round(sum(1 for votes in conversation.voters if len(votes) > budget) / len(conversation.voters), 4)


def speed(thoughts: int = 5000, ratings: int = 500_000, choices: int = 200) -> dict[str, object]:
    """One choice as the service makes it: the board is built once a second; a pick walks it."""
    rng = random.Random(7)
    per = ratings // thoughts
    totals = []
    for _ in range(thoughts):  # thoughts that really differ, so most picks are made at the edge, not at random
        true = rng.uniform(1.5, 4.5)
        stars = [min(5, max(1, round(rng.gauss(true, 1.2)))) for _ in range(per)]
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
            "share_at_random": round(board.explore, 3),
            "pick_median_ms": round(timings[len(timings) // 2], 3),
            "pick_p95_ms": round(timings[int(0.95 * choices)], 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="5 worlds, 4 splits x 1 seed: a minute or two")
    parser.add_argument("--worlds", type=int, default=20, help="synthetic worlds (one sampler seed each)")
    parser.add_argument("--splits", type=int, default=20, help="random halvings of each Polis conversation")
    parser.add_argument("--seeds", type=int, default=2, help="sampler seeds per replay split")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes")
    parser.add_argument("--first", type=int, default=0,
                        help="first world and split number; settings were tuned from 500 on, reported from 0")
    parser.add_argument("--polis", type=Path, default=DEFAULT_POLIS)
    parser.add_argument("--track", choices=("all", "synthetic", "replay"), default="all")
    args = parser.parse_args()
    if args.quick:
        args.worlds, args.splits, args.seeds = 5, 4, 1
    rng = random.Random(2026)
    started = time.perf_counter()
    result: dict[str, object] = {"worlds": args.worlds, "splits": args.splits, "seeds": args.seeds, "first": args.first,
                                 "load_average_before": os.getloadavg(), "cores": os.cpu_count(),
                                 "speed": speed()}
    folders = sorted(p for p in args.polis.iterdir() if (p / "votes.csv").is_file()) \
        if args.track != "synthetic" and args.polis.is_dir() else []
    with ProcessPoolExecutor(args.jobs) as pool:
        synthetic = {budget: [pool.submit(synthetic_world, seed, budget)
                                 for seed in range(args.first, args.first + args.worlds)]
                     for budget in BUDGETS} if args.track != "replay" else {}
        replayed = {(folder, budget): [pool.submit(replay_split, folder, budget, s, args.seeds)
                                       for s in range(args.first, args.first + args.splits)]
                    for folder in folders for budget in BUDGETS}
        if synthetic:
            result["synthetic"] = {f"budget_{budget}": summarise(gather([f.result() for f in futures]), rng)
                                   for budget, futures in synthetic.items()}
            print("synthetic: done", file=sys.stderr, flush=True)
        if replayed:
            track: dict[str, dict[str, object]] = {}
            for (folder, budget), futures in replayed.items():
                conversation = load_conversation(folder)
                entry = track.setdefault(folder.name, {"statements": len(conversation.statements),
                                                       "participants": len(conversation.voters)})
                entry[f"budget_{budget}"] = summarise(gather([f.result() for f in futures]), rng)
                entry[f"budget_{budget}"]["budget_binds_share"] = budget_binds(conversation, budget)  # type: ignore[index]
                print(f"{folder.name}, {budget} ratings per member: done", file=sys.stderr, flush=True)
            result["polis_replay"] = track
    result["seconds"] = round(time.perf_counter() - started, 1)
    result["load_average_after"] = os.getloadavg()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
