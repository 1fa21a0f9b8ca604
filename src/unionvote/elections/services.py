"""An election's life: set up, nominations closed (declared uncontested, or contested), counted and declared.

Every step is audited in the conference's chain (`conference:<id>`) with internal ids only:
the count's stage record names candidates by nomination id, never by name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.audit.services import actor_of, record, scope_of
from unionvote.conferences.models import Conference
from unionvote.db import locked, utcnow
from unionvote.elections.blt import export_blt, parse_blt
from unionvote.elections.count import RULE_NAMES, RULES, run_count
from unionvote.elections.count.types import CountInput, RankedBallot
from unionvote.elections.models import Election, ElectionState, Nomination, NominationState, NominatorKind, Paper
from unionvote.errors import RuleViolation
from unionvote.i18n import _

MAX_SEATS = 50
MAX_STATEMENT_LIMIT = 10_000


class ElectionError(RuleViolation):
    """An election request the rules refuse."""


@dataclass(frozen=True)
class ElectionSpec:
    title: str
    seats: int
    rule: str
    nominator_kind: str
    nominations_close_at: datetime
    supporters_needed: int = 0
    statement_limit: int = 1500


def check_spec(spec: ElectionSpec) -> None:
    if not spec.title.strip() or len(spec.title) > 200:
        raise ElectionError(_("Give the election a title of 1 to 200 characters."))
    if not 1 <= spec.seats <= MAX_SEATS:
        raise ElectionError(f"The number of seats must be between 1 and {MAX_SEATS}.")
    if spec.rule not in RULES:
        raise ElectionError("Choose how the votes are counted: " + "; ".join(
            f"{name} ({code})" for code, name in RULE_NAMES.items()) + ".")
    if spec.rule == "irv" and spec.seats != 1:
        raise ElectionError(_("IRV (the alternative vote) fills one seat; choose an STV rule for more seats."))
    if spec.nominator_kind not in tuple(NominatorKind):
        raise ElectionError(_("Say who nominates: a body, or a number of delegates."))
    if spec.nominator_kind == NominatorKind.DELEGATES and not 1 <= spec.supporters_needed <= 100:
        raise ElectionError(_("When delegates nominate, say how many must support a nomination (1 to 100)."))
    if not 100 <= spec.statement_limit <= MAX_STATEMENT_LIMIT:
        raise ElectionError(f"The statement limit must be between 100 and {MAX_STATEMENT_LIMIT} characters.")
    if spec.nominations_close_at.tzinfo is None:
        raise ElectionError(_("The close of nominations needs a time zone."))


def audit_election(db: AsyncSession, election: Election, by: int | None, action: str, **payload: Any) -> Any:
    return record(db, scope=scope_of("conference", election.conference_id), actor=actor_of(by),
                  action=f"election.{action}", payload={"election": election.id, **payload})


async def create_election(db: AsyncSession, conference_id: int, spec: ElectionSpec, *, by: int | None) -> Election:
    check_spec(spec)
    if await db.get(Conference, conference_id) is None:
        raise ElectionError(_("There is no such conference."), 404)
    election = Election(
        conference_id=conference_id, title=spec.title.strip(), seats=spec.seats, rule=spec.rule,
        nominator_kind=spec.nominator_kind,
        supporters_needed=spec.supporters_needed if spec.nominator_kind == NominatorKind.DELEGATES else 0,
        statement_limit=spec.statement_limit, nominations_close_at=spec.nominations_close_at, created_by=by,
    )
    db.add(election)
    await db.flush()
    await audit_election(db, election, by, "created", seats=election.seats, rule=election.rule,
                 nominator_kind=election.nominator_kind, supporters_needed=election.supporters_needed,
                 nominations_close_at=election.nominations_close_at.isoformat())
    return election


async def get_election(db: AsyncSession, conference_id: int, election_id: int) -> Election:
    election = await db.get(Election, election_id)
    if election is None or election.conference_id != conference_id:
        raise ElectionError(_("There is no such election in this conference."), 404)
    return election


async def locked_election(db: AsyncSession, conference_id: int, election_id: int) -> Election:
    election = (await locked(db, select(Election).where(Election.id == election_id))).scalar_one_or_none()
    if election is None or election.conference_id != conference_id:
        raise ElectionError(_("There is no such election in this conference."), 404)
    return election


async def elections_of(db: AsyncSession, conference_id: int) -> list[Election]:
    return list((await db.execute(select(Election).where(Election.conference_id == conference_id)
                                  .order_by(Election.id))).scalars())


async def nominations_of(db: AsyncSession, election_id: int) -> list[Nomination]:
    return list((await db.execute(select(Nomination).where(Nomination.election_id == election_id)
                                  .order_by(Nomination.id))).scalars())


async def valid_candidates(db: AsyncSession, election_id: int) -> list[Nomination]:
    return [n for n in await nominations_of(db, election_id) if n.state == NominationState.VALID]


async def close_nominations(db: AsyncSession, conference_id: int, election_id: int, *, by: int | None) -> Election:
    """After the close of nominations: no candidates fewer than seats → declared uncontested; else contested."""
    election = await locked_election(db, conference_id, election_id)
    if election.state != ElectionState.NOMINATIONS:
        raise ElectionError(_("Nominations for this election have already been closed."), 409)
    if utcnow() < election.nominations_close_at:
        raise ElectionError(_("Nominations are still open: they can be closed after the closing time."), 409)
    nominations = await nominations_of(db, election.id)
    undecided = [n for n in nominations if n.state == NominationState.SUBMITTED]
    if undecided:
        raise ElectionError(_("%(count)s nomination(s) still need the committee's decision: "
                              "mark each valid or invalid first.") % {"count": len(undecided)}, 409)
    valid = [n for n in nominations if n.state == NominationState.VALID]
    if not valid:
        raise ElectionError(_("There are no valid nominations, so nobody can be declared. "
                              "Extend the close of nominations or withdraw the election."), 409)
    if len(valid) <= election.seats:
        document = {"uncontested": True, "elected": [str(n.id) for n in valid], "seats": election.seats}
        election.state = ElectionState.DECLARED
        election.uncontested = True
        election.declared_at = utcnow()
        election.result = json.dumps({"record": document, "names": {str(n.id): n.candidate_name for n in valid}})
        await audit_election(db, election, by, "declared_uncontested", elected=[n.id for n in valid])
    else:
        election.state = ElectionState.CONTESTED
        await audit_election(db, election, by, "contested", candidates=[n.id for n in valid])
    return election


async def import_papers_and_declare(db: AsyncSession, conference_id: int, election_id: int, blt_text: str, *,
                                    by: int | None) -> Election:
    """Count papers given as a BLT file (a count done elsewhere, or postal papers added by hand) and declare.

    The file's candidates must be exactly this election's valid candidates, by name."""
    election = await locked_election(db, conference_id, election_id)
    if election.state != ElectionState.CONTESTED:
        raise ElectionError(_("Papers can be counted only for a contested election whose nominations are closed."), 409)
    parsed = parse_blt(blt_text)
    candidates = await valid_candidates(db, election.id)
    by_name = {n.candidate_name: n for n in candidates}
    unknown = [name for name in parsed.candidates if name not in by_name]
    missing = sorted(set(by_name) - set(parsed.candidates))
    if unknown or missing:
        parts = []
        if unknown:
            parts.append("not valid candidates here: " + ", ".join(unknown))
        if missing:
            parts.append("missing from the file: " + ", ".join(missing))
        raise ElectionError("The file's candidates do not match this election's: " + "; ".join(parts) + ".")
    if parsed.seats != election.seats:
        raise ElectionError(_("The file is for %(file)s seat(s); this election fills %(seats)s.")
                            % {"file": parsed.seats, "seats": election.seats})
    ids = [by_name[name].id for name in parsed.candidates]
    papers: dict[str, int] = {}
    for ballot in parsed.ballots:
        if parsed.withdrawn & set(ballot.ranking):
            ranking = tuple(c for c in ballot.ranking if c not in parsed.withdrawn)
        else:
            ranking = ballot.ranking
        if ranking:
            key = " ".join(str(ids[c]) for c in ranking)
            papers[key] = papers.get(key, 0) + ballot.count
    if not papers:
        raise ElectionError(_("The file holds no papers with a preference for a candidate."))
    await db.execute(delete(Paper).where(Paper.election_id == election.id))
    await db.execute(insert(Paper), [{"election_id": election.id, "ranking": k, "papers": v}
                                     for k, v in sorted(papers.items())])
    await audit_election(db, election, by, "papers_imported", papers=sum(papers.values()), rankings=len(papers))
    return await _declare(db, election, candidates, papers, by=by)


async def declare_papers(db: AsyncSession, election: Election, papers: dict[str, int], *, by: int | None
                         ) -> Election:
    """Count grouped papers (ranking of nomination ids -> number of papers) and declare; papers are kept."""
    await db.execute(delete(Paper).where(Paper.election_id == election.id))
    await db.execute(insert(Paper), [{"election_id": election.id, "ranking": k, "papers": v}
                                     for k, v in sorted(papers.items())])
    return await _declare(db, election, await valid_candidates(db, election.id), papers, by=by)


def count_input_of(election_id: int, seats: int, candidate_ids: list[int],
                   papers: dict[str, int]) -> CountInput:
    keys = tuple(str(c) for c in candidate_ids)
    index = {key: i for i, key in enumerate(keys)}
    ballots = tuple(RankedBallot(tuple(index[k] for k in ranking.split()), count)
                    for ranking, count in sorted(papers.items()))
    return CountInput(keys, seats, ballots, seed=f"election:{election_id}")


async def _declare(db: AsyncSession, election: Election, candidates: list[Nomination], papers: dict[str, int], *,
                   by: int | None) -> Election:
    count_input = count_input_of(election.id, election.seats, [n.id for n in candidates], papers)
    result = run_count(election.rule, count_input)
    document = result.to_record()
    election.state = ElectionState.DECLARED
    election.declared_at = utcnow()
    election.result = json.dumps({"record": document, "names": {str(n.id): n.candidate_name for n in candidates}})
    await audit_election(db, election, by, "declared", rule=election.rule, seats=election.seats,
                 candidates=[n.id for n in candidates],
                 papers=[[count, [int(k) for k in ranking.split()]] for ranking, count in sorted(papers.items())],
                 record=document)
    return election


async def papers_of(db: AsyncSession, election_id: int) -> dict[str, int]:
    rows = (await db.execute(select(Paper).where(Paper.election_id == election_id))).scalars()
    return {row.ranking: row.papers for row in rows}


async def ballots_as_blt(db: AsyncSession, conference_id: int, election_id: int) -> str:
    """The counted papers as a BLT file, for a scrutineer's own software."""
    election = await get_election(db, conference_id, election_id)
    papers = await papers_of(db, election.id)
    if not papers:
        raise ElectionError(_("There are no counted papers for this election yet."), 404)
    candidates = await valid_candidates(db, election.id)
    count_input = count_input_of(election.id, election.seats, [n.id for n in candidates], papers)
    names = tuple(n.candidate_name for n in candidates)
    return export_blt(CountInput(names, count_input.seats, count_input.ballots, title=election.title))


def result_of(election: Election) -> dict[str, Any] | None:
    return json.loads(election.result) if election.result else None
