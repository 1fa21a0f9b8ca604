"""Who may use which motions page or API route."""

from __future__ import annotations

from unionvote.accounts.models import Role
from unionvote.auth import CurrentUser, requires_conference_role
from unionvote.conferences.access import anyone_in_conference

# Anyone with a role in the conference reads motions and the agenda; the rules decide who may act for a body.
participants = anyone_in_conference
# The conference arrangements committee: rulings, composites, the agenda.
committee = requires_conference_role(Role.CAC)
# The chair runs the floor.
chair = requires_conference_role(Role.CHAIR)


def motions_can(user: CurrentUser, conference_id: int) -> dict[str, bool]:
    held = user.roles_in(conference_id)
    return {"committee": user.is_admin or Role.CAC in held, "chair": user.is_admin or Role.CHAIR in held}
