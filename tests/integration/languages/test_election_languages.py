"""A conference election reads in the delegate's language: nominations, the ranked ballot and the result sheet,
with the candidates' names and the count's figures as they are."""

from __future__ import annotations

import re

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.elections.test_election_pages import PAPERS, _contested
from tests.integration.elections.world import plain


@pytest.mark.parametrize(("language", "expected", "english"), [
    ("cy", ["Cam 2: Gwarged Ann Smith", "Etholwyd yng ngham 1", "Anhrosglwyddadwy", "Cwota 31.00000",
            "Y cyfrif, gam wrth gam", "Ymgeisydd"],
     ["Stage 2", "Elected at stage", "Non-transferable", "The count, stage by stage"]),
    ("pl", ["Etap 2: Nadwyżka – Ann Smith", "Wybrany(-a) na etapie 1", "Nieprzenoszalne", "Kwota 31.00000",
            "Liczenie, etap po etapie", "Kandydat"],
     ["Stage 2", "Elected at stage", "Non-transferable", "The count, stage by stage"]),
])
async def test_the_result_sheet_reads_in_welsh_and_polish_with_the_figures_unchanged(
        client: AsyncTestClient[Litestar], app: Litestar, language: str, expected: list[str],
        english: list[str]) -> None:
    world, election = await _contested(client, app)
    asks = {"accept-language": language}
    nominations = plain((await world.ann.get(election, headers=asks)).text)
    assert "Ann Smith" in nominations and "Nominations" not in nominations
    response = await world.committee.post(f"{election}/count", files={"blt": ("papers.blt", PAPERS.encode())})
    assert response.status_code == 303
    page = await world.ann.get(f"{election}/result", headers=asks)
    assert page.status_code == 200 and f'<html lang="{language}"' in page.text
    sheet = plain(page.text)
    for words in expected:
        assert words in sheet
    for words in english:
        assert words not in sheet
    assert re.search(r"\+\d+\.\d{5}", sheet)  # the transfers keep the count's own figures
