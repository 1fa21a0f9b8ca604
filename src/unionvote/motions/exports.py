"""Exports: the CSV of motions and outcomes, and what the printed motion book shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.csvexport import csv_bytes
from unionvote.i18n import SOURCE_LANGUAGE, _, speaking
from unionvote.motions.agenda import agenda_of
from unionvote.motions.amendments import AmendmentView, AsAmended, amendment_views, motion_as_amended
from unionvote.motions.common import RECOMMENDATION_WORDS, STATE_WORDS, body_names, motion_label
from unionvote.motions.lines import numbered, parse_text
from unionvote.motions.models import AgendaItem, Motion
from unionvote.motions.submission import current_version

CSV_HEADER = ("number", "kind", "title", "submitted by", "state", "outcome", "recommendation", "agenda item",
              "amendments carried or accepted", "ballot id")
OUTCOMES = frozenset({"carried", "carried_as_amended", "lost", "remitted", "withdrawn", "fell", "not_reached"})


async def motions_of(db: AsyncSession, conference_id: int) -> list[Motion]:
    return list((await db.execute(select(Motion).where(Motion.conference_id == conference_id)
                                  .order_by(Motion.number))).scalars())


async def motions_csv(db: AsyncSession, conference_id: int) -> bytes:
    bodies = await body_names(db, conference_id)
    items = {i.id: i.title for i in (await db.execute(select(AgendaItem).where(
        AgendaItem.conference_id == conference_id))).scalars()}
    rows: list[list[Any]] = []
    for motion in await motions_of(db, conference_id):
        with speaking(SOURCE_LANGUAGE):  # a machine-read file: amendment labels in English, whoever downloads it
            amended = await motion_as_amended(db, motion)
        rows.append([motion.number, motion.kind, motion.title,
                     bodies.get(motion.body_id, "") if motion.body_id else "the committee",  # type: ignore[arg-type]
                     STATE_WORDS.get(motion.state, motion.state),
                     STATE_WORDS[motion.state] if motion.state in OUTCOMES else "",
                     RECOMMENDATION_WORDS.get(motion.recommendation or "", ""),
                     items.get(motion.agenda_item_id, "") if motion.agenda_item_id else "",  # type: ignore[arg-type]
                     "; ".join(amended.amendments), motion.ballot_id or ""])
    return csv_bytes(CSV_HEADER, rows)


@dataclass(frozen=True)
class BookEntry:
    motion: Motion
    label: str
    by: str
    lines: list[tuple[int | None, str | None]]
    amendments: list[AmendmentView]
    as_amended: AsAmended


async def book_entry(db: AsyncSession, motion: Motion, bodies: dict[int, str]) -> BookEntry:
    lines = numbered(parse_text((await current_version(db, motion)).text))
    by = bodies.get(motion.body_id, "") if motion.body_id else _("The committee")  # type: ignore[arg-type]
    return BookEntry(motion, motion_label(motion), by, lines, await amendment_views(db, motion),
                     await motion_as_amended(db, motion))


async def motion_book(db: AsyncSession, conference_id: int) -> list[tuple[Any, list[tuple[Any, list[BookEntry]]]]]:
    """The agenda in order, each item with its motions in full: (section, [(item, [entry])])."""
    bodies = await body_names(db, conference_id)
    book = []
    for section in await agenda_of(db, conference_id):
        items = []
        for view in section.items:
            items.append((view.item, [await book_entry(db, m, bodies) for m in view.motions]))
        book.append((section.section, items))
    return book
