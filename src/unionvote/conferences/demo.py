"""Demo register: twelve bodies, about three hundred delegates, most accredited, many in the hall.

The demo delegate account (delegate@demo.unionvote.test) is an accredited delegate of the
first branch who has not checked in yet, so checking in is the first thing to try.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.conferences import accreditation, presence
from unionvote.conferences.imports import import_bodies, import_delegates
from unionvote.conferences.register import Delegate
from unionvote.conferences.settings import SettingsChange, update_settings
from unionvote.db import utcnow

if TYPE_CHECKING:
    from unionvote.demo import DemoContext

DEMO_DELEGATE_EMAIL = "delegate@demo.unionvote.test"
BODIES = [("LONC", "London Central", "branch"), ("LONE", "London East", "branch"), ("MANC", "Manchester", "branch"),
          ("LEED", "Leeds", "branch"), ("BRIS", "Bristol", "branch"), ("CARD", "Cardiff", "branch"),
          ("GLAS", "Glasgow", "branch"), ("BELF", "Belfast", "branch"), ("NEWC", "Newcastle", "branch"),
          ("BIRM", "Birmingham", "branch"), ("HLTH", "Health sector", "sector"), ("RETD", "Retired members", "region")]
FIRST = ["Amira", "Ben", "Carys", "Dev", "Ella", "Femi", "Grace", "Hamza", "Iona", "Jack", "Kiran", "Lena", "Mo",
         "Niamh", "Owen", "Priya", "Rhys", "Sana", "Tom", "Una", "Wes", "Yusuf", "Zoe"]
LAST = ["Ahmed", "Byrne", "Campbell", "Davies", "Evans", "Fraser", "Griffiths", "Hughes", "Iqbal", "Jones", "Khan",
        "Lewis", "Murphy", "Nowak", "O'Neill", "Patel", "Roberts", "Singh", "Taylor", "Walker", "Wright"]


def _csv(header: str, rows: list[str]) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def demo_register(rng: random.Random) -> tuple[bytes, bytes]:
    bodies = [f'{code},"{name}",{kind},{rng.randrange(300, 6000)}' for code, name, kind in BODIES]
    people = [f"100000,Dana Delegate,{DEMO_DELEGATE_EMAIL},,LONC,delegate,"]
    number = 100001
    for index, (code, _, _) in enumerate(BODIES):
        for seat in range(24):
            role = "substitute" if seat >= 22 else "delegate"
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            email = f"member{number}@demo.unionvote.test"
            people.append(f'{number},"{name}",{email},,{code},{role},{"yes" if seat == 0 else ""}')
            number += 1
        people.append(f"{number},Guest {index + 1},guest{number}@demo.unionvote.test,,,"
                      f"{'observer' if index % 2 else 'visitor'},")
        number += 1
    return (_csv("code,name,kind,membership", bodies),
            _csv("membership number,name,email,mobile,body code,role,lead", people))


async def seed_register(db: AsyncSession, ctx: DemoContext) -> None:
    conference_id, rng, now = ctx.ids["conference"], random.Random(2027), utcnow()
    await update_settings(db, conference_id, SettingsChange(starts_on=now.date(), ends_on=now.date() + timedelta(2),
                                                            quorum_kind="bodies_share", quorum_value="1/2"), by=None)
    bodies, delegates = demo_register(rng)
    await import_bodies(db, conference_id, bodies, by=None)
    await import_delegates(db, conference_id, delegates, by=None)
    session = await presence.add_business_session(db, conference_id, name="Opening session",
                                                  starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=8),
                                                  by=None)
    ctx.ids["business_session"] = session.id  # type: ignore[assignment]
    register = (await db.execute(select(Delegate.id, Delegate.email).where(Delegate.conference_id == conference_id)
                                 .order_by(Delegate.id))).all()
    for delegate_id, email in register:
        if email == DEMO_DELEGATE_EMAIL:
            await accreditation.link_account(db, delegate_id, ctx.ids[DEMO_DELEGATE_EMAIL], by=None)
            await accreditation.accredit(db, delegate_id, note="Demo: union card seen", by=None)
        elif rng.random() < 0.85:
            await accreditation.accredit(db, delegate_id, note="Demo: union card seen", by=None)
            if rng.random() < 0.7:
                await presence.check_in(db, delegate_id, session.id, by=None)  # type: ignore[arg-type]
