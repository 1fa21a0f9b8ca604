"""Every member-ballot page and API controller, for the app factory to mount."""

from __future__ import annotations

from typing import Any

from unionvote.ballots.api import MemberBallotsApi
from unionvote.ballots.pages_admin import MemberBallotAdminPages
from unionvote.ballots.pages_chasing import ChasingOrganiserPages, RepChasePages
from unionvote.ballots.pages_complaints import MemberComplaintPages
from unionvote.ballots.pages_languages import MemberBallotLanguagePages
from unionvote.ballots.pages_letters import MemberLetterPages
from unionvote.ballots.pages_officer import MemberBallotOfficerPages
from unionvote.ballots.pages_organiser import MemberBallotOrganiserPages
from unionvote.ballots.pages_portal import MemberPortalPages, PortalSecretPages
from unionvote.ballots.pages_sms import SmsProviderCallbacks, TextReminderPages
from unionvote.ballots.pages_turnout import MemberBallotTurnoutPages
from unionvote.ballots.pages_vote import MemberVotePages

MEMBER_BALLOT_ROUTES: list[Any] = [MemberBallotAdminPages, MemberBallotTurnoutPages, MemberVotePages,
                                   MemberBallotsApi, MemberBallotOrganiserPages, ChasingOrganiserPages, RepChasePages,
                                   MemberLetterPages, MemberPortalPages, PortalSecretPages,
                                   TextReminderPages, SmsProviderCallbacks, MemberComplaintPages,
                                   MemberBallotOfficerPages, MemberBallotLanguagePages]
