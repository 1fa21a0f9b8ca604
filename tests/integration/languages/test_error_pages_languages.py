"""An error page (a missing page, a refused method) reads in the reader's language: its heading, its
explanation and its button, while the JSON API keeps its English."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.helpers import Visitor
from tests.integration.motions.world import plain


async def test_a_polish_browser_asking_for_a_missing_page_reads_polish(client: AsyncTestClient[Litestar]) -> None:
    page = await Visitor(client).get("/no-such-page-here", headers={"accept-language": "pl-PL,pl;q=0.9"})
    assert page.status_code == 404
    assert '<html lang="pl"' in page.text
    text = plain(page.text)
    assert "Page not found" not in text and "Not Found" not in text
    assert "Nie znaleziono strony" in text and "Sprawdź adres strony" in text


async def test_a_refused_method_reads_welsh_and_the_api_keeps_english(client: AsyncTestClient[Litestar]) -> None:
    page = await client.delete("/login", headers={"accept-language": "cy", "accept": "text/html"})
    assert page.status_code == 405 and '<html lang="cy"' in page.text
    assert "Method Not Allowed" not in plain(page.text) and "That did not work" not in plain(page.text)
    english = await client.get("/no-such-page-here", headers={"accept-language": "en-GB"})
    assert english.status_code == 404 and "Page not found" in plain(english.text)
    api = await client.get("/api/v1/no-such-thing", headers={"accept-language": "pl"})
    assert api.status_code == 404 and api.json()["detail"] == "Not Found"
