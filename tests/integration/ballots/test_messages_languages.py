"""A member ballot's emails, texts and printed letters are in the ballot's language (members have no account
to say which they read); a bilingual ballot's carry both, the ballot's language first; English ones unchanged."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.helpers import Visitor, make_user
from tests.integration.ballots.test_sending import _ballot, _send, inbox, settings  # noqa: F401 (fixtures)
from tests.integration.ballots.world import make_ballot
from tests.integration.conferences.test_smtp import Inbox, body_of, subject_of
from unionvote.ballots import chasing
from unionvote.ballots.models import Member, MemberBallot
from unionvote.ballots.sms import SendOutcome, send_reminders
from unionvote.bilingual import dump
from unionvote.conferences.mailer import Throttle
from unionvote.config import Settings
from unionvote.db import session_scope

WELSH = dump({"cy": {"title": "Cynnig cyflog 2027", "description": "Mae'r cyflogwyr wedi cynnig 3%."}})
POLISH = dump({"pl": {"title": "Oferta płacowa 2027", "description": "Pracodawcy zaproponowali 3%."}})


async def _languages(factory: async_sessionmaker[AsyncSession], ballot_id: int, language: str | None,
                     bilingual: str | None, translations: str | None) -> None:
    async with session_scope(factory) as db:
        await db.execute(update(MemberBallot).where(MemberBallot.id == ballot_id).values(
            language=language, bilingual_language=bilingual, translations=translations))


async def test_a_polish_ballots_voting_email_is_in_polish(
    factory: async_sessionmaker[AsyncSession], settings: Settings, inbox: tuple[Inbox, int],  # noqa: F811
) -> None:
    ballot_id = await _ballot(factory)
    await _languages(factory, ballot_id, "pl", None, POLISH)
    await _send(factory, settings, ballot_id)
    message = next(m for m in inbox[0].messages if m["To"] == "ann@branch.example")
    assert subject_of(message) == "Twój głos: Oferta płacowa 2027"
    text = body_of(message)
    assert text.startswith("Dzień dobry, Ann!")
    assert "Pracodawcy zaproponowali 3%." in text and "nie daje mandatu do akcji protestacyjnej" in text
    assert "Dear" not in text and "Pay offer" not in text and "The employers" not in text


async def test_a_bilingual_ballots_email_holds_welsh_then_english(
    factory: async_sessionmaker[AsyncSession], settings: Settings, inbox: tuple[Inbox, int],  # noqa: F811
) -> None:
    ballot_id = await _ballot(factory)
    await _languages(factory, ballot_id, "cy", "cy", WELSH)
    await _send(factory, settings, ballot_id, membership_number="A1")
    [welsh] = inbox[0].messages
    assert subject_of(welsh) == "Eich pleidlais: Cynnig cyflog 2027 / Your vote: Pay offer 2027"
    text = body_of(welsh)
    assert text.startswith("Annwyl Ann,") and text.index("Annwyl Ann,") < text.index("Dear Ann,")
    assert "Mae'r cyflogwyr wedi cynnig 3%." in text and "The employers have offered 3%." in text
    links = [line for line in text.splitlines() if "/vote/" in line]
    assert len(links) == 2 and links[0] == links[1]  # one link, given in each language


@dataclass
class Phone:
    """An SMS gateway that keeps what it is asked to send."""

    sent: list[tuple[str, str]] = field(default_factory=list)

    def send(self, to: str, body: str) -> SendOutcome:
        self.sent.append((to, body))
        return SendOutcome(f"SM{len(self.sent)}", "queued")


@pytest.mark.parametrize(("language", "bilingual", "says", "then"), [
    ("pl", None, "Twój głos w głosowaniu związku „Oferta płacowa 2027”", None),
    (None, "cy", "you have not voted yet in the union's ballot \"Pay offer 2027\"", "nid ydych wedi pleidleisio"),
    (None, None, "you have not voted yet in the union's ballot \"Pay offer 2027\"", None),
])
async def test_a_reminder_text_is_in_the_ballots_language(
    factory: async_sessionmaker[AsyncSession], language: str | None, bilingual: str | None, says: str,
    then: str | None,
) -> None:
    ballot_id = await make_ballot(factory, {"Acme": 1})
    await _languages(factory, ballot_id, language, bilingual, POLISH)
    phone = Phone()
    await send_reminders(factory, phone, ballot_id, "final-week", public_url="https://vote.union.example", by=None,
                         throttle=Throttle(1000))
    [(_to, body)] = phone.sent
    assert says in body and "STOP" in body
    if then:
        assert body.index(says) < body.index(then) and "Atebwch STOP" in body
    else:
        assert "Atebwch" not in body
    assert ("Reply STOP for no more texts." in body) == (language != "pl")


async def test_a_welsh_ballots_printed_letters_are_in_welsh_with_english_beside_for_a_bilingual_one(
    app: Litestar, client: AsyncTestClient[Litestar], factory: async_sessionmaker[AsyncSession],
) -> None:
    ballot_id = await make_ballot(factory, {"Acme": 1})
    async with session_scope(factory) as db:
        await db.execute(update(Member).values(email=None, mobile=""))
    await _languages(factory, ballot_id, "cy", None, WELSH)
    _, secret = await make_user(app, "admin@union.example", admin=True)
    admin = Visitor(client)
    await admin.log_in("admin@union.example", totp_secret=secret)
    await admin.post("/account/language", data={"language": "en"})  # the staff read English
    page = (await admin.post(f"/member-ballots/{ballot_id}/letters")).text
    toolbar, letter = page.split('<article class="letter"')
    assert "1 letter for members with no email and no mobile." in toolbar  # the staff's own language
    assert "Eich pleidlais: Cynnig cyflog 2027" in letter and "Mewn geiriau:" in letter and ", wedyn " in letter
    assert "Your vote" not in letter and "In words" not in letter and letter.count('class="letter__qr"') == 1

    async with session_scope(factory) as db:
        await db.execute(update(Member).values(link_hash=None))
    await _languages(factory, ballot_id, "cy", "cy", WELSH)
    both = (await admin.post(f"/member-ballots/{ballot_id}/letters")).text.split('<article class="letter"')[1]
    assert both.index('lang="cy"') < both.index('lang="en"') and "Your vote: Pay offer 2027" in both
    assert both.count('class="letter__qr"') == 1


async def test_a_reps_default_text_is_in_the_ballots_language_and_their_own_words_stay_theirs(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    ballot_id = await make_ballot(factory, {"Acme": 1})
    await _languages(factory, ballot_id, "pl", None, POLISH)
    async with session_scope(factory) as db:
        await db.execute(update(Member).values(mobile="07700900001"))
        ballot = await db.get(MemberBallot, ballot_id)
        [row] = await chasing.chase_list(db, ballot, chasing.Scope(ballot_id, "employer", "Acme"), "Rhys")  # type: ignore[arg-type]
    body = unquote(row.sms_href.split("?body=")[1])  # type: ignore[union-attr]
    assert body.startswith("Cześć Member, tu Rhys ze związku.") and "„Oferta płacowa 2027”" in body
    assert "Hi " not in body and "{" not in body

    async with session_scope(factory) as db:
        await chasing.set_chase_message(db, ballot_id, "Hi {first_name}, vote in {ballot}!", by=None)
        [row] = await chasing.chase_list(db, ballot, chasing.Scope(ballot_id, "employer", "Acme"), "Rhys")  # type: ignore[arg-type]
    assert unquote(row.sms_href.split("?body=")[1]) == "Hi Member, vote in Pay offer 2027!"  # type: ignore[union-attr]
