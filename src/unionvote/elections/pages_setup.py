"""Setting up an election: the officers' form."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.conferences.pages_common import text_of, whole_number
from unionvote.elections import services
from unionvote.elections.access import election_officers
from unionvote.elections.count import RULE_DESCRIPTIONS
from unionvote.elections.pages_common import conference_of, elections_page, local_moment
from unionvote.elections.services import ElectionError, ElectionSpec
from unionvote.errors import RuleViolation
from unionvote.i18n import TranslatedWords
from unionvote.web import see_other


class ElectionSetup:
    """Mixed into ElectionPages: Litestar wants one controller per path, so set-up shares the list's path."""

    async def _new_page(self, request: Request[Any, Any, Any], db: AsyncSession, conference_id: int,
                        form: dict[str, Any] | None = None, error: str | None = None, status_code: int = 200
                        ) -> Template:
        conference = await conference_of(db, conference_id)
        return elections_page("elections/new.html", request, conference, status_code=status_code,
                              form=form or {"seats": "1", "rule": "ers97-stv", "nominator_kind": "body",
                                            "statement_limit": "1500"}, error=error,
                              rule_descriptions=TranslatedWords(RULE_DESCRIPTIONS))

    @get("/new", guards=[election_officers])
    async def new_election(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                           ) -> Template:
        return await self._new_page(request, db_session, conference_id)

    @post("/", guards=[election_officers])
    async def create(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int
                     ) -> Template | Redirect:
        form = await request.form()
        fields = {name: text_of(form, name) for name in ("title", "seats", "rule", "nominator_kind",
                                                          "supporters_needed", "statement_limit", "closes_at")}
        try:
            conference = await conference_of(db_session, conference_id)
            numbers = {}
            for name, words in (("seats", "number of seats"), ("statement_limit", "statement limit")):
                numbers[name] = whole_number(fields[name])
                if numbers[name] is None:
                    raise ElectionError(f"Give the {words} as a whole number.")
            election = await services.create_election(db_session, conference_id, ElectionSpec(
                title=fields["title"], seats=numbers["seats"], rule=fields["rule"],
                nominator_kind=fields["nominator_kind"],
                nominations_close_at=local_moment(fields["closes_at"], conference.time_zone, "close of nominations"),
                supporters_needed=whole_number(fields["supporters_needed"]) or 0,
                statement_limit=numbers["statement_limit"]), by=request.scope["user"].id)
        except RuleViolation as exc:
            await db_session.rollback()
            return await self._new_page(request, db_session, conference_id, fields, str(exc), exc.status_code)
        return see_other(f"/conferences/{conference_id}/elections/{election.id}?done=election-created")
