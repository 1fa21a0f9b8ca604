"""The chair's floor console: the current item, its speakers, motions and amendments, and the vote now."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.errors import RuleViolation
from unionvote.i18n import N_, _
from unionvote.motions import floor, speakers
from unionvote.motions.access import chair
from unionvote.motions.agenda import agenda_of
from unionvote.motions.amendments import amendments_of
from unionvote.motions.common import amendment_in, amendment_label, motion_in, motion_label
from unionvote.motions.floor_panels import panels_context
from unionvote.motions.live import floor_changed, floor_context, floor_now
from unionvote.motions.models import Amendment, FloorDecision, Motion
from unionvote.motions.pages_common import conference_of, motions_page, number_or_none, text_of
from unionvote.motions.voting_link import in_voting_order, votable_items
from unionvote.web import see_other

# What the confirmation asks, after the motion's or amendment's name: "Record that Motion 3: ... fell?"
# Each outcome's question and button, whole sentences so each language can order its own words.
CONFIRM_WORDS = {
    "carried": (N_("Record that %(label)s was carried?"), N_("Yes, record that it was carried")),
    "lost": (N_("Record that %(label)s was lost?"), N_("Yes, record that it was lost")),
    "remitted": (N_("Record that %(label)s was remitted?"), N_("Yes, record that it was remitted")),
    "withdrawn": (N_("Record that %(label)s was withdrawn?"), N_("Yes, record that it was withdrawn")),
    "fell": (N_("Record that %(label)s fell?"), N_("Yes, record that it fell")),
    "not_reached": (N_("Record that %(label)s was not reached?"), N_("Yes, record that it was not reached")),
    "accepted": (N_("Record that %(label)s was accepted by the mover?"),
                 N_("Yes, record that it was accepted by the mover")),
}


def minutes_to_seconds(raw: str, what: str) -> int | None:
    """'3' or '1.5' minutes as whole seconds; empty is no limit."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        minutes = Fraction(raw)
    except (ValueError, ZeroDivisionError):
        raise RuleViolation(_("%(what)s: enter minutes as a number such as 3 or 1.5, not '%(raw)s'.")
                            % {"what": what, "raw": raw}) from None
    if len(raw) > 8 or minutes <= 0:
        raise RuleViolation(_("%(what)s: enter minutes as a number such as 3 or 1.5, not '%(raw)s'.")
                            % {"what": what, "raw": raw})
    return round(minutes * 60)


@dataclass(frozen=True)
class MotionOnFloor:
    """A motion as the chair sees it on the floor: what can be recorded now, and what can be corrected."""

    motion: Motion
    amendments: list[Amendment]
    open_actions: list[str]
    corrections: dict[int | None, tuple[FloorDecision, list[str]]]  # amendment id (None: the motion) -> last, targets
    history: list[FloorDecision]


async def motion_on_floor(db: AsyncSession, motion: Motion) -> MotionOnFloor:
    history = await floor.decisions_of(db, motion.id)  # type: ignore[arg-type]
    amendments = await amendments_of(db, motion.id)  # type: ignore[arg-type]
    states = {None: motion.state, **{a.id: a.state for a in amendments}}
    corrections: dict[int | None, tuple[FloorDecision, list[str]]] = {}
    for row in history:
        corrections[row.amendment_id] = (row, floor.correction_targets(row, row.amendment_id is not None))
    corrections = {key: value for key, value in corrections.items()
                   if value[0].ballot_id is None and value[0].to_state == states.get(key)
                   and (key is None or motion.state in floor.OPEN_TO_AMENDMENT)}
    return MotionOnFloor(motion, amendments, floor.actions_open(motion), corrections, history)


