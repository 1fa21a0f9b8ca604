"""Printing voting letters for members with neither email nor mobile (administrators, as for credentials).

The page around the letters is in the reader's language; each letter in the member's (the ballot's).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.auth import requires_admin
from unionvote.ballots import services
from unionvote.ballots.languages import ballot_wording
from unionvote.ballots.letters import print_letters, spoken
from unionvote.ballots.models import INDICATIVE_NOTICE
from unionvote.ballots.pages_common import ballot_page
from unionvote.i18n import message_languages, render_in


class MemberLetterPages(Controller):
    path = "/member-ballots/{ballot_id:int}"
    guards = [requires_admin]
    include_in_schema = False

    @post("/letters")
    async def letters(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int) -> Template:
        base = request.app.state.settings.public_url
        letters = await print_letters(db_session, ballot_id, base, by=request.scope["user"].id)
        ballot = await services.get_ballot(db_session, ballot_id)
        # Each letter in the ballot's language (members have no account), both of a bilingual ballot's.
        languages = message_languages(None, ballot.language, ballot.bilingual_language)
        compiled = request.app.template_engine.get_template("ballots/_letter.html")  # type: ignore[union-attr]
        parts = [[render_in(language, compiled, l=letter, n=n, first=language == languages[0],
                            title=ballot_wording(ballot, "title", language, beside=False).text,
                            description=ballot_wording(ballot, "description", language, beside=False).text,
                            closes_at=ballot.closes_at, code_page=f"{base}/ballots/{ballot.slug}/code",
                            spoken=spoken, indicative=INDICATIVE_NOTICE) for language in languages]
                 for n, letter in enumerate(letters, start=1)]
        return ballot_page("ballots/letters.html", request, ballot, letters=letters, parts=parts,
                           letter_languages=languages)
