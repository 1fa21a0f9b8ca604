"""Which languages a message to one person is in: theirs first, then the other of a bilingual event's pair."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from unionvote.ballots.casting import refusal_for
from unionvote.ballots.models import MemberBallot, MemberBallotState
from unionvote.errors import RuleViolation
from unionvote.i18n import LanguageMiddleware, _, current_language, in_languages, message_languages, speaking
from unionvote.voting.rules import parse_fraction


def test_a_person_reads_their_own_language_else_the_events_else_english() -> None:
    assert message_languages("cy", "pl", None) == ["cy"]
    assert message_languages(None, "pl", None) == ["pl"]
    assert message_languages(None, None, None) == ["en"]
    assert message_languages("xx", "zz", None) == ["en"]  # nothing offered: English


def test_a_bilingual_event_adds_the_other_language_of_its_pair() -> None:
    assert message_languages(None, None, "cy") == ["en", "cy"]
    assert message_languages("cy", None, "cy") == ["cy", "en"]
    assert message_languages("pl", "cy", "cy") == ["pl", "en"]
    assert message_languages(None, "cy", "en") == ["cy"]  # "English beside English" is not bilingual


def test_each_part_is_rendered_in_its_language_and_the_page_keeps_its_own() -> None:
    with speaking("pl"):
        parts = in_languages(["cy", "en"], lambda: _("Reply STOP for no more texts."))
        assert current_language() == "pl"
    assert parts == ["Atebwch STOP i beidio â chael rhagor o negeseuon.", "Reply STOP for no more texts."]


def test_a_refusal_reaches_a_person_in_their_language() -> None:
    with speaking("cy"), pytest.raises(RuleViolation, match="y cworwm: rhaid iddo fod yn rhif cyfan neu'n ffracsiwn"):
        parse_fraction("lots", "y cworwm")
    soon = MemberBallot(slug="pay", title="Pay", description="", opens_at=datetime(2027, 5, 4, 9, 0),
                        closes_at=datetime(2027, 5, 18, 17, 0), state=MemberBallotState.DRAFT)
    with speaking("pl"):
        assert refusal_for(soon) == "Głosowanie jeszcze się nie rozpoczęło. Rozpocznie się 4 maja 2027, 09:00 UTC."
    assert refusal_for(soon) == "Voting has not opened yet. It opens on 4 May 2027, 09:00 UTC."


async def _language_seen(path: str, cookie: bytes) -> str:
    seen: list[str] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        seen.append(current_language())

    scope = {"type": "http", "path": path, "headers": [(b"cookie", cookie)]}
    await LanguageMiddleware(inner)(scope, None, None)
    return seen[0]


async def test_the_json_api_answers_in_english_whoever_asks_and_pages_in_the_readers_language() -> None:
    assert await _language_seen("/api/v1/conferences/1/ballots", b"uv_lang=cy") == "en"
    assert await _language_seen("/conferences/1/vote", b"uv_lang=cy") == "cy"
