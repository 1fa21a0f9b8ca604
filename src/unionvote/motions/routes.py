"""Every motions page and API controller, for the app factory to mount."""

from __future__ import annotations

from typing import Any

import unionvote.motions.live  # noqa: F401 - registers the "floor" topic rule
from unionvote.motions.api import MotionsApi
from unionvote.motions.api_floor import ChairApi, CommitteeApi
from unionvote.motions.pages_agenda import AgendaPages
from unionvote.motions.pages_committee import CommitteePages
from unionvote.motions.pages_floor import FloorPages
from unionvote.motions.pages_languages import MotionLanguagePages
from unionvote.motions.pages_motions import MotionPages

MOTION_ROUTES: list[Any] = [MotionPages, CommitteePages, FloorPages, AgendaPages, MotionsApi, CommitteeApi,
                            ChairApi, MotionLanguagePages]
