"""Every elections page and API controller, for the app factory to mount."""

from __future__ import annotations

from typing import Any

from unionvote.elections.api import ElectionsApi
from unionvote.elections.pages_elections import ElectionPages
from unionvote.elections.pages_officers import ElectionBallotPages, ElectionOfficerPages
from unionvote.elections.pages_result import ElectionResultPages
from unionvote.elections.pages_vote import ElectionVotePages

ELECTION_ROUTES: list[Any] = [
    ElectionPages, ElectionOfficerPages, ElectionBallotPages, ElectionResultPages, ElectionVotePages, ElectionsApi,
]