async def floor_page(request: Request[Any, Any, Any], db: AsyncSession, conference_id: int,
                     error: str | None = None, status_code: int = 200, form: dict[str, str] | None = None
                     ) -> Template:
    conference = await conference_of(db, conference_id)
    now = await floor_now(db, conference_id)
    sections = await agenda_of(db, conference_id)
    item_motions = []
    for section in sections:
        for view in section.items:
            if now.item is not None and view.item.id == now.item.id:
                item_motions = [await motion_on_floor(db, m) for m in view.motions]
    recent = [await motion_on_floor(db, m) for m in await floor.recently_decided(db, conference_id)]
    return motions_page("motions/floor.html", request, conference, status_code=status_code, error=error,
                        agenda=sections, item_motions=item_motions, form=form or {}, recent=recent,
                        votable=in_voting_order(await votable_items(db, conference_id)),
                        **floor_context(now), **await panels_context(db, conference_id))


class FloorPages(Controller):
    path = "/conferences/{conference_id:int}/floor"
    guards = [chair]
    include_in_schema = False

    @get("/")
    async def console(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                      ) -> Template:
        return await floor_page(request, db_session, conference_id)

    async def _act(self, request: Request[Any, Any, Any], db: AsyncSession, conference_id: int, action: Any,
                   done: str = "floor-changed") -> Template | Redirect:
        form = await request.form()
        try:
            await action(form, request.scope["user"].id)
            await floor_changed(request, db, conference_id)
        except RuleViolation as exc:
            await db.rollback()
            return await floor_page(request, db, conference_id, str(exc), exc.status_code,
                                    form={name: text_of(form, name) for name in form})
        return see_other(f"/conferences/{conference_id}/floor?done={done}")

    @post("/current-item")
    async def current_item(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                           ) -> Template | Redirect:
        async def act(form: Any, by: int) -> None:
            item_id = number_or_none(form, "item_id")
            if item_id is None and text_of(form, "item_id") != "none":
                raise RuleViolation(_("Choose the agenda item conference is on now."))
            await floor.set_current_item(db_session, conference_id, item_id, by=by)
        return await self._act(request, db_session, conference_id, act)

    async def _confirm(self, request: Request[Any, Any, Any], db: AsyncSession, conference_id: int, action: str,
                       label: str, path: str) -> Template:
        """An outcome is recorded for good (a correction adds to it): ask before recording it."""
        conference = await conference_of(db, conference_id)
        words = CONFIRM_WORDS.get(action)
        if words is None:
            raise RuleViolation(_("Choose what happened: moved, carried, lost, remitted, withdrawn, fell or not "
                                  "reached."))
        question, button = words
        return motions_page("motions/floor_confirm.html", request, conference, action=action,
                            question=_(question) % {"label": label}, button=_(button), record_path=path)

    @post("/motions/{motion_id:int}")
    async def motion_action(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                            motion_id: int) -> Template | Redirect:
        form = await request.form()
        action = text_of(form, "action")
        if action != "move" and text_of(form, "confirm") != "yes":
            motion = await motion_in(db_session, conference_id, motion_id)
            return await self._confirm(request, db_session, conference_id, action,
                                       f"{motion_label(motion)}: {motion.title}", f"floor/motions/{motion_id}")

        async def act(form: Any, by: int) -> None:
            motion = await motion_in(db_session, conference_id, motion_id, lock=True)
            await floor.decide_motion(db_session, motion, action=text_of(form, "action"), by=by)
        return await self._act(request, db_session, conference_id, act)

    @post("/amendments/{amendment_id:int}")
    async def amendment_action(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                               amendment_id: int) -> Template | Redirect:
        form = await request.form()
        action = text_of(form, "action")
        if text_of(form, "confirm") != "yes":
            motion, amendment = await amendment_in(db_session, conference_id, amendment_id)
            label = _("%(amendment)s to %(motion)s") % {"amendment": amendment_label(motion, amendment),
                                                        "motion": motion_label(motion)}
            return await self._confirm(request, db_session, conference_id, action, label,
                                       f"floor/amendments/{amendment_id}")

        async def act(form: Any, by: int) -> None:
            motion, amendment = await amendment_in(db_session, conference_id, amendment_id, lock=True)
            await floor.decide_amendment(db_session, motion, amendment, action=text_of(form, "action"), by=by)
        return await self._act(request, db_session, conference_id, act)

    @post("/motions/{motion_id:int}/correct")
    async def correct_motion(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                             motion_id: int) -> Template | Redirect:
        async def act(form: Any, by: int) -> None:
            motion = await motion_in(db_session, conference_id, motion_id, lock=True)
            await floor.correct_decision(db_session, motion, None, to_state=text_of(form, "state"),
                                         reason=text_of(form, "reason"), by=by)
        return await self._act(request, db_session, conference_id, act, "corrected")

    @post("/amendments/{amendment_id:int}/correct")
    async def correct_amendment(self, request: Request[Any, Any, Any], db_session: AsyncSession,
                                conference_id: int, amendment_id: int) -> Template | Redirect:
        async def act(form: Any, by: int) -> None:
            motion, amendment = await amendment_in(db_session, conference_id, amendment_id, lock=True)
            await floor.correct_decision(db_session, motion, amendment, to_state=text_of(form, "state"),
                                         reason=text_of(form, "reason"), by=by)
        return await self._act(request, db_session, conference_id, act, "corrected")

    @post("/deciding")
    async def deciding(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                       ) -> Template | Redirect:
        async def act(form: Any, by: int) -> None:
            await floor.put_to_vote(db_session, conference_id, motion_id=number_or_none(form, "motion_id"),
                                    amendment_id=number_or_none(form, "amendment_id"), by=by)
        return await self._act(request, db_session, conference_id, act)

    @post("/speakers/next")
    async def call_next(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                        ) -> Template | Redirect:
        async def act(form: Any, by: int) -> None:
            item_id = number_or_none(form, "item_id")
            if item_id is None:
                raise RuleViolation(_("Open an agenda item before calling speakers."))
            await speakers.call_next(db_session, conference_id, item_id, by=by)
        return await self._act(request, db_session, conference_id, act, "called")

    @post("/speakers/finish")
    async def finish(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                     ) -> Template | Redirect:
        async def act(form: Any, by: int) -> None:
            item_id = number_or_none(form, "item_id")
            if item_id is None:
                raise RuleViolation(_("Open an agenda item first."))
            await speakers.finish_speech(db_session, conference_id, item_id, by=by)
        return await self._act(request, db_session, conference_id, act)

    @post("/speakers/limits")
    async def limits(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                     ) -> Template | Redirect:
        async def act(form: Any, by: int) -> None:
            item_id = number_or_none(form, "item_id")
            if item_id is None:
                raise RuleViolation(_("Open an agenda item first."))
            await speakers.set_time_limits(db_session, conference_id, item_id, by=by,
                                           speech_seconds=minutes_to_seconds(text_of(form, "speech_minutes"),
                                                                             _("Each speech")),
                                           item_seconds=minutes_to_seconds(text_of(form, "item_minutes"),
                                                                           _("The item's speaking time")))
        return await self._act(request, db_session, conference_id, act, "limits")

    @post("/speakers/{request_id:int}")
    async def speaker(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                      request_id: int) -> Template | Redirect:
        async def act(form: Any, by: int) -> None:
            what = text_of(form, "do")
            if what == "call":
                await speakers.call_speaker(db_session, conference_id, request_id, by=by)
            elif what == "remove":
                await speakers.remove_request(db_session, conference_id, request_id, by=by)
            else:
                await speakers.move_request(db_session, conference_id, request_id, direction=what, by=by)
        return await self._act(request, db_session, conference_id, act)

    @post("/speakers/{request_id:int}/call")
    async def call(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                   request_id: int) -> Template | Redirect:
        async def act(form: Any, by: int) -> None:
            await speakers.call_speaker(db_session, conference_id, request_id, by=by)
        return await self._act(request, db_session, conference_id, act, "called")
