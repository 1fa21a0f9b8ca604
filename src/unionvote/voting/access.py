"""Who may use which voting page or API route: one line per kind of access.

Routes under /conferences/{conference_id} use the conference guards. Routes named by a
ballot alone (/api/v1/ballots/{ballot_id}) look up the ballot's conference first.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from sqlalchemy import select

from unionvote.accounts.models import Role
from unionvote.auth import enrolled_user, requires_conference_role
from unionvote.voting.models import Ballot

# The chair runs the floor; union staff and administrators may stand in.
ballot_runners = requires_conference_role(Role.CHAIR, Role.STAFF)
# Tellers enter the hall's counts; so may the chair and staff.
hall_counters = requires_conference_role(Role.TELLER, Role.CHAIR, Role.STAFF)
# The full record of every ballot: the returning officer, and the chair and staff read it too.
record_readers = requires_conference_role(Role.RETURNING_OFFICER, Role.CHAIR, Role.STAFF)
# Certifying a declared result is the returning officer's alone (administrators aside).
certifiers = requires_conference_role(Role.RETURNING_OFFICER)
RUNNERS = frozenset({Role.CHAIR, Role.STAFF})
TELLERS = frozenset({Role.TELLER, Role.CHAIR, Role.STAFF})
CONFERENCE_KEY = "ballot_conferences"  # app.state: ballot id -> conference id (never changes once made)


async def conference_of_ballot(connection: ASGIConnection[Any, Any, Any, Any], ballot_id: int) -> int:
    known: dict[int, int] = connection.app.state.setdefault(CONFERENCE_KEY, {})
    if ballot_id not in known:
        async with connection.app.state.session_factory() as db:
            conference_id = (await db.execute(select(Ballot.conference_id).where(Ballot.id == ballot_id))
                             ).scalar_one_or_none()
        if conference_id is None:
            raise NotFoundException("No such ballot.")
        known[ballot_id] = conference_id
    return known[ballot_id]


def requires_ballot_role(*roles: Role) -> Any:
    """Admins, or holders of one of `roles` in the conference the path's ballot belongs to."""
    allowed = frozenset(roles)

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        user = enrolled_user(connection)  # voting-code sessions pass: their roles are their conference's
        raw = connection.path_params.get("ballot_id")
        conference_id = await conference_of_ballot(connection, int(raw))
        if not user.is_admin and not (user.roles_in(conference_id) & allowed):
            raise PermissionDeniedException("Your role in this ballot's conference does not allow this.")

    guard.__name__ = "requires_ballot_role_" + "_".join(sorted(allowed))
    return guard


anyone_in_ballot = requires_ballot_role(*Role)
ballot_runner = requires_ballot_role(Role.CHAIR, Role.STAFF)
ballot_teller = requires_ballot_role(Role.TELLER, Role.CHAIR, Role.STAFF)
ballot_certifier = requires_ballot_role(Role.RETURNING_OFFICER)
