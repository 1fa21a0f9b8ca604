"""Amendments: submitted by bodies before the amendment deadline, each changing a line range of a motion.

Also the readings every page needs: each amendment as a readable diff, the overlaps
between live amendments, and the motion as amended by those carried or accepted.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.db import utcnow
from unionvote.i18n import N_, _
from unionvote.motions.common import (
    MotionError,
    amendment_label,
    audit,
    ensure_body_in,
    ensure_represents,
    motion_label,
    settings_of,
)
from unionvote.motions.lines import (
    AmendedLine,
    Line,
    LineChange,
    TextProblem,
    apply_changes,
    check_change,
    line_count,
    overlapping_pairs,
    parse_text,
    text_of_lines,
)
from unionvote.motions.models import Amendment, AmendmentKind, AmendmentState, Motion, MotionKind, MotionState
from unionvote.motions.submission import current_version, deadline_words, version_of

AMENDABLE = frozenset({MotionState.SUBMITTED, MotionState.ADMITTED, MotionState.SCHEDULED})
LIVE = frozenset({AmendmentState.SUBMITTED, AmendmentState.ADMITTED})
PART_OF_MOTION = frozenset({AmendmentState.CARRIED, AmendmentState.ACCEPTED})


def change_of(amendment: Amendment) -> LineChange:
    new: tuple[Line, ...] = tuple(parse_text(amendment.text, what=N_("The amendment"))) if amendment.text else ()
    return LineChange(amendment.id, amendment.kind, amendment.first_line, amendment.last_line, new)


async def submit_amendment(db: AsyncSession, motion: Motion, *, body_id: int, kind: str, first_line: int,
                           last_line: int | None, text: str, by: int, time_zone: str) -> Amendment:
    await ensure_represents(db, motion.conference_id, by, body_id)
    return await file_amendment(db, motion, body_id=body_id, kind=kind, first_line=first_line, last_line=last_line,
                                text=text, by=by, time_zone=time_zone)


async def file_amendment(db: AsyncSession, motion: Motion, *, body_id: int, kind: str, first_line: int,
                         last_line: int | None, text: str, by: int | None, time_zone: str) -> Amendment:
    """The same rules, once it is settled who may act for the body."""
    if motion.state not in AMENDABLE:
        raise MotionError(f"{motion_label(motion)} cannot be amended now.", 409)
    await ensure_body_in(db, motion.conference_id, body_id)
    deadline = (await settings_of(db, motion.conference_id, lock=True)).amendment_deadline
    if deadline is not None and utcnow() > deadline and motion.kind != MotionKind.EMERGENCY:
        raise MotionError(f"The deadline for amendments was {deadline_words(deadline, time_zone)}.", 409)
    if kind not in set(AmendmentKind):
        raise MotionError("Choose whether the amendment deletes, inserts or replaces lines.")
    last = first_line if kind == AmendmentKind.INSERT or last_line is None else last_line
    version = await current_version(db, motion)
    try:
        new = tuple(parse_text(text, what=N_("The amendment"))) if text.strip() else ()
        check_change(LineChange(None, kind, first_line, last, new), line_count(parse_text(version.text)))
    except TextProblem as exc:
        raise MotionError(str(exc)) from exc
    top = (await db.execute(select(func.max(Amendment.number)).where(Amendment.motion_id == motion.id))).scalar()
    amendment = Amendment(motion_id=motion.id, number=(top or 0) + 1, body_id=body_id, submitted_by=by,  # type: ignore[arg-type]
                          kind=kind, first_line=first_line, last_line=last,
                          text="\n".join("" if x is None else x for x in new), motion_version=motion.version)
    db.add(amendment)
    await db.flush()
    await audit(db, motion.conference_id, by, "amendment.submitted", amendment_id=amendment.id, motion_id=motion.id,
                body_id=body_id, kind=kind, first_line=first_line, last_line=last, motion_version=motion.version)
    return amendment


async def amendments_of(db: AsyncSession, motion_id: int) -> list[Amendment]:
    return list((await db.execute(select(Amendment).where(Amendment.motion_id == motion_id)
                                  .order_by(Amendment.first_line, Amendment.number))).scalars())


@dataclass(frozen=True)
class AmendmentView:
    """An amendment as delegates read it: what it does, the words it takes out and puts in."""

    amendment: Amendment
    label: str
    where: str  # "lines 3–5", "after line 4"
    removed: list[tuple[int, str]]  # (line number, text) struck out
    added: list[str]
    overlaps_with: list[str]  # labels of live amendments touching the same lines


def describe(amendment: Amendment) -> str:
    words = {"delete": N_("Delete %(where)s"), "insert": N_("Insert %(where)s"), "replace": N_("Replace %(where)s")}
    return _(words[amendment.kind]) % {"where": change_of(amendment).describe()}


async def amendment_views(db: AsyncSession, motion: Motion) -> list[AmendmentView]:
    rows = await amendments_of(db, motion.id)  # type: ignore[arg-type]
    texts = {}
    for row in rows:
        if row.motion_version not in texts:
            texts[row.motion_version] = parse_text((await version_of(db, motion, row.motion_version)).text)
    live = [row for row in rows if row.state in LIVE | PART_OF_MOTION]
    clashes = overlapping_pairs([change_of(row) for row in live])
    by_id = {row.id: row for row in rows}
    views = []
    for row in rows:
        lines = texts[row.motion_version]
        first, last = row.first_line, row.last_line
        removed = ([] if row.kind == AmendmentKind.INSERT else
                   list(zip(range(first, last + 1), text_of_lines(lines, first, last), strict=False)))
        others = sorted({b.ref if a.ref == row.id else a.ref for a, b in clashes if row.id in (a.ref, b.ref)})
        views.append(AmendmentView(row, amendment_label(motion, row), describe(row), removed,
                                   [x for x in row.text.split("\n") if x],
                                   [amendment_label(motion, by_id[o]) for o in others]))  # type: ignore[index]
    return views


@dataclass(frozen=True)
class AsAmended:
    lines: list[AmendedLine]
    version: int
    amendments: list[str]  # labels of the amendments included
    changed: bool


async def motion_as_amended(db: AsyncSession, motion: Motion) -> AsAmended:
    """The text with every carried or accepted amendment made, lines labelled with where they came from."""
    rows = [row for row in await amendments_of(db, motion.id) if row.state in PART_OF_MOTION]  # type: ignore[arg-type]
    base_version = rows[0].motion_version if rows else motion.version
    lines = parse_text((await version_of(db, motion, base_version)).text)
    labels = {row.id: amendment_label(motion, row) for row in rows}
    result = apply_changes(lines, [change_of(row) for row in rows])
    labelled = [line if line.ref is None else
                AmendedLine(line.number, line.text, None, line.ref, f"{labels[line.ref]}: {line.source}")  # type: ignore[index]
                for line in result]
    return AsAmended(labelled, base_version, [labels[row.id] for row in rows], bool(rows))  # type: ignore[index]


def overlapping_amendments(rows: list[Amendment]) -> list[tuple[Amendment, Amendment]]:
    """Pairs of live amendments that touch the same lines: for the committee to see before the debate."""
    live = [row for row in rows if row.state in LIVE]
    by_id = {row.id: row for row in live}
    return [(by_id[a.ref], by_id[b.ref]) for a, b in overlapping_pairs([change_of(row) for row in live])]  # type: ignore[index]
