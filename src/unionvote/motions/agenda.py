"""The agenda: sections, items in priority order with time allocations, motions grouped into debates,
and published versions (preliminary, final) so delegates can see what changed."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.i18n import _
from unionvote.motions.common import (
    RECOMMENDATION_WORDS,
    STATE_WORDS,
    MotionError,
    audit,
    body_names,
    motion_in,
    motion_label,
)
from unionvote.motions.models import AgendaItem, AgendaPublication, AgendaSection, Motion, MotionState

SCHEDULABLE = frozenset({MotionState.ADMITTED, MotionState.SCHEDULED})
STAGES = ("preliminary", "final")


def _title(text: str, what: str) -> str:
    title = " ".join((text or "").split())
    if not title or len(title) > 200:
        raise MotionError(_("Give the section a title of 1 to 200 characters.") if what == "section" else
                          _("Give the item a title of 1 to 200 characters."))
    return title


async def add_section(db: AsyncSession, conference_id: int, *, title: str, by: int) -> AgendaSection:
    top = (await db.execute(select(func.max(AgendaSection.position))
                            .where(AgendaSection.conference_id == conference_id))).scalar()
    section = AgendaSection(conference_id=conference_id, title=_title(title, "section"), position=(top or 0) + 1)
    db.add(section)
    await db.flush()
    await audit(db, conference_id, by, "agenda.section_added", section_id=section.id)
    return section


async def add_item(db: AsyncSession, conference_id: int, *, section_id: int, title: str, minutes: int,
                   by: int) -> AgendaItem:
    section = await db.get(AgendaSection, section_id)
    if section is None or section.conference_id != conference_id:
        raise MotionError(_("There is no such agenda section in this conference."), 404)
    if not 0 <= minutes <= 600:
        raise MotionError(_("Give the time for the item in minutes, from 0 to 600."))
    top = (await db.execute(select(func.max(AgendaItem.position))
                            .where(AgendaItem.section_id == section_id))).scalar()
    item = AgendaItem(conference_id=conference_id, section_id=section_id, title=_title(title, "item"),
                      position=(top or 0) + 1, minutes=minutes)
    db.add(item)
    await db.flush()
    await audit(db, conference_id, by, "agenda.item_added", item_id=item.id, section_id=section_id, minutes=minutes)
    return item


async def item_in(db: AsyncSession, conference_id: int, item_id: int) -> AgendaItem:
    item = await db.get(AgendaItem, item_id)
    if item is None or item.conference_id != conference_id:
        raise MotionError(_("There is no such agenda item in this conference."), 404)
    return item


async def move_item(db: AsyncSession, conference_id: int, item_id: int, *, up: bool, by: int) -> None:
    """Swap an item with its neighbour in the section: the priority order."""
    item = await item_in(db, conference_id, item_id)
    siblings = list((await db.execute(select(AgendaItem).where(AgendaItem.section_id == item.section_id)
                                      .order_by(AgendaItem.position, AgendaItem.id))).scalars())
    at = siblings.index(item)
    other = at - 1 if up else at + 1
    if not 0 <= other < len(siblings):
        raise MotionError(_("The item is already at the top of its section.") if up else
                          _("The item is already at the bottom of its section."), 409)
    siblings[at], siblings[other] = siblings[other], siblings[at]
    for position, sibling in enumerate(siblings, start=1):
        sibling.position = position
    await audit(db, conference_id, by, "agenda.item_moved", item_id=item_id, position=item.position)


async def schedule_motion(db: AsyncSession, conference_id: int, motion_id: int, *, item_id: int | None,
                          by: int) -> None:
    """Put an admitted motion into an agenda item's debate (last in it), or take it off the agenda."""
    motion = await motion_in(db, conference_id, motion_id, lock=True)
    if motion.state not in SCHEDULABLE:
        raise MotionError(_("%(motion)s (%(state)s): only admitted motions can be put on the agenda.") % {
            "motion": motion_label(motion), "state": _(STATE_WORDS[motion.state])}, 409)
    if item_id is None:
        motion.agenda_item_id, motion.state = None, MotionState.ADMITTED
    else:
        await item_in(db, conference_id, item_id)
        top = (await db.execute(select(func.max(Motion.debate_order))
                                .where(Motion.agenda_item_id == item_id))).scalar()
        motion.agenda_item_id, motion.debate_order, motion.state = item_id, (top or 0) + 1, MotionState.SCHEDULED
    await audit(db, conference_id, by, "motion.scheduled", motion_id=motion_id, item_id=item_id)


