"""Every consultation page and API controller, for the app factory to mount."""

from __future__ import annotations

from typing import Any

from unionvote.consult.api import ConsultationsApi
from unionvote.consult.pages_languages import ConsultationLanguagePages
from unionvote.consult.pages_participant import ConsultationsForMe, InvitationPages, ParticipantPages
from unionvote.consult.pages_staff import ConsultationListPages, ConsultationStaffPages

CONSULT_ROUTES: list[Any] = [ParticipantPages, InvitationPages, ConsultationsForMe, ConsultationListPages,
                             ConsultationStaffPages, ConsultationsApi, ConsultationLanguagePages]
