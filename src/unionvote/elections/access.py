"""Who may use which elections page or API route."""

from __future__ import annotations

from unionvote.accounts.models import Role
from unionvote.auth import CurrentUser, requires_conference_role
from unionvote.conferences.access import anyone_in_conference

# Anyone with a role in the conference reads elections and nominates (the rules decide who may nominate).
participants = anyone_in_conference
# Who runs elections: the committee validates nominations, the returning officer counts, staff set them up.
election_officers = requires_conference_role(Role.CAC, Role.RETURNING_OFFICER, Role.STAFF)


def is_officer(user: CurrentUser, conference_id: int) -> bool:
    held = user.roles_in(conference_id)
    return user.is_admin or bool(held & {Role.CAC, Role.RETURNING_OFFICER, Role.STAFF})
