"""Which languages a message to one person is in: theirs first, then the other of a bilingual event's pair."""

from __future__ import annotations

from unionvote.i18n import _, current_language, in_languages, message_languages, speaking


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
