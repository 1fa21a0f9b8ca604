"""Conference settings: checked together, stored as given, audited with the new values."""

from __future__ import annotations

from datetime import date

import msgspec
import pytest

from tests.integration.conferences.builders import STAFF, Factory, audit_entries
from unionvote.conferences.models import Conference
from unionvote.conferences.settings import SettingsChange, update_settings
from unionvote.db import session_scope
from unionvote.errors import RuleViolation


async def change(factory: Factory, conference_id: int, **fields: object) -> Conference:
    async with session_scope(factory) as db:
        return await update_settings(db, conference_id, SettingsChange(**fields), by=STAFF)  # type: ignore[arg-type]


async def test_a_new_conference_has_safe_defaults(factory: Factory, conference_id: int) -> None:
    async with session_scope(factory) as db:
        conference = await db.get(Conference, conference_id)
    assert conference is not None
    assert (conference.time_zone, conference.totp_required_for_delegates, conference.quorum_kind,
            conference.quorum_value, conference.card_vote_mode, conference.retention_days) == (
        "Europe/London", False, "none", None, "block", 365)


async def test_settings_are_changed_and_audited_with_their_new_values(factory: Factory, conference_id: int) -> None:
    conference = await change(factory, conference_id, starts_on=date(2027, 5, 24), ends_on=date(2027, 5, 27),
                              time_zone="Europe/Dublin", totp_required_for_delegates=True, quorum_kind="bodies_share",
                              quorum_value="1/2", card_vote_mode="split", retention_days=180)

    assert (conference.ends_on, conference.quorum_value, conference.card_vote_mode) == (date(2027, 5, 27), "1/2",
                                                                                        "split")
    action, payload = (await audit_entries(factory, conference_id))[-1]
    assert action == "conference.settings_changed"
    assert payload["changes"] == {"starts_on": "2027-05-24", "ends_on": "2027-05-27", "time_zone": "Europe/Dublin",
                                  "totp_required_for_delegates": True, "quorum_kind": "bodies_share",
                                  "quorum_value": "1/2", "card_vote_mode": "split", "retention_days": 180}


async def test_changing_nothing_records_nothing(factory: Factory, conference_id: int) -> None:
    before = await audit_entries(factory, conference_id)
    await change(factory, conference_id, time_zone="Europe/London", card_vote_mode="block")
    assert await audit_entries(factory, conference_id) == before


@pytest.mark.parametrize(("fields", "message"), [
    ({"time_zone": "Mars/Olympus"}, "not a time zone name"),
    ({"card_vote_mode": "proportional"}, "'block'"),
    ({"retention_days": 0}, "between 1 and 3650 days"),
    ({"starts_on": date(2027, 5, 27), "ends_on": date(2027, 5, 24)}, "cannot end before it starts"),
    ({"quorum_kind": "delegates"}, "whole number of delegates"),
    ({"name": "  "}, "Give the conference a name"),
])
async def test_bad_settings_are_refused_and_nothing_changes(factory: Factory, conference_id: int,
                                                            fields: dict[str, object], message: str) -> None:
    with pytest.raises(RuleViolation, match=message):
        await change(factory, conference_id, **fields)
    async with session_scope(factory) as db:
        conference = await db.get(Conference, conference_id)
        assert conference is not None and conference.time_zone == "Europe/London" and conference.ends_on is None


def test_the_input_schema_refuses_unknown_fields_and_wrong_types() -> None:
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"quorum": "1/2"}, SettingsChange)
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"retention_days": "many"}, SettingsChange)
    assert msgspec.convert({"starts_on": "2027-05-24"}, SettingsChange).starts_on == date(2027, 5, 24)
