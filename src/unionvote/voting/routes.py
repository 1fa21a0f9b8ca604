"""Every voting page and API controller, for the app factory to mount."""

from __future__ import annotations

from typing import Any

from unionvote.voting.api import BallotsApi
from unionvote.voting.pages_board import BoardPages
from unionvote.voting.pages_chair import BallotConsolePages, HallCountPages
from unionvote.voting.pages_delegate import VotePages
from unionvote.voting.pages_floor import FloorVotePages
from unionvote.voting.pages_officer import RecordPages
from unionvote.voting.pages_record_files import RecordFilesPages
from unionvote.voting.pages_sealcheck import SealCheckPages
from unionvote.voting.pages_trustee import TrusteePages
from unionvote.voting.projector import ProjectorPages

VOTING_ROUTES: list[Any] = [VotePages, BoardPages, SealCheckPages, FloorVotePages, BallotConsolePages, HallCountPages,
                            RecordPages, RecordFilesPages, TrusteePages, ProjectorPages, BallotsApi]
