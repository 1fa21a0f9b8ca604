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
    lines = [f"| {label} | ratings per member | sampler | precision@10 | recall of top 10 in top 20 | Kendall tau | "
             "least-shown thought (members) | exposure Gini |",
             "| --- | ---: | --- | --- | --- | --- | ---: | ---: |"]
    for name, budgets in track.items():
        for budget, result in budgets.items():
            if not budget.startswith("budget_"):
                continue
            for sampler in SAMPLERS:
                m = result[sampler]  # type: ignore[index]
                lines.append(f"| {name} | {budget[7:]} | {sampler} | {figure(m['precision_at_10'])} | "
                             f"{figure(m['recall_top_10_in_20'])} | {figure(m['kendall_tau'])} | "
                             f"{m['least_seen_thought']['mean']:.1f} | {m['exposure_gini']['mean']:.2f} |")
    return lines


def differences(track: dict[str, dict[str, object]], label: str) -> list[str]:
    lines = [f"| {label} | ratings per member | runs | ours − uniform, precision@10 | ours − Thompson, precision@10 | "
             "ours − uniform, tau | ours − Thompson, tau |",
             "| --- | ---: | ---: | --- | --- | --- | --- |"]
    for name, budgets in track.items():
        for budget, r in budgets.items():
            if budget.startswith("budget_"):
                lines.append(f"| {name} | {budget[7:]} | {r['runs']} | "  # type: ignore[index]
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
