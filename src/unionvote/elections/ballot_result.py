"""The result document an election's ranked ballot is declared with, and the papers it is counted from.

Built the same way when the ballot is counted (ranked_ballot.close_and_count) and when an export is
recounted (verify.recount_ranked), so the two can be compared byte for byte. Whole numbers and
strings only: the stage record keeps its decimals as text.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from typing import Any

from unionvote.elections.count import run_count
from unionvote.elections.services import ElectionError, count_input_of

OUTCOME = "counted"  # what voting records as the ranked ballot's outcome


def papers_of_rows(rows: Iterable[tuple[list[str], str]]) -> dict[str, int]:
    """Group ballot contents (ranking of candidate keys, weight text) into papers: ranking -> number."""
    papers: dict[str, int] = {}
    for ranking, weight_text in rows:
        weight = Fraction(weight_text)
        if weight.denominator != 1 or weight < 1:
            raise ElectionError("A card vote split into fractions cannot be counted as STV papers: run the "
                                "election's ballot one vote each or with block card votes.", 409)
        key = " ".join(ranking)
        papers[key] = papers.get(key, 0) + int(weight)
    return papers


def first_preferences(candidates: list[str], papers: dict[str, int]) -> dict[str, int]:
    firsts = dict.fromkeys(candidates, 0)
    for ranking, count in papers.items():
        first = ranking.split()[0]
        firsts[first] = firsts.get(first, 0) + count
    return firsts


def ranked_result(election_id: int, rule: str, seats: int, candidate_ids: list[int], papers: dict[str, int],
                  record: dict[str, Any] | None = None) -> dict[str, Any]:
    """The outcome for the ballot's declaration; the papers are counted here unless the record is given."""
    if record is None:
        record = run_count(rule, count_input_of(election_id, seats, candidate_ids, papers)).to_record()
    candidates = [str(c) for c in candidate_ids]
    elected = list(record["elected"])
    return {
        "election": election_id, "rule": rule, "seats": seats, "candidates": candidates,
        "papers": sum(papers.values()),
        "combined": {"choices": first_preferences(candidates, papers)},
        "elected": elected,
        "decision": {"outcome": OUTCOME, "winners": elected},
        "record": record,
    }
