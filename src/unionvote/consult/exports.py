"""Exports in the Polis open-data layout (comments.csv, votes.csv, participants-votes.csv) and as JSON.

Stars become Polis votes: 4-5 agree (+1), 3 or a skip pass (0), 1-2 disagree (-1); votes.csv
carries the stars too, in a last column. Thoughts and ratings have no timestamps (that is how
anonymity holds), so the timestamp columns are empty. Participants are numbered 0, 1, 2, ...
in the order of their random ids, which says nothing about who they are or when they came.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.consult.models import ATTRIBUTES, Consultation, Participant, Rating, Theme, Thought, ThoughtStatus
from unionvote.consult.ranking import MIN_SEGMENT, estimates, plain_sums
from unionvote.csvexport import csv_bytes

MODERATED = {ThoughtStatus.VISIBLE: 1, ThoughtStatus.HELD: 0, ThoughtStatus.HIDDEN: -1}


def polis_vote(stars: int | None) -> int:
    if stars is None or stars == 3:
        return 0
    return 1 if stars >= 4 else -1


class Snapshot:
    def __init__(self, consultation: Consultation, thoughts: list[Thought], participants: list[Participant],
                 ratings: list[Rating], themes: dict[int, str]) -> None:
        self.consultation, self.thoughts, self.ratings, self.themes = consultation, thoughts, ratings, themes
        self.participants = participants
        self.number = {p.id: i for i, p in enumerate(participants)}
        self.thought = {t.id: t for t in thoughts}
        self.sizes = {a: Counter(getattr(q, a) for q in participants) for a in ATTRIBUTES}


async def snapshot(db: AsyncSession, consultation: Consultation) -> Snapshot:
    thoughts = list((await db.execute(select(Thought).where(Thought.consultation_id == consultation.id)
                                      .order_by(Thought.number))).scalars())
    participants = list((await db.execute(select(Participant).where(Participant.consultation_id == consultation.id)
                                          .order_by(Participant.id))).scalars())
    ratings = list((await db.execute(select(Rating).join(Thought, Thought.id == Rating.thought_id)
                                     .where(Thought.consultation_id == consultation.id)
                                     .order_by(Thought.number, Rating.id))).scalars())
    themes = {t.id: t.label for t in (await db.execute(select(Theme).where(
        Theme.consultation_id == consultation.id))).scalars()}
    return Snapshot(consultation, thoughts, participants, ratings, themes)  # type: ignore[arg-type]


def comments_csv(s: Snapshot) -> bytes:
    votes: dict[str, list[int]] = defaultdict(list)
    for r in s.ratings:
        votes[r.thought_id].append(polis_vote(r.stars))
    rows = [("", "", t.number, s.number.get(t.participant_id or "", ""), votes[t.id].count(1), votes[t.id].count(-1),
             MODERATED[ThoughtStatus(t.status)], t.text) for t in s.thoughts]
    return csv_bytes(["timestamp", "datetime", "comment-id", "author-id", "agrees", "disagrees", "moderated",
                      "comment-body"], rows)


def votes_csv(s: Snapshot) -> bytes:
    rows = [("", "", s.thought[r.thought_id].number, s.number[r.participant_id], polis_vote(r.stars),
             "" if r.stars is None else r.stars) for r in s.ratings]
    return csv_bytes(["timestamp", "datetime", "comment-id", "voter-id", "vote", "stars"], rows)


def participants_votes_csv(s: Snapshot) -> bytes:
    numbers = [t.number for t in s.thoughts]
    grid: dict[str, dict[int, int]] = defaultdict(dict)
    for r in s.ratings:
        grid[r.participant_id][s.thought[r.thought_id].number] = polis_vote(r.stars)
    authored: dict[str, int] = defaultdict(int)
    for t in s.thoughts:
        if t.participant_id:
            authored[t.participant_id] += 1
    rows = []
    for p in s.participants:
        mine = grid[p.id]
        values = list(mine.values())
        rows.append([s.number[p.id], "", authored[p.id], len(values), values.count(1), values.count(-1),
                     *(mine.get(n, "") for n in numbers)])
    return csv_bytes(["participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree",
                      *map(str, numbers)], rows)


def as_json(s: Snapshot) -> bytes:
    c = s.consultation
    ranked = {e.thought_id: e for e in estimates(plain_sums(t for t in s.thoughts
                                                            if t.status == ThoughtStatus.VISIBLE))}
    thoughts: list[dict[str, Any]] = []
    for t in s.thoughts:
        e = ranked.get(t.id)
        thoughts.append({
            "number": t.number, "text": t.text, "status": t.status, "author": s.number.get(t.participant_id or ""),
            "ratings": t.ratings, "skips": t.skips, "theme": s.themes.get(t.theme_id) if t.theme_id else None,
            "estimate": None if e is None else {"mean": str(e.shown_mean), "low": str(e.low), "high": str(e.high),
                                                "too_few_ratings": e.too_few},
        })
    document = {
        "consultation": {"id": c.id, "question": c.question, "description": c.description, "audience": c.audience,
                         "anonymity": c.anonymity},
        "participants": [{"participant": s.number[p.id], **_safe_attributes(s, p)} for p in s.participants],
        "thoughts": thoughts,
        "ratings": [{"thought": s.thought[r.thought_id].number, "participant": s.number[r.participant_id],
                     "stars": r.stars} for r in s.ratings],
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def _safe_attributes(s: Snapshot, p: Participant) -> dict[str, str | None]:
    """A value shared by fewer than MIN_SEGMENT people could single someone out: it is left out."""
    return {a: getattr(p, a) if s.sizes[a][getattr(p, a)] >= MIN_SEGMENT else None for a in ATTRIBUTES}


EXPORTS = {
    "comments.csv": comments_csv,
    "votes.csv": votes_csv,
    "participants-votes.csv": participants_votes_csv,
    "consultation.json": as_json,
}
