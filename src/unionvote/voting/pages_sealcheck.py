"""The voting page's "Check the sealing first" (JavaScript only): seal a choice to check it, or reveal one.

Casting a checked sealed vote goes through the ballot form itself (voting.pages_delegate), with the
sealed vote and its handle beside the choice. voting.audit_challenge holds the rules.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.conferences.access import anyone_in_conference
from unionvote.errors import RuleViolation
from unionvote.voting.audit_challenge import prepare_sealing, reveal_sealing

MAX_CHOICES_SENT = 100


def _choice(data: Any) -> list[str]:
    choice = data.get("choice") if isinstance(data, dict) else None
    if not isinstance(choice, list) or len(choice) > MAX_CHOICES_SENT or not all(isinstance(c, str) for c in choice):
        raise RuleViolation('Send {"choice": [option keys]}.')
    return choice


class SealCheckPages(Controller):
    path = "/conferences/{conference_id:int}/vote/{ballot_id:int}/seal"
    guards = [anyone_in_conference]
    include_in_schema = False

    @post("/", status_code=200)
    async def seal(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                   ballot_id: int, data: dict[str, Any]) -> dict[str, Any]:
        """The voter's choice sealed for them to check or cast; nothing is stored."""
        return await prepare_sealing(db_session, ballot_id, user_id=request.scope["user"].id, choice=_choice(data),
                                     secret_key=request.app.state.settings.secret_key, conference_id=conference_id)

    @post("/reveal", status_code=200)
    async def reveal(self, request: Request[Any, Any, Any], db_session: AsyncSession, conference_id: int,
                     ballot_id: int, data: dict[str, Any]) -> dict[str, Any]:
        """The randomness of a sealed vote prepared for this voter; that vote can never be cast after this."""
        return await reveal_sealing(db_session, ballot_id, user_id=request.scope["user"].id,
                                    sealed=data.get("sealed"), handle=data.get("handle"),
                                    secret_key=request.app.state.settings.secret_key, conference_id=conference_id)
