"""Who may use which conference page or API route: one line per kind of access."""

from __future__ import annotations

from unionvote.accounts.models import Role
from unionvote.auth import requires_conference_role

# Union staff of the conference (and administrators): set-up, register, the accreditation desk.
conference_staff = requires_conference_role(Role.STAFF)
# Anyone with a role in the conference: their own status and check-in.
anyone_in_conference = requires_conference_role(*Role)
# The officers who watch the floor: the quorum panel.
quorum_readers = requires_conference_role(Role.CHAIR, Role.CAC, Role.STAFF, Role.RETURNING_OFFICER)
# Who may see the list of eligible voters with their weights.
electorate_readers = requires_conference_role(Role.STAFF, Role.RETURNING_OFFICER)
