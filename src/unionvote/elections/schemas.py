"""What the elections API takes in and gives back."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec

Name = Annotated[str, msgspec.Meta(max_length=200)]
LongText = Annotated[str, msgspec.Meta(max_length=20_000)]


class NewElection(msgspec.Struct, forbid_unknown_fields=True):
    title: Name
    seats: Annotated[int, msgspec.Meta(ge=1, le=50)]
    rule: Annotated[str, msgspec.Meta(description="ers97-stv | scottish-stv | meek-stv | irv")]
    nominator_kind: Annotated[str, msgspec.Meta(description="body | delegates")]
    nominations_close_at: Annotated[datetime, msgspec.Meta(description="With a time zone")]
    supporters_needed: Annotated[int, msgspec.Meta(ge=0, le=100)] = 0
    statement_limit: Annotated[int, msgspec.Meta(ge=100, le=10_000)] = 1500


class NewNomination(msgspec.Struct, forbid_unknown_fields=True):
    candidate_name: Name
    statement: LongText = ""
    body_id: int | None = None
    on_behalf: bool = False


class Decision(msgspec.Struct, forbid_unknown_fields=True):
    valid: bool
    note: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class PapersToCount(msgspec.Struct, forbid_unknown_fields=True):
    blt: Annotated[str, msgspec.Meta(max_length=20_000_000, description="The ballots as a BLT file")]


class NominationOut(msgspec.Struct):
    id: int
    candidate_name: str
    statement: str
    body_id: int | None
    state: str
    committee_note: str | None
    supporters: int


class ElectionOut(msgspec.Struct):
    id: int
    title: str
    seats: int
    rule: str
    nominator_kind: str
    supporters_needed: int
    statement_limit: int
    nominations_close_at: datetime
    state: str
    uncontested: bool
    declared_at: datetime | None
    nominations: list[NominationOut] = []
    result: dict[str, Any] | None = None


def election_out(election: Any, nominations: list[Any] | None = None, support: dict[int, int] | None = None,
                 result: dict[str, Any] | None = None) -> ElectionOut:
    support = support or {}
    return ElectionOut(
        id=election.id, title=election.title, seats=election.seats, rule=election.rule,
        nominator_kind=election.nominator_kind, supporters_needed=election.supporters_needed,
        statement_limit=election.statement_limit, nominations_close_at=election.nominations_close_at,
        state=election.state, uncontested=election.uncontested, declared_at=election.declared_at,
        nominations=[NominationOut(id=n.id, candidate_name=n.candidate_name, statement=n.statement,
                                   body_id=n.body_id, state=n.state, committee_note=n.committee_note,
                                   supporters=support.get(n.id, 0)) for n in nominations or []],
        result=result,
    )
