"""Demo consultations: working parents sharing and rating tips for managing kids and work, one per phase;
and the pay ballot's electorate asked what the next pay claim should prioritise.

The demo delegate (delegate@demo.unionvote.test) can join the first two and see the third's
results once joined; the administrator runs all of them. The pay-claim consultation is for the
members of the demo member ballot: the administrator issues their links from its page (a CSV
for the mail merge), and a member removed from the ballot finds their link refused. Made
through the same services the pages use, by a crowd of made-up participants.
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.auth import CurrentUser
from unionvote.consult import moderation, participation, ranking, setup, share, star, themes
from unionvote.consult.models import Consultation
from unionvote.db import utcnow

QUESTION = "What is your best tip for managing work and childcare?"
TIPS = [
    ("Ask for a fixed rota at least four weeks ahead so you can book childcare", 4.5),
    ("Request flexible start and finish times around the school run", 4.6),
    ("Use your right to request flexible working from day one", 4.3),
    ("Batch cook on Sundays and freeze meals for busy weeknights", 3.9),
    ("Cook double portions and freeze half for shift weeks", 3.7),
    ("Share one family calendar with your partner and the childminder", 3.8),
    ("Swap pick-ups with other parents on your shift pattern", 4.0),
    ("Keep a spare school uniform and PE kit at work or in the car", 3.2),
    ("Ask the school about breakfast club and after-school places early", 4.1),
    ("Check whether your employer offers childcare vouchers or tax-free childcare", 4.4),
    ("Push for the union to negotiate paid emergency dependants leave", 4.7),
    ("Know your right to unpaid parental leave: up to 18 weeks per child", 4.2),
    ("Plan the school holidays in January before the leave calendar fills up", 3.9),
    ("Set up a WhatsApp group with other parents on your ward for swaps", 3.6),
    ("Prepare bags and lunches the night before", 3.3),
    ("Ask for term-time only contracts where the job allows", 4.0),
    ("Use holiday clubs at the leisure centre, they are cheaper than you think", 3.4),
    ("Talk to your rep before your return-to-work meeting", 4.3),
    ("Don't feel guilty about screen time on a late shift day", 2.9),
    ("Keep a list of backup carers for when your child is ill", 3.8),
    ("Ask for annualised hours so busy months balance quiet ones", 3.5),
    ("Get grandparents on a shared rota if they can help", 3.1),
    ("Book dentist and doctor appointments at the start or end of the day", 3.0),
    ("Use compressed hours: four longer days and one day at home", 4.1),
    ("Ask your manager to publish overtime early so you can say no in time", 4.2),
    ("Meal plan the week and order the food shop online", 3.6),
    ("Agree with your partner who covers sick days before they happen", 3.9),
    ("Take lunch breaks: you will be calmer at pick-up time", 2.8),
]
REGIONS, SHIFTS = ["North", "Midlands", "South"], ["Days", "Nights", "Mixed"]
PAY_QUESTION = "What should our next pay claim prioritise?"
PAY_THOUGHTS = [
    ("A flat-rate rise so the lowest paid gain the most", 4.5),
    ("A rise at least matching inflation for every grade", 4.6),
    ("Restore the pay lost since 2010 over three years", 4.0),
    ("Shorter working week with no loss of pay", 3.8),
    ("Higher unsocial hours payments for nights and weekends", 4.1),
    ("Paid time off for members caring for family", 3.7),
    ("End zero-hours contracts across every employer", 4.3),
    ("A real living wage floor for contractors too", 4.2),
    ("Mileage rates that cover the real cost of fuel", 3.5),
    ("Pay progression that does not stall at the top of the grade", 3.6),
    ("Sick pay from day one for everyone", 4.0),
    ("Free parking for staff at every site", 3.0),
]
BALLOT_EMPLOYERS = ["Northgate Council", "Riverside NHS Trust", "Eastfield Academies", "Harbour Logistics"]


def _runner(admin_id: int) -> CurrentUser:
    return CurrentUser(id=admin_id, email="", display_name="", is_admin=True, totp_enabled=True, mfa_verified=True,
                       via="session")


async def _crowd(db: AsyncSession, c: Consultation, rng: random.Random, people: int, tips: int, ratings_each: int,
                 *, thoughts: list[tuple[str, float]] = TIPS, employers: list[str] | None = None) -> None:
    """`people` made-up members: the first `tips` share a tip each, then everyone rates a few."""
    members = []
    for i in range(people):
        joining = await participation.new_participant(  # the made-up crowd has no accounts to join with
            db, c, {"employer": rng.choice(employers) if employers else None, "role": None,
                    "region": rng.choice(REGIONS), "shift": rng.choice(SHIFTS)},
            person_ref=f"demo:{i}")
        members.append((joining.participant, rng.gauss(0, 0.5)))
        if i < tips:
            await share.share_thought(db, c, joining.participant, thoughts[i % len(thoughts)][0])
    quality = dict(thoughts)
    for participant, bias in members:
        for _ in range(ratings_each):
            thought = await star.next_thought(db, c, participant)
            if thought is None:
                break
            stars = min(5, max(1, round(quality[thought.text] + bias + rng.gauss(0, 0.8))))
            await star.rate(db, c, participant, thought.id, stars)  # type: ignore[arg-type]


async def _consultation(db: AsyncSession, admin_id: int, conference_id: int, description: str) -> Consultation:
    return await setup.create_consultation(db, _runner(admin_id), question=QUESTION, description=description,
                                           audience="delegates", conference_id=conference_id, anonymity="anonymous")


async def seed_consultations(db: AsyncSession, ctx: object) -> None:
    ids = ctx.ids  # type: ignore[attr-defined]
    admin_id, conference_id = ids["admin@demo.unionvote.test"], ids["conference"]
    rng, now = random.Random(2027), utcnow()
    open_now = setup.Phases(share_opens_at=now - timedelta(days=1), star_opens_at=now - timedelta(days=1),
                            discover_opens_at=now - timedelta(hours=1))

    sharing = await _consultation(db, admin_id, conference_id, "Share phase: add your own tip.")
    await setup.set_phases(db, sharing, open_now, hold_for_review=False, by=admin_id)
    await _crowd(db, sharing, rng, people=8, tips=8, ratings_each=0)
    await setup.set_phases(db, sharing, setup.Phases(share_opens_at=now - timedelta(days=1),
                                                     star_opens_at=now + timedelta(days=7)),
                           hold_for_review=False, by=admin_id)

    starring = await _consultation(db, admin_id, conference_id, "Share and Star: add a tip, then rate others'.")
    await setup.set_phases(db, starring, open_now, hold_for_review=False, by=admin_id)
    await _crowd(db, starring, rng, people=30, tips=20, ratings_each=7)
    await setup.set_phases(db, starring, setup.Phases(share_opens_at=now - timedelta(days=1),
                                                      star_opens_at=now - timedelta(days=1),
                                                      discover_opens_at=now + timedelta(days=14)),
                           hold_for_review=False, by=admin_id)

    results = await _consultation(db, admin_id, conference_id, "Discover: see what members rated highest.")
    await setup.set_phases(db, results, open_now, hold_for_review=False, by=admin_id)
    await _crowd(db, results, rng, people=45, tips=len(TIPS), ratings_each=9)
    await themes.compute_themes(db, results, by=admin_id)
    ranked, _ = await ranking.ranking(db, results.id)  # type: ignore[arg-type]
    await moderation.respond(db, results, ranked[0].thought_id,
                             "We will put this to the employer at the next joint negotiating committee.", by=admin_id)
    await setup.set_phases(db, results, setup.Phases(share_opens_at=now - timedelta(days=30),
                                                     share_closes_at=now - timedelta(days=20),
                                                     star_opens_at=now - timedelta(days=25),
                                                     star_closes_at=now - timedelta(days=2),
                                                     discover_opens_at=now - timedelta(days=2)),
                           hold_for_review=False, by=admin_id)
    ids["consultation_results"] = results.id  # type: ignore[assignment]


async def seed_ballot_consultation(db: AsyncSession, ctx: object) -> None:
    """Runs after the member ballot's seeder: the ballot's electorate, in Share and Star."""
    ids = ctx.ids  # type: ignore[attr-defined]
    admin_id, now = ids["admin@demo.unionvote.test"], utcnow()
    pay = await setup.create_consultation(
        db, _runner(admin_id), question=PAY_QUESTION, audience="ballot", ballot_id=ids["member_ballot"],
        conference_id=None, anonymity="anonymous",
        description="For the members balloted on the 2027 pay offer. Share what matters most to you, then rate "
                    "other members' priorities.")
    await setup.set_phases(db, pay, setup.Phases(share_opens_at=now - timedelta(days=1),
                                                 star_opens_at=now - timedelta(days=1)),
                           hold_for_review=False, by=admin_id)
    await _crowd(db, pay, random.Random(2028), people=40, tips=len(PAY_THOUGHTS), ratings_each=6,
                 thoughts=PAY_THOUGHTS, employers=BALLOT_EMPLOYERS)
    ids["consultation_pay_claim"] = pay.id  # type: ignore[assignment]
