"""Conference rules: creating and finding conferences.

The register lives beside this module, one concept per file: settings.py, presence.py
(business sessions, check-in), imports.py (CSV), accreditation.py, eligibility.py
(who may vote now) and quorum.py.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.audit.services import actor_of, record, scope_of
from unionvote.conferences.models import Conference
from unionvote.db import locked
from unionvote.errors import RuleViolation
from unionvote.i18n import _

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$")


class ConferenceError(RuleViolation):
    """A conference request the rules refuse."""


async def create_conference(db: AsyncSession, *, slug: str, name: str, by: int | None) -> Conference:
    slug, name = slug.strip().lower(), name.strip()
    if not SLUG_RE.match(slug):
        raise ConferenceError(_("The short name must be 3 to 64 lower-case letters, digits or hyphens, "
                                "e.g. 'adc-2027'."))
    if not name:
        raise ConferenceError(_("Give the conference a name."))
    if len(name) > 200 or any(ch < " " or ch == "\x7f" for ch in name):
        raise ConferenceError(_("Give the conference a name on one line, in at most 200 characters."))
    if (await db.execute(select(Conference.id).where(Conference.slug == slug))).first():
        raise ConferenceError(_("A conference called '%(slug)s' already exists.") % {"slug": slug}, 409)
    conference = Conference(slug=slug, name=name)
    db.add(conference)
    await db.flush()
    await record(db, scope=scope_of("conference", conference.id), actor=actor_of(by), action="conference.created",
                 payload={"conference_id": conference.id, "slug": slug})
    return conference


async def list_conferences(db: AsyncSession) -> list[Conference]:
    return list((await db.execute(select(Conference).order_by(Conference.created_at.desc()))).scalars())


async def conferences_visible_to(db: AsyncSession, user_is_admin: bool, conference_ids: set[int]) -> list[Conference]:
    conferences = await list_conferences(db)
    return conferences if user_is_admin else [c for c in conferences if c.id in conference_ids]


async def lock_conference(db: AsyncSession, conference_id: int) -> Conference:
    """Serialise register-wide changes of one conference (imports, settings)."""
    conference = (await locked(db, select(Conference).where(Conference.id == conference_id))).scalar_one_or_none()
    if conference is None:
        raise ConferenceError(_("No such conference."), 404)
    return conference
