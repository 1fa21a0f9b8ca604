"""Recounting declared elections from an exported audit chain.

Each `election.declared` entry carries the rule, the seats, the candidates (nomination ids),
every counted paper (grouped: [papers, [ids in preference order]]) and the count's full stage
record. `unionvote audit verify` reruns the count from the papers and checks that it gives the
recorded stage record, value for value.

`recount_ranked` does the same for a conference export: the voting verifier hands it an election's
ranked ballot, its papers (the papers it opened itself from the trustees' shares, for a sealed
ballot: voting.verify_papers) and the declared result document, and compares what it returns
with that document byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from unionvote.elections.ballot_result import papers_of_rows, ranked_result
from unionvote.elections.count import run_count
from unionvote.elections.services import count_input_of
from unionvote.errors import RuleViolation


def recount_entry(payload: dict[str, Any]) -> dict[str, Any]:
    papers = {" ".join(str(c) for c in ranking): count for count, ranking in payload["papers"]}
    count_input = count_input_of(payload["election"], payload["seats"], payload["candidates"],
                                 papers)
    return run_count(payload["rule"], count_input).to_record()


def recount_ranked(ballot: dict[str, Any], contents: list[dict[str, Any]], hall: list[dict[str, Any]],
                   casting_vote: str | None, *, declared: dict[str, Any] | None = None) -> dict[str, Any]:
    """Recount an exported ranked ballot from its papers ({"choice", "weight"} rows); the result document it
    should be declared with.

    The candidates are the ballot's options; the election, rule and seats are read from the declared
    document, whose hash the ballot's chain holds, so the recount checks the count, not those settings.
    """
    if declared is None or not isinstance(declared, dict):
        raise ValueError("the declared result document is needed for the election, rule and seats")
    if hall:
        raise ValueError("a ranked ballot takes no hall counts, but the export lists some")
    if casting_vote is not None:
        raise ValueError("a ranked ballot's ties are broken by the counting rule, not by a casting vote")
    election, rule, seats = declared.get("election"), declared.get("rule"), declared.get("seats")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (election, seats)) or not isinstance(
            rule, str):
        raise ValueError("the declared document does not give the election and seats as numbers and the rule")
    candidates = [int(key) for key, _ in ballot["options"]]
    papers = papers_of_rows((row["choice"], row["weight"]) for row in contents)
    if not papers:
        raise ValueError("the ballot has no papers to count")
    return ranked_result(election, rule, seats, candidates, papers)


def first_difference(ours: Any, theirs: Any, where: str = "record") -> str | None:
    if isinstance(ours, dict) and isinstance(theirs, dict):
        for key in sorted(set(ours) | set(theirs)):
            found = first_difference(ours.get(key), theirs.get(key), f"{where}.{key}")
            if found:
                return found
        return None
    if isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        for index, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            found = first_difference(a, b, f"{where}[{index}]")
            if found:
                return found
        return None
    return None if ours == theirs else where


def recount_declarations(lines: Iterable[str]) -> tuple[int, list[str]]:
    """(elections recounted, problems), for the lines of one exported chain that already verified."""
    recounted = 0
    problems: list[str] = []
    for line_no, raw in enumerate(lines, start=1):
        if '"election.declared"' not in raw:
            continue
        entry = json.loads(raw)
        if entry.get("action") != "election.declared":
            continue
        payload = entry["payload"]
        try:
            ours = recount_entry(payload)
        except (RuleViolation, KeyError, TypeError, ValueError) as exc:
            problems.append(f"line {line_no}: election {payload.get('election')} cannot be recounted: {exc}")
            continue
        where = first_difference(ours, payload.get("record"))
        if where:
            problems.append(f"line {line_no}: election {payload['election']}: the recount differs from the "
                            f"declared stage record at {where}")
        recounted += 1
    return recounted, problems
