"""What the member ballot journey needs: an open indicative ballot of a few members, each with a voting link.

Seeded straight through the ballots services, as `world.py` seeds a conference.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import timedelta

from tests.conftest import TEST_SECRET
from tests.e2e.world import in_own_loop
from unionvote.ballots.credentials import issue_credentials
from unionvote.ballots.members import import_members
from unionvote.ballots.services import MemberBallotSpec, QuestionSpec, create_member_ballot, open_ballot
from unionvote.config import Settings
from unionvote.db import make_engine, make_session_factory, session_scope, utcnow
from unionvote.sealing.server_key import configure as configure_sealing

QUESTION = "Do you accept the employers' pay offer?"
MEMBERS = ("membership number,name,email,mobile,employer,workplace,region,branch\n"
           "M1,Member One,m1.{tag}@example.org,,Acme,Acme depot,North,Acme branch\n"
           "M2,Member Two,m2.{tag}@example.org,,Acme,Acme depot,North,Acme branch\n")


@dataclass
class MemberBallot:
    slug: str
    title: str
    links: dict[str, str]  # membership number -> the token in the member's voting link


async def _seed(database_url: str) -> MemberBallot:
    configure_sealing(TEST_SECRET)  # sealed as the live server (same secret key) will unseal it at close
    tag = uuid.uuid4().hex[:8]
    seeded = MemberBallot(f"pay-{tag}", f"Pay offer {tag}", {})
    engine = make_engine(Settings(database_url=database_url))
    now = utcnow()
    try:
        async with session_scope(make_session_factory(engine)) as db:
            ballot = await create_member_ballot(db, MemberBallotSpec(
                slug=seeded.slug, title=seeded.title, description="The employers have made a final offer.",
                opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(days=14),
                questions=[QuestionSpec(QUESTION)], yes_percent=None, min_segment=10), by=None)
            await import_members(db, ballot.id, io.BytesIO(MEMBERS.format(tag=tag).encode()), by=None)  # type: ignore[arg-type]
            for credential in await issue_credentials(db, ballot.id, by=None):  # type: ignore[arg-type]
                seeded.links[credential.membership_number] = credential.link_token
            await open_ballot(db, ballot.id, by=None)  # type: ignore[arg-type]
    finally:
        await engine.dispose()
    return seeded


def member_ballot(database_url: str) -> MemberBallot:
    """A ballot open now; every member has a voting link."""
    return in_own_loop(_seed(database_url))
