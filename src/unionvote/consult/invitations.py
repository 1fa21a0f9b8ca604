"""Single-use invitation links for the people on an imported list: all rows or none."""

from __future__ import annotations

import secrets

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.audit.services import actor_of, record
from unionvote.conferences.csvtable import Column, RegisterFileRejected, RowCheck, RowProblem, read_table
from unionvote.consult.audience import audience_of
from unionvote.consult.models import ATTRIBUTES, Claim, Consultation, Invitation
from unionvote.consult.setup import ConsultError, audit_scope
from unionvote.i18n import _
from unionvote.security import token_digest

INVITATION_COLUMNS = [
    Column("reference", ("email", "email address", "membership number", "member")),
    *(Column(name, required=False) for name in ATTRIBUTES),
]
MAX_INVITATIONS = 100_000


def parse_list(data: bytes) -> list[dict[str, str]]:
    table = read_table(data, INVITATION_COLUMNS)
    rows, problems, first_line = [], list(table.problems), {}
    for line, values in table.records:
        check = RowCheck(values)
        reference = check.text("reference", max_length=320)
        if reference and reference.lower() in first_line:
            check.reasons.append(f"reference '{reference}' is on line {first_line[reference.lower()]} too")
        first_line.setdefault(reference.lower(), line)
        attributes = {name: check.text(name, max_length=100, required=False) for name in ATTRIBUTES}
        if check.reasons:
            problems.append(RowProblem(line, tuple(check.reasons)))
        else:
            rows.append({"reference": reference, **attributes})
    if len(rows) > MAX_INVITATIONS:
        problems.append(RowProblem(1, (f"the file has more than {MAX_INVITATIONS:,} people",)))
    if problems:
        raise RegisterFileRejected(problems)
    return rows


async def import_invitations(db: AsyncSession, consultation: Consultation, data: bytes, *, by: int
                             ) -> list[tuple[str, str]]:
    """Make one link per row. Returns (reference, token) pairs: the tokens exist nowhere else afterwards."""
    audience = audience_of(consultation)
    if not audience.uses_invitations:
        raise ConsultError(_("This consultation is for a conference's delegates; it has no invitation list."), 409)
    if audience.needs_ballot:
        raise ConsultError("This consultation is for a ballot's electorate: issue its invitations from the ballot "
                           "instead of uploading a list.", 409)
    rows = parse_list(data)
    existing = {r.lower() for r in (await db.execute(
        select(Invitation.reference).where(Invitation.consultation_id == consultation.id))).scalars()}
    repeated = [RowProblem(line + 2, (f"reference '{row['reference']}' has an invitation already",))
                for line, row in enumerate(rows) if row["reference"].lower() in existing]
    if repeated:
        raise RegisterFileRejected(repeated)
    issued = [(row, "uvi_" + secrets.token_urlsafe(24)) for row in rows]
    await db.execute(insert(Invitation), [
        {"consultation_id": consultation.id, "token_hash": token_digest(token),
         **{k: (v or None) for k, v in row.items()}} for row, token in issued])
    await record(db, scope=audit_scope(consultation.id), actor=actor_of(by), action="invitations.imported",  # type: ignore[arg-type]
                 payload={"consultation": consultation.id, "count": len(issued)})
    return [(row["reference"], token) for row, token in issued]


async def invitation_counts(db: AsyncSession, consultation_id: int) -> tuple[int, int]:
    """(invitations issued, invitations used)."""
    issued = (await db.execute(select(func.count()).where(Invitation.consultation_id == consultation_id))
              ).scalar_one()
    used = (await db.execute(select(func.count()).select_from(Claim).where(Claim.consultation_id == consultation_id))
            ).scalar_one()
    return issued, used
