"""What the consultation journey needs: a consultation of an imported list, in Share and Star, with a crowd.

Seeded straight through the consultation services, as `world.py` seeds a conference: a union
administrator, one invitation link for the member whose browser takes the journey, and a crowd
of made-up members who have shared tips and rated each other's. `open_discover` is the staff
step that closes Share and Star and opens Discover, with themes computed.
"""

from __future__ import annotations

import io
import random
import uuid
from dataclasses import dataclass
from datetime import timedelta

from tests.e2e.world import in_own_loop
from unionvote.accounts.services import create_user
from unionvote.auth import CurrentUser
from unionvote.ballots.members import import_members, remove_member
from unionvote.ballots.services import MemberBallotSpec, QuestionSpec, create_member_ballot
from unionvote.config import Settings
from unionvote.consult import participation, setup, share, star, themes
from unionvote.consult.ballot_invitations import issue_ballot_invitations
from unionvote.consult.invitations import import_invitations
from unionvote.db import make_engine, make_session_factory, session_scope, utcnow

QUESTION = "What is your best tip for managing work and childcare?"
# (tip, how members rate it on average)
TIPS = [("Request flexible start and finish times around the school run", 4.6),
        ("Ask for a fixed rota four weeks ahead so you can book childcare", 4.4),
        ("Batch cook on Sundays and freeze meals for busy weeknights", 3.8),
        ("Share one family calendar with your partner and the childminder", 3.7),
        ("Swap pick-ups with other parents on your shift pattern", 3.9),
        ("Push the union to negotiate paid emergency dependants leave", 4.7),
        ("Keep a spare school uniform at work or in the car", 3.1),
        ("Ask the school about breakfast club places early", 4.0),
        ("Check whether your employer offers tax-free childcare", 4.2),
        ("Prepare bags and lunches the night before", 3.3)]
RATING_TARGET = 4


@dataclass
class Consultation:
    id: int
    admin_id: int
    link_token: str  # the member's single-use invitation link: /invited/<token>


def _runner(admin_id: int) -> CurrentUser:
    return CurrentUser(id=admin_id, email="", display_name="", is_admin=True, totp_enabled=True, mfa_verified=True,
                       via="session")


async def _seed(database_url: str) -> Consultation:
    tag = uuid.uuid4().hex[:8]
    rng, now = random.Random(tag), utcnow()
    engine = make_engine(Settings(database_url=database_url))
    try:
        async with session_scope(make_session_factory(engine)) as db:
            admin = await create_user(db, email=f"consult.{tag}@union.example", display_name="Consult Admin",
                                      password=None, is_admin=True)
            runner = _runner(admin.id)  # type: ignore[arg-type]
            c = await setup.create_consultation(db, runner, question=QUESTION, audience="invited",
                                                description="Share a tip, then rate other members' tips.",
                                                conference_id=None, anonymity="anonymous",
                                                rating_target=RATING_TARGET)
            await setup.set_phases(db, c, setup.Phases(share_opens_at=now - timedelta(hours=1),
                                                       star_opens_at=now - timedelta(hours=1)),
                                   hold_for_review=False, by=admin.id)  # type: ignore[arg-type]
            [(_, token)] = await import_invitations(
                db, c, f"reference,region\nmember.{tag}@example.org,North\n".encode(), by=admin.id)  # type: ignore[arg-type]
            crowd = []
            for i in range(24):
                joining = await participation.new_participant(
                    db, c, {"employer": None, "role": None, "region": rng.choice(["North", "South"]), "shift": None},
                    person_ref=f"crowd:{i}")
                crowd.append((joining.participant, rng.gauss(0, 0.4)))
                if i < len(TIPS):
                    await share.share_thought(db, c, joining.participant, TIPS[i][0])
            quality = dict(TIPS)
            for participant, bias in crowd:
                for _ in range(6):
                    thought = await star.next_thought(db, c, participant)
                    if thought is None:
                        break
                    stars = min(5, max(1, round(quality[thought.text] + bias + rng.gauss(0, 0.7))))
                    await star.rate(db, c, participant, thought.id, stars)
            return Consultation(c.id, admin.id, token)  # type: ignore[arg-type]
    finally:
        await engine.dispose()


def consultation_in_star(database_url: str) -> Consultation:
    """Share and Star open now; ten tips from a crowd of 24 members, each of whom has rated six."""
    return in_own_loop(_seed(database_url))


async def _open_discover(database_url: str, seeded: Consultation) -> None:
    engine = make_engine(Settings(database_url=database_url))
    now = utcnow()
    try:
        async with session_scope(make_session_factory(engine)) as db:
            c = await setup.load(db, seeded.id)
            await themes.compute_themes(db, c, by=seeded.admin_id)
            await setup.set_phases(db, c, setup.Phases(
                share_opens_at=now - timedelta(hours=2), share_closes_at=now - timedelta(minutes=1),
                star_opens_at=now - timedelta(hours=2), star_closes_at=now - timedelta(minutes=1),
                discover_opens_at=now - timedelta(minutes=1)), hold_for_review=False, by=seeded.admin_id)
    finally:
        await engine.dispose()


def open_discover(database_url: str, seeded: Consultation) -> None:
    """Staff close Share and Star, compute themes and open Discover."""
    in_own_loop(_open_discover(database_url, seeded))


BALLOT_MEMBERS = ("membership number,name,email,mobile,employer,workplace,region,branch\n"
                  "B1,Member One,b1.{tag}@example.org,,Acme,Acme depot,North,Acme branch\n"
                  "B2,Member Two,b2.{tag}@example.org,,Acme,Acme depot,North,Acme branch\n")


async def _seed_ballot_consultation(database_url: str) -> tuple[int, dict[str, str]]:
    tag, now = uuid.uuid4().hex[:8], utcnow()
    engine = make_engine(Settings(database_url=database_url))
    try:
        async with session_scope(make_session_factory(engine)) as db:
            admin = await create_user(db, email=f"ballot-consult.{tag}@union.example", display_name="Consult Admin",
                                      password=None, is_admin=True)
            ballot = await create_member_ballot(db, MemberBallotSpec(
                slug=f"claim-{tag}", title=f"Pay offer {tag}", description="The employers have made an offer.",
                opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=14),
                questions=[QuestionSpec("Do you accept the employers' pay offer?")]), by=None)
            await import_members(db, ballot.id, io.BytesIO(BALLOT_MEMBERS.format(tag=tag).encode()), by=None)  # type: ignore[arg-type]
            c = await setup.create_consultation(db, _runner(admin.id), question="What should our pay claim "  # type: ignore[arg-type]
                                                "prioritise?", description="", audience="ballot",
                                                ballot_id=ballot.id, conference_id=None, anonymity="anonymous")
            await setup.set_phases(db, c, setup.Phases(share_opens_at=now - timedelta(hours=1)),
                                   hold_for_review=False, by=admin.id)  # type: ignore[arg-type]
            links = {i.reference: i.token for i in await issue_ballot_invitations(db, c, by=admin.id)}  # type: ignore[arg-type]
            await remove_member(db, ballot.id, "B2", "left the union", by=admin.id)  # type: ignore[arg-type]
            return c.id, links  # type: ignore[return-value]
    finally:
        await engine.dispose()


def ballot_consultation_after_a_removal(database_url: str) -> tuple[int, dict[str, str]]:
    """A consultation of a ballot's electorate, links issued to B1 and B2, then B2 removed from the ballot."""
    return in_own_loop(_seed_ballot_consultation(database_url))
