"""The wording a reader sees of a text staff wrote in more than one language."""

from __future__ import annotations

from datetime import UTC, datetime

from unionvote.ballots.models import MemberBallot
from unionvote.ballots.sending import VotingEmail, compose
from unionvote.bilingual import Wording, dump, read, wording
from unionvote.config import Settings

WELSH = {"cy": {"text": "Ydych chi'n derbyn?", "options": {"yes": "Ydw"}}}


def test_a_reader_sees_their_language_and_english_when_there_is_no_translation() -> None:
    welsh = wording("Do you accept?", WELSH, "text", language="cy", bilingual=None)
    assert welsh == Wording("Ydych chi'n derbyn?", "cy")
    assert wording("Do you accept?", WELSH, "text", language="pl", bilingual=None) == Wording("Do you accept?", "en")
    assert wording("Yes", WELSH, "options", language="cy", bilingual=None, key="yes").text == "Ydw"
    assert wording("No", WELSH, "options", language="cy", bilingual=None, key="no").text == "No"


def test_a_bilingual_event_puts_the_other_language_of_the_pair_beside() -> None:
    assert wording("Do you accept?", WELSH, "text", language="en", bilingual="cy") == Wording(
        "Do you accept?", "en", "Ydych chi'n derbyn?", "cy")
    assert wording("Do you accept?", WELSH, "text", language="cy", bilingual="cy") == Wording(
        "Ydych chi'n derbyn?", "cy", "Do you accept?", "en")
    # A Polish reader with no Polish wording reads the English, and the Welsh beside it.
    assert wording("Do you accept?", WELSH, "text", language="pl", bilingual="cy").beside == "Ydych chi'n derbyn?"
    # Nothing translated: one language only, never the same words twice.
    assert wording("No", WELSH, "options", language="en", bilingual="cy", key="no") == Wording("No", "en")


def test_the_column_is_canonical_and_an_unreadable_one_reads_as_none() -> None:
    assert dump({"pl": {}, "cy": {"text": "Ie"}}) == '{"cy":{"text":"Ie"}}'
    assert dump({"cy": {}}) is None
    assert read("not json") == {} and read('{"xx": {"text": "?"}}') == {} and read(None) == {}


def test_a_bilingual_ballots_email_gives_its_wording_in_both_languages() -> None:
    ballot = MemberBallot(slug="pay", title="Pay offer", description="The offer is 3%.", code_salt="s",
                          opens_at=datetime(2027, 1, 1, tzinfo=UTC), closes_at=datetime(2027, 1, 8, 9, tzinfo=UTC),
                          language="cy", bilingual_language="cy",
                          translations=dump({"cy": {"title": "Cynnig cyflog", "description": "Y cynnig yw 3%."}}))
    message = compose(Settings(smtp_from="ballots@union.example"), ballot,
                      VotingEmail(1, "M1", "m1@example.org", "Ann", "https://vote.example/vote/x", "ABCDEFGHIJ"))
    body = message.get_content()
    subject = str(message["Subject"])  # each language's whole subject, the ballot's language first
    assert subject.index("Cynnig cyflog") < subject.index(" / ") < subject.index("Pay offer"), subject
    assert body.index("Y cynnig yw 3%.") < body.index("The offer is 3%.")
