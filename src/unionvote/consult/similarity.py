"""Local text similarity: character 3-gram TF-IDF vectors and their cosine. Pure; no outside service.

Character n-grams catch near-duplicates that differ in spelling, plurals or word order
("flexible hours" / "flexi-hours"), which word matching misses in texts of 280 characters.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

NGRAM = 3
SIMILAR_ENOUGH = 0.35


def _grams(text: str) -> Counter[str]:
    cleaned = " " + re.sub(r"[^\w]+", " ", text.lower()).strip() + " "
    return Counter(cleaned[i:i + NGRAM] for i in range(len(cleaned) - NGRAM + 1))


def _vector(grams: Counter[str], idf: dict[str, float]) -> dict[str, float]:
    vec = {g: (1 + math.log(c)) * idf.get(g, 0.0) for g, c in grams.items()}
    norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
    return {g: v / norm for g, v in vec.items()}


def most_similar(text: str, others: Sequence[tuple[str, str]], limit: int = 3,
                 threshold: float = SIMILAR_ENOUGH) -> list[tuple[str, float]]:
    """(id, cosine) of the existing texts most like `text`, best first, above `threshold`."""
    if not others:
        return []
    grams = [_grams(t) for _, t in others]
    mine = _grams(text)
    documents = len(grams) + 1
    frequency: Counter[str] = Counter()
    for g in (*grams, mine):
        frequency.update(g.keys())
    idf = {g: math.log((1 + documents) / (1 + f)) + 1 for g, f in frequency.items()}
    query = _vector(mine, idf)
    scored = []
    for (key, _), g in zip(others, grams, strict=True):
        vec = _vector(g, idf)
        cosine = sum(w * vec.get(gram, 0.0) for gram, w in query.items())
        if cosine >= threshold:
            scored.append((key, cosine))
    scored.sort(key=lambda pair: -pair[1])
    return scored[:limit]