@dataclass
class ItemView:
    item: AgendaItem
    motions: list[Motion] = field(default_factory=list)


@dataclass
class SectionView:
    section: AgendaSection
    items: list[ItemView] = field(default_factory=list)


async def agenda_of(db: AsyncSession, conference_id: int) -> list[SectionView]:
    sections = [SectionView(s) for s in (await db.execute(
        select(AgendaSection).where(AgendaSection.conference_id == conference_id)
        .order_by(AgendaSection.position, AgendaSection.id))).scalars()]
    items = {s.section.id: s.items for s in sections}
    views: dict[int, ItemView] = {}
    for item in (await db.execute(select(AgendaItem).where(AgendaItem.conference_id == conference_id)
                                  .order_by(AgendaItem.position, AgendaItem.id))).scalars():
        views[item.id] = ItemView(item)  # type: ignore[index]
        items[item.section_id].append(views[item.id])  # type: ignore[index]
    for motion in (await db.execute(select(Motion).where(Motion.conference_id == conference_id,
                                                         Motion.agenda_item_id.is_not(None))
                                    .order_by(Motion.debate_order, Motion.number))).scalars():
        views[motion.agenda_item_id].motions.append(motion)  # type: ignore[index]
    return sections


async def items_in_order(db: AsyncSession, conference_id: int) -> list[AgendaItem]:
    return [view.item for section in await agenda_of(db, conference_id) for view in section.items]


async def agenda_lines(db: AsyncSession, conference_id: int) -> list[str]:
    """The agenda as plain lines: what is published, and what the differences between versions are made of."""
    bodies = await body_names(db, conference_id)
    lines: list[str] = []
    for section in await agenda_of(db, conference_id):
        lines.append(f"{section.section.title}")
        for view in section.items:
            lines.append(f"  {view.item.title} ({view.item.minutes} minutes)")
            for motion in view.motions:
                by = bodies.get(motion.body_id, "the committee") if motion.body_id else "the committee"  # type: ignore[arg-type]
                advice = RECOMMENDATION_WORDS.get(motion.recommendation or "", "")
                lines.append(f"    {motion_label(motion)}: {motion.title} ({by})"
                             + (f"; recommendation: {advice}" if advice else ""))
    others = list((await db.execute(select(Motion).where(
        Motion.conference_id == conference_id,
        Motion.state.in_([MotionState.RULED_OUT, MotionState.COMPOSITED]))
        .order_by(Motion.number))).scalars())
    if others:
        lines.append("Ruled out of order or composited")
        for motion in others:
            if motion.state == MotionState.RULED_OUT:
                lines.append(f"  {motion_label(motion)}: {motion.title}: ruled out of order: {motion.ruling_reason}")
            else:
                into = await db.get(Motion, motion.composited_into) if motion.composited_into else None
                lines.append(f"  {motion_label(motion)}: {motion.title}: composited into "
                             + (motion_label(into) if into else "a composite"))
    return lines


async def publish(db: AsyncSession, conference_id: int, *, stage: str, by: int) -> AgendaPublication:
    if stage not in STAGES:
        raise MotionError(_("Publish the agenda as preliminary or final."))
    lines = await agenda_lines(db, conference_id)
    if not lines:
        raise MotionError(_("The agenda is empty: add a section and items before publishing it."), 409)
    top = (await db.execute(select(func.max(AgendaPublication.version))
                            .where(AgendaPublication.conference_id == conference_id))).scalar()
    publication = AgendaPublication(conference_id=conference_id, version=(top or 0) + 1, stage=stage,
                                    snapshot=json.dumps(lines), published_by=by)
    db.add(publication)
    await db.flush()
    await audit(db, conference_id, by, "agenda.published", publication_id=publication.id,
                version=publication.version, stage=stage)
    return publication


async def publications(db: AsyncSession, conference_id: int) -> list[AgendaPublication]:
    return list((await db.execute(select(AgendaPublication).where(AgendaPublication.conference_id == conference_id)
                                  .order_by(AgendaPublication.version.desc()))).scalars())


def changes_between(older: AgendaPublication | None, newer: AgendaPublication) -> list[tuple[str, str]]:
    """("added" | "removed", line) from one published version to the next."""
    before = json.loads(older.snapshot) if older else []
    after = json.loads(newer.snapshot)
    out = []
    for line in difflib.ndiff(before, after):
        if line.startswith("+ "):
            out.append(("added", line[2:].strip()))
        elif line.startswith("- "):
            out.append(("removed", line[2:].strip()))
    return out

