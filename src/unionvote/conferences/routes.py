"""Every conference page and API controller, for the app factory to mount."""

from __future__ import annotations

from typing import Any

from unionvote.conferences.api_attendance import AttendanceApi
from unionvote.conferences.api_desk import DeskApi
from unionvote.conferences.api_register import RegisterApi
from unionvote.conferences.api_setup import ConferenceSetupApi
from unionvote.conferences.pages_admin import ConferenceAdminPages
from unionvote.conferences.pages_delegate import MyConferencePages, MyConferencesPages
from unionvote.conferences.pages_desk import DeskPages
from unionvote.conferences.pages_languages import ConferenceLanguagePages
from unionvote.conferences.pages_register import RegisterPages
from unionvote.conferences.quorum_panel import QuorumPages

CONFERENCE_ROUTES: list[Any] = [
    ConferenceAdminPages, RegisterPages, DeskPages, MyConferencesPages, MyConferencePages, QuorumPages,
    ConferenceSetupApi, RegisterApi, DeskApi, AttendanceApi, ConferenceLanguagePages,
]
