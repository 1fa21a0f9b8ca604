"""Themes: thoughts grouped by word TF-IDF and k-means (spherical, seeded), labelled by top terms.

Computed on this machine from the thoughts alone; staff may rename a theme or move a
thought to another afterwards. Recomputing replaces staff edits, so it is asked for explicitly.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from collections.abc import Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.audit.services import actor_of, record
from unionvote.consult.models import Consultation, Theme, Thought
from unionvote.consult.ranking import visible
from unionvote.consult.setup import ConsultError, audit_scope
from unionvote.i18n import _

STOP_WORDS = frozenset("""a about after all also am an and any are as at be because been before being but by can
could did do does doing don for from get got had has have having he her here his how i if in into is it its just
let me more most my no not now of off on once only or other our out over own so some such than that the their
them then there these they this those to too up us very was we were what when where which while who why will
with would you your yours i'm it's we'd we're can't don't make makes making should thing things really ask use
keep get one time take know feel put way ways""".split())
ITERATIONS = 25
Vector = dict[str, float]


def words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z][a-z']+", text.lower()) if w not in STOP_WORDS and len(w) > 2]


def _stem(word: str) -> str:
    for suffix in ("ing", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def tfidf(texts: Sequence[str]) -> list[Vector]:
    bags = [Counter(_stem(w) for w in words(t)) for t in texts]
    df = Counter(term for bag in bags for term in bag)
    n = len(texts)
    vectors = []
    for bag in bags:
        vec = {t: (1 + math.log(c)) * math.log((1 + n) / (1 + df[t])) for t, c in bag.items() if df[t] > 1 or n < 20}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        vectors.append({t: v / norm for t, v in vec.items()})
    return vectors


def _dot(a: Vector, b: Vector) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())


def _centroid(members: list[Vector]) -> Vector:
    acc: Counter[str] = Counter()
    for vec in members:
        for t, v in vec.items():
            acc[t] += v
    norm = math.sqrt(sum(v * v for v in acc.values())) or 1.0
    return {t: v / norm for t, v in acc.items()}


def kmeans(vectors: list[Vector], k: int, seed: int = 0) -> list[int]:
    """Cluster index per vector: farthest-first start, cosine similarity, fixed seed (same thoughts, same themes)."""
    rng = random.Random(seed)
    centres = [vectors[rng.randrange(len(vectors))]]
    while len(centres) < k:
        distance = [1 - max(_dot(v, c) for c in centres) for v in vectors]
        farthest = max(range(len(vectors)), key=lambda i: distance[i])
        if distance[farthest] <= 1e-9:
            break
        centres.append(vectors[farthest])
    assignment = [0] * len(vectors)
    for iteration in range(ITERATIONS):
        new = [max(range(len(centres)), key=lambda c, v=v: _dot(v, centres[c])) for v in vectors]
        if new == assignment and iteration > 0:
            break
        assignment = new
        centres = [_centroid([v for v, a in zip(vectors, assignment, strict=True) if a == c]) or centres[c]
                   for c in range(len(centres))]
    return assignment


def label(members: list[Vector], texts: list[str]) -> str:
    weight: Counter[str] = Counter()
    for vec in members:
        weight.update(vec)
    # Show a real word for each stem: the commonest spelling in the theme's thoughts.
    spelled: Counter[tuple[str, str]] = Counter((_stem(w), w) for t in texts for w in words(t))
    top = [term for term, _ in weight.most_common(3)]
    names = [max((w for (s, w) in spelled if s == term), key=lambda w, s=term: spelled[(s, w)], default=term)
             for term in top]
    return ", ".join(names).capitalize() if names else "Other thoughts"


def theme_count(n: int) -> int:
    return max(1, min(7, round(math.sqrt(n / 2))))


async def compute_themes(db: AsyncSession, consultation: Consultation, *, by: int) -> int:
    thoughts = await visible(db, consultation.id)  # type: ignore[arg-type]
    if len(thoughts) < 4:
        raise ConsultError(_("Themes need at least four visible thoughts."), 409)
    thoughts.sort(key=lambda t: t.number)
    vectors = tfidf([t.text for t in thoughts])
    k = theme_count(len(thoughts))
    assignment = kmeans(vectors, k)
    await db.execute(update(Thought).where(Thought.consultation_id == consultation.id).values(theme_id=None))
    await db.execute(delete(Theme).where(Theme.consultation_id == consultation.id))
    made = 0
    for c in sorted(set(assignment)):
        members = [i for i, a in enumerate(assignment) if a == c]
        theme = Theme(consultation_id=consultation.id,  # type: ignore[arg-type]
                      label=label([vectors[i] for i in members], [thoughts[i].text for i in members])[:100])
        db.add(theme)
        await db.flush()
        made += 1
        await db.execute(update(Thought).where(Thought.id.in_([thoughts[i].id for i in members]))
                         .values(theme_id=theme.id))
    await record(db, scope=audit_scope(consultation.id), actor=actor_of(by), action="themes.computed",  # type: ignore[arg-type]
                 payload={"consultation": consultation.id, "themes": made})
    return made


async def themes_of(db: AsyncSession, consultation_id: int) -> dict[int, str]:
    rows = (await db.execute(select(Theme).where(Theme.consultation_id == consultation_id)
                             .order_by(Theme.id))).scalars()
    return {t.id: t.label for t in rows}  # type: ignore[misc]


async def rename_theme(db: AsyncSession, consultation: Consultation, theme_id: int, new_label: str, *, by: int) -> None:
    new_label = " ".join(new_label.split())
    if not new_label or len(new_label) > 100:
        raise ConsultError(_("Give the theme a name of 1 to 100 characters."))
    theme = await db.get(Theme, theme_id)
    if theme is None or theme.consultation_id != consultation.id:
        raise ConsultError(_("There is no such theme in this consultation."), 404)
    theme.label = new_label
    await record(db, scope=audit_scope(consultation.id), actor=actor_of(by), action="theme.renamed",  # type: ignore[arg-type]
                 payload={"consultation": consultation.id, "theme": theme_id})


async def move_thought(db: AsyncSession, consultation: Consultation, thought_id: str, theme_id: int | None, *,
                       by: int) -> None:
    thought = await db.get(Thought, thought_id) if len(thought_id) <= 32 else None
    if thought is None or thought.consultation_id != consultation.id:
        raise ConsultError(_("There is no such thought in this consultation."), 404)
    if theme_id is not None:
        theme = await db.get(Theme, theme_id)
        if theme is None or theme.consultation_id != consultation.id:
            raise ConsultError(_("There is no such theme in this consultation."), 404)
    thought.theme_id = theme_id
    await record(db, scope=audit_scope(consultation.id), actor=actor_of(by), action="thought.theme_changed",  # type: ignore[arg-type]
                 payload={"consultation": consultation.id, "thought": thought_id, "theme": theme_id})
