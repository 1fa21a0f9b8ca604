"""Changing a conference's settings: dates, time zone, second factor, quorum, card vote, retention.

`SettingsChange` is the input schema (forms and the API convert into it); the rules
below check the combination, and the change is audited with the new values.
"""

from __future__ import annotations

import zoneinfo
from datetime import date
from functools import cache
from typing import Any

import msgspec
from msgspec import UNSET, UnsetType
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.audit.services import actor_of, record, scope_of
from unionvote.conferences.models import CardVoteMode, Conference
from unionvote.conferences.quorum import parse_quorum_rule
from unionvote.conferences.services import ConferenceError, lock_conference

MAX_RETENTION_DAYS = 3650


class SettingsChange(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Only the fields given are changed."""

    name: str | UnsetType = UNSET
    starts_on: date | None | UnsetType = UNSET
    ends_on: date | None | UnsetType = UNSET
    time_zone: str | UnsetType = UNSET
    totp_required_for_delegates: bool | UnsetType = UNSET
    quorum_kind: str | UnsetType = UNSET
    quorum_value: str | None | UnsetType = UNSET
    card_vote_mode: str | UnsetType = UNSET
    retention_days: int | UnsetType = UNSET


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _checked(conference: Conference, change: SettingsChange) -> dict[str, Any]:
    """The new values, checked together with the ones not being changed."""
    wanted = {name: value for name in change.__struct_fields__
              if (value := getattr(change, name)) is not UNSET}
    merged = {name: wanted.get(name, getattr(conference, name)) for name in change.__struct_fields__}
    name = (merged["name"] or "").strip()
    if not name or len(name) > 200:
        raise ConferenceError("Give the conference a name of up to 200 characters.")
    if merged["starts_on"] and merged["ends_on"] and merged["ends_on"] < merged["starts_on"]:
        raise ConferenceError("The conference cannot end before it starts.")
    if merged["time_zone"] not in _time_zones():
        raise ConferenceError(f"'{merged['time_zone']}' is not a time zone name such as 'Europe/London'.")
    if merged["card_vote_mode"] not in {m.value for m in CardVoteMode}:
        raise ConferenceError("The card vote mode is 'block' (the lead delegate casts the card) or 'split'.")
    if not 1 <= merged["retention_days"] <= MAX_RETENTION_DAYS:
        raise ConferenceError(f"Keep personal data for between 1 and {MAX_RETENTION_DAYS} days after the conference.")
    rule = parse_quorum_rule(merged["quorum_kind"], merged["quorum_value"])
    merged.update(name=name, quorum_kind=rule.kind.value, quorum_value=rule.value)
    return {key: merged[key] for key in merged if merged[key] != getattr(conference, key)}


async def update_settings(db: AsyncSession, conference_id: int, change: SettingsChange, *, by: int | None
                          ) -> Conference:
    conference = await lock_conference(db, conference_id)
    changes = _checked(conference, change)
    if not changes:
        return conference
    for key, value in changes.items():
        setattr(conference, key, value)
    await record(db, scope=scope_of("conference", conference_id), actor=actor_of(by),
                 action="conference.settings_changed",
                 payload={"conference_id": conference_id,
                          "changes": {key: value if isinstance(value, bool | int) or value is None else str(value)
                                      for key, value in changes.items()}})
    return conference
