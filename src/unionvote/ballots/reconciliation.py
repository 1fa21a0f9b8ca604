"""The reconciliation statement of a member ballot: every member and credential accounted for, overall and by
employer, with each threshold's verdict per employer.

Register = entitled + removed; entitled = credentials issued + never issued; issued = used + unused;
votes cast = used credentials (a vote is the only use); papers per question = votes cast; spoilt = 0 (an
online paper cannot be spoilt). Reissues, and attempts to vote again with a credential already used, are
counted from the ballot's audit chain (they are not votes, so nothing else adds them up). Each line says
whether it adds up, so a scrutineer sees at once where it does not.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.audit.models import AuditEntry
from unionvote.ballots.complaints import SECOND_ATTEMPT
from unionvote.ballots.models import Member, MemberBallot, MemberContent, MemberSealedVote
from unionvote.ballots.services import questions_of, scope_for
from unionvote.ballots.thresholds import analyse, percent_text
from unionvote.i18n import N_, _, format_number

EVERYONE = N_("Everyone")
NOT_GIVEN = N_("(not given)")


@dataclass
class Reconciliation:
    name: str
    register: int = 0
    removed: int = 0
    issued: int = 0
    reissued: int = 0
    used: int = 0
    voted: int = 0
    attempts: int = 0  # a credential used again after its member voted (complaints.record_second_attempt)
    papers: dict[int, int] = field(default_factory=dict)  # question id -> content rows
    turnout_verdict: str = ""

    @property
    def entitled(self) -> int:
        return self.register - self.removed

    @property
    def not_issued(self) -> int:
        return self.entitled - self.issued

    @property
    def unused(self) -> int:
        return self.issued - self.used

    @property
    def problems(self) -> list[str]:
        """What does not add up, in the reader's language."""
        found = []
        used, voted, issued = format_number(self.used), format_number(self.voted), format_number(self.issued)
        if self.used != self.voted:
            found.append(_("%(used)s credentials used but %(voted)s members voted") % {"used": used, "voted": voted})
        if self.voted > self.issued:
            found.append(_("%(voted)s members voted but only %(issued)s credentials were issued")
                         % {"voted": voted, "issued": issued})
        for question, papers in sorted(self.papers.items()):
            if papers != self.voted:
                found.append(_("question %(question)s: %(papers)s papers for %(voted)s members who voted")
                             % {"question": question, "papers": format_number(papers), "voted": voted})
        return found

    @property
    def reconciled(self) -> bool:
        return not self.problems


async def reconcile(db: AsyncSession, ballot: MemberBallot) -> tuple[Reconciliation, list[Reconciliation]]:
    """(everyone, each employer in name order)."""
    rows = (await db.execute(select(
        Member.employer, func.count(), func.count(Member.removed_at),
        func.count(Member.credential_issued_at).filter(Member.removed_at.is_(None)),
        func.count(Member.credential_used_at).filter(Member.removed_at.is_(None)),
        func.count(Member.voted_at).filter(Member.removed_at.is_(None)),
    ).where(Member.ballot_id == ballot.id).group_by(Member.employer))).all()
    employers = {name: Reconciliation(name, register, removed, issued, 0, used, voted)
                 for name, register, removed, issued, used, voted in rows}
    everyone = Reconciliation(EVERYONE)
    for part in employers.values():
        for attr in ("register", "removed", "issued", "used", "voted"):
            setattr(everyone, attr, getattr(everyone, attr) + getattr(part, attr))
    await _from_chain(db, ballot, employers, everyone)
    for question in await questions_of(db, ballot.id):  # type: ignore[arg-type]
        counted = [row for table in (MemberSealedVote, MemberContent) for row in (await db.execute(  # sealed, or
            select(table.employer, func.count()).where(  # cast in the clear before sealing
                table.question_id == question.id).group_by(table.employer))).all()]
        everyone.papers[question.id] = 0  # type: ignore[index]
        for part in employers.values():
            part.papers[question.id] = 0  # type: ignore[index]
        for name, papers in counted:
            everyone.papers[question.id] += papers  # type: ignore[index]
            employers.setdefault(name, Reconciliation(name)).papers[question.id] = papers  # type: ignore[index]
    for part in [everyone, *employers.values()]:
        part.turnout_verdict = analyse(part.name, part.entitled, part.voted,
                                       turnout_percent=ballot.turnout_percent).turnout.words()
    return everyone, [employers[name] for name in sorted(employers)]


async def _from_chain(db: AsyncSession, ballot: MemberBallot, employers: dict[str, Reconciliation],
                      everyone: Reconciliation) -> None:
    """Reissued credentials and attempts to vote again, each counted for the member's employer."""
    rows = (await db.execute(select(AuditEntry.action, AuditEntry.payload).where(
        AuditEntry.scope == scope_for(ballot.id),  # type: ignore[arg-type]
        AuditEntry.action.in_(("credential.reissued", SECOND_ATTEMPT))))).all()
    counted = [("reissued" if action == "credential.reissued" else "attempts", json.loads(payload).get("member_id"))
               for action, payload in rows]
    if not counted:
        return
    employer_of = dict((await db.execute(select(Member.id, Member.employer).where(
        Member.ballot_id == ballot.id, Member.id.in_({member for _, member in counted})))).all())  # type: ignore[union-attr]
    for figure, member_id in counted:
        setattr(everyone, figure, getattr(everyone, figure) + 1)
        if member_id in employer_of:
            part = employers[employer_of[member_id]]
            setattr(part, figure, getattr(part, figure) + 1)


# The CSV's columns, in English there; the printed statement shows them translated.
HEADER = (N_("employer"), N_("on the register"), N_("removed"), N_("entitled"), N_("credentials issued"),
          N_("reissued"), N_("never issued"), N_("used"), N_("unused"), N_("votes cast"), N_("spoilt"),
          N_("attempts to vote again"), N_("turnout"), N_("turnout verdict"), N_("reconciled"))


def statement_rows(everyone: Reconciliation, employers: list[Reconciliation]) -> list[list[object]]:
    """One row per employer and one for everyone, for the printable statement and its CSV."""
    return [[part.name or NOT_GIVEN, part.register, part.removed, part.entitled, part.issued, part.reissued,
             part.not_issued, part.used, part.unused, part.voted, 0, part.attempts,
             percent_text(part.voted, part.entitled),
             part.turnout_verdict, "yes" if part.reconciled else "NO: " + "; ".join(part.problems)]
            for part in [*employers, everyone]]
