"""Demo agenda: a dozen motions from the demo branches, amendments (two of them overlapping), a composite,
an emergency motion, a rule change, rulings, recommendations, a published agenda, and a motion on the floor."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.conferences import lookup
from unionvote.db import utcnow
from unionvote.motions import agenda, committee, floor
from unionvote.motions.amendments import file_amendment
from unionvote.motions.deadlines import set_deadlines
from unionvote.motions.models import Motion
from unionvote.motions.submission import file_motion

if TYPE_CHECKING:
    from unionvote.demo import DemoContext

ZONE = "Europe/London"
# (body code, item, title, kind, lines); item None: not on the agenda (composited or ruled out below)
MOTIONS = [
    ("LONC", "pay", "Fair pay now", "ordinary", [
        "Conference notes that members' pay has fallen behind prices for a decade.",
        "Conference believes that every worker deserves a wage they can live on.",
        "Conference believes that below-inflation offers are pay cuts.", "",
        "Conference instructs the executive to:",
        "campaign for a pay rise above inflation for all members;",
        "prepare an indicative ballot on action if employers refuse."]),
    ("MANC", "pay", "Equal pay audits", "ordinary", [
        "Conference notes the gender pay gap remains above fourteen per cent in our sectors.", "",
        "Conference calls on the executive to demand an equal pay audit from every employer",
        "and to publish the results branch by branch."]),
    ("LEED", None, "A pay claim for the lowest paid", "ordinary", [
        "Conference believes the lowest paid have suffered most from rising prices.",
        "Conference calls for a flat-rate pay claim so the lowest paid gain the most."]),
    ("BRIS", None, "Flat-rate rises", "ordinary", [
        "Conference notes that percentage rises widen the gap between grades.",
        "Conference supports flat-rate increases in future pay claims."]),
    ("HLTH", "safety", "Safe staffing levels", "ordinary", [
        "Conference notes that unsafe staffing harms workers and the public.",
        "Conference calls for legally enforceable safe staffing ratios",
        "and instructs the executive to lobby for them."]),
    ("CARD", "safety", "Heat at work", "ordinary", [
        "Conference notes the rising number of days too hot to work safely.",
        "Conference calls for a maximum working temperature in law."]),
    ("GLAS", "organising", "Organising young workers", "ordinary", [
        "Conference notes that fewer than one in ten workers under 25 is a union member.",
        "Conference instructs the executive to fund a young workers' organiser in every region."]),
    ("BELF", "organising", "Reps' facility time", "ordinary", [
        "Conference condemns attacks on facility time for workplace representatives.",
        "Conference instructs the executive to defend facility time in every negotiation."]),
    ("NEWC", "organising", "Digital organising", "ordinary", [
        "Conference believes that members expect to take part online.",
        "Conference instructs the executive to offer every branch online meetings and ballots."]),
    ("BIRM", "rules", "Rule 14: term of office of branch officers", "rule_change", [
        "In Rule 14.2 delete 'one year' and insert 'two years'.",
        "In Rule 14.3 after 'branch officers' insert 'and workplace representatives'."]),
    ("RETD", None, "Foreign policy of a neighbouring state", "ordinary", [
        "Conference calls on the government of a neighbouring state to change its foreign policy."]),
    ("LONE", "pay", "Pensions are deferred pay", "ordinary", [
        "Conference believes pensions are deferred pay and must be protected.",
        "Conference opposes any increase in the pension age."]),
]


async def seed_motions(db: AsyncSession, ctx: DemoContext) -> None:
    conference_id = ctx.ids["conference"]
    cac, chair = ctx.ids["cac@demo.unionvote.test"], ctx.ids["chair@demo.unionvote.test"]
    bodies = {b.code: b.id for b in await lookup.bodies_of(db, conference_id)}
    pay = await agenda.add_section(db, conference_id, title="Pay and conditions", by=cac)
    organising = await agenda.add_section(db, conference_id, title="Organising and rules", by=cac)
    items = {
        "pay": await agenda.add_item(db, conference_id, section_id=pay.id, title="Debate: pay", minutes=45, by=cac),  # type: ignore[arg-type]
        "safety": await agenda.add_item(db, conference_id, section_id=pay.id, title="Debate: health and safety",  # type: ignore[arg-type]
                                        minutes=30, by=cac),
        "organising": await agenda.add_item(db, conference_id, section_id=organising.id,  # type: ignore[arg-type]
                                            title="Debate: organising", minutes=30, by=cac),
        "rules": await agenda.add_item(db, conference_id, section_id=organising.id, title="Rule changes",  # type: ignore[arg-type]
                                       minutes=20, by=cac),
        "emergency": await agenda.add_item(db, conference_id, section_id=organising.id,  # type: ignore[arg-type]
                                           title="Emergency business", minutes=15, by=cac),
    }
    made: list[Motion] = []
    for code, _, title, kind, lines in MOTIONS:
        made.append(await file_motion(db, conference_id, body_id=bodies[code], title=title, text="\n".join(lines),
                                      kind=kind, by=None, time_zone=ZONE, supporters=[bodies["HLTH"]]
                                      if code == "CARD" else None))
    composite = await committee.composite(
        db, conference_id, motion_ids=[made[2].id, made[3].id], title="Composite: flat-rate pay for the lowest paid",  # type: ignore[list-item]
        text="Conference believes the lowest paid have suffered most from rising prices,\n"
             "and that percentage rises widen the gap between grades.\n\n"
             "Conference supports flat-rate increases in future pay claims.", by=cac)
    await committee.rule_motion(db, made[10], in_order=False, reason="Not competent business: it is not a matter "
                                "for this union's conference.", by=cac)
    for motion, (_, item, *_rest) in zip(made, MOTIONS, strict=True):
        if item is not None:
            await committee.rule_motion(db, motion, in_order=True, reason="", by=cac)
            await agenda.schedule_motion(db, conference_id, motion.id, item_id=items[item].id, by=cac)  # type: ignore[arg-type]
    await agenda.schedule_motion(db, conference_id, composite.id, item_id=items["pay"].id, by=cac)  # type: ignore[arg-type]
    for motion, advice, note in [(made[0], "support", ""), (made[1], "support", ""), (made[5], "remit", ""),
                                 (made[9], "support_with_qualification", "The executive will consult branches "
                                  "on workplace representatives first."), (made[11], "support", "")]:
        await committee.recommend(db, motion, recommendation=advice, note=note, by=cac)

    first = made[0]
    amendments = [
        ("MANC", "replace", 2, 2, "Conference believes that every worker deserves a real living wage."),
        ("LEED", "delete", 2, 3, ""),  # overlaps Manchester's
        ("GLAS", "insert", 6, 6, "publish a pay tracker showing each employer's offer against inflation;"),
    ]
    for code, kind, first_line, last_line, text in amendments:
        amendment = await file_amendment(db, first, body_id=bodies[code], kind=kind, first_line=first_line,
                                         last_line=last_line, text=text, by=None, time_zone=ZONE)
        await committee.rule_amendment(db, first, amendment, in_order=True, reason="", by=cac)
    await file_amendment(db, made[4], body_id=bodies["CARD"], kind="insert", first_line=3, last_line=3,
                         text="including in social care.", by=None, time_zone=ZONE)
    await agenda.publish(db, conference_id, stage="preliminary", by=cac)

    now = utcnow()
    await set_deadlines(db, conference_id, motion_deadline=now - timedelta(days=1),
                        amendment_deadline=now + timedelta(days=1), by=cac)
    emergency = await file_motion(
        db, conference_id, body_id=bodies["LONC"], kind="emergency", by=None, time_zone=ZONE,
        title="Emergency: closure of the Northgate depot",
        text="Conference notes the sudden announcement yesterday that the Northgate depot will close.\n"
             "Conference pledges full support to the members affected.",
        emergency_reason="The closure was announced after the motions deadline.")
    await committee.rule_motion(db, emergency, in_order=True, reason="The closure was announced after the deadline "
                                "and needs a response from this conference.", by=cac)
    await agenda.schedule_motion(db, conference_id, emergency.id, item_id=items["emergency"].id, by=cac)  # type: ignore[arg-type]
    await agenda.publish(db, conference_id, stage="final", by=cac)

    await floor.set_current_item(db, conference_id, items["pay"].id, by=chair)
    await floor.decide_motion(db, first, action="move", by=chair)
