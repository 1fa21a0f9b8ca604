"""ConsultBench's JSON as the Markdown tables in docs/benchmarks.md.

    .venv/bin/python bench/consultbench.py > consultbench.json
    .venv/bin/python bench/consult_table.py < consultbench.json
"""

from __future__ import annotations

import json
import sys

SAMPLERS = ("uniform", "least_rated", "thompson_top_two", "ours")


def figure(entry: dict[str, object], digits: int = 2) -> str:
    low, high = entry["ci95"]  # type: ignore[index]
    return f"{entry['mean']:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"


def difference(entry: dict[str, object]) -> str:
    low, high = entry["ci95"]  # type: ignore[index]
    mark = "**" if low > 0 or high < 0 else ""
    return f"{mark}{entry['mean']:+.3f}{mark} [{low:+.3f}, {high:+.3f}]"


def table(track: dict[str, dict[str, object]], label: str) -> list[str]:
    plain = any("precision_at_10_plain_mean_truth" in r["ours"]  # type: ignore[index, operator]
                for budgets in track.values() for b, r in budgets.items() if b.startswith("budget_"))
    lines = [f"| {label} | ratings per member | sampler | precision@10 | recall of top 10 in top 20 | Kendall tau | "
             + ("precision@10, plain-mean truth | " if plain else "")
             + "least / median seen | share seen by < 5 | late: least seen, share < 5 |",
             "| --- | ---: | --- | --- | --- | --- | " + ("--- | " if plain else "") + "---: | ---: | ---: |"]
    for name, budgets in track.items():
        for budget, result in budgets.items():
            if not budget.startswith("budget_"):
                continue
            for sampler in SAMPLERS:
                m = result[sampler]  # type: ignore[index]
                late = (f"{m['late_least_seen']['mean']:.1f}, {m['late_share_seen_by_under_5']['mean']:.2f}"
                        if "late_least_seen" in m else "–")
                lines.append(f"| {name} | {budget[7:]} | {sampler} | {figure(m['precision_at_10'])} | "
                             f"{figure(m['recall_top_10_in_20'])} | {figure(m['kendall_tau'])} | "
                             + (f"{figure(m['precision_at_10_plain_mean_truth'])} | " if plain else "")
                             + f"{m['least_seen']['mean']:.1f} / {m['median_seen']['mean']:.1f} | "
                             f"{m['share_seen_by_under_5']['mean']:.2f} | {late} |")
    return lines


def differences(track: dict[str, dict[str, object]], label: str) -> list[str]:
    lines = [f"| {label} | ratings per member | runs | budget binds | ours − uniform, precision@10 | "
             "ours − Thompson, precision@10 | ours − uniform, tau | ours − Thompson, tau |",
             "| --- | ---: | ---: | ---: | --- | --- | --- | --- |"]
    for name, budgets in track.items():
        for budget, r in budgets.items():
            if budget.startswith("budget_"):
                binds = f"{r['budget_binds_share']:.0%}" if "budget_binds_share" in r else "all"  # type: ignore[index]
                lines.append(f"| {name} | {budget[7:]} | {r['runs']} | {binds} | "  # type: ignore[index]
                             f"{difference(r['ours_minus_uniform_precision_at_10'])} | "  # type: ignore[index]
                             f"{difference(r['ours_minus_thompson_top_two_precision_at_10'])} | "  # type: ignore[index]
                             f"{difference(r['ours_minus_uniform_kendall_tau'])} | "  # type: ignore[index]
                             f"{difference(r['ours_minus_thompson_top_two_kendall_tau'])} |")  # type: ignore[index]
    return lines


def main() -> int:
    result = json.load(sys.stdin)
    tracks = {"synthetic": {"synthetic": result["synthetic"]}} if "synthetic" in result else {}
    if "polis_replay" in result:
        tracks["replay"] = result["polis_replay"]
    for label, track in tracks.items():
        print("\n".join(table(track, "track" if label == "synthetic" else "conversation")) + "\n")
        print("\n".join(differences(track, "track" if label == "synthetic" else "conversation")) + "\n")
    print(f"speed: {result['speed']}; load average before {result['load_average_before']}, "
          f"after {result['load_average_after']}; {result['seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
