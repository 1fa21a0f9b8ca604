"""The voting page's script speaks the delegate's language: the page carries the script's words, translated on
the server, in a JSON block the script reads (English when it is missing); the page stays under 50 KB."""

from __future__ import annotations

import json
import re

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.voting.pages_world import floor, open_ballot, prepare
from unionvote.i18n import speaking
from unionvote.script_words import script_words


def words_on(page: str) -> dict[str, str]:
    [block] = re.findall(r'<script type="application/json" id="uv-words">(.*?)</script>', page, re.S)
    return json.loads(block)


async def test_a_welsh_delegates_voting_page_gives_its_script_welsh_words(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    f = await floor(client, app)
    ballot_id = await prepare(f)
    await open_ballot(f, ballot_id)
    english = (await f.delegates["A1"].get(f"{f.vote}/{ballot_id}")).text
    assert words_on(english) == {}  # English: the script's own words
    await f.delegates["A1"].post("/account/language", data={"language": "cy"})
    for path in (f.vote, f"{f.vote}/{ballot_id}"):
        page = (await f.delegates["A1"].get(path)).text
        words = words_on(page)
        assert words["Loading the check…"] == "Wrthi'n llwytho'r gwiriad…"
        assert words["Cast this sealed vote"] == "Bwrw'r bleidlais hon wedi'i selio"
        assert "%(choice)s" in words["The server has sealed your choice: %(choice)s. It has %(parts)s encrypted "
                                     "parts. Cast it, or challenge it to see that it holds your choice (a challenged "
                                     "sealing is then set aside and a fresh one made)."]
        assert len(page.encode()) < 50_000


def test_the_words_cannot_end_the_script_block_they_sit_in() -> None:
    with speaking("pl"):
        block = str(script_words("trustee"))
    assert "<" not in block and ">" not in block and "&" not in block
    assert json.loads(block)["made here"] == "utworzony tutaj"
