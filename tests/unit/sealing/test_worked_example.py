"""The worked example in docs/audit-format.md ("Sealed ballots") is what the code computes, figure by figure."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from tests.unit.sealing.worked_example import example
from unionvote.sealing.group import ORDER

DOC = Path(__file__).resolve().parents[3] / "docs" / "audit-format.md"


def figures_on_the_page() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## Sealed ballots"):]
    block = section[section.index("### Worked example"):]
    body = re.search(r"```text\n(.*?)```", block, re.S)
    assert body is not None, "the worked example has no figures block"
    return dict(line.split(": ", 1) for line in body.group(1).strip().splitlines())


def test_every_figure_of_the_worked_example_comes_from_the_code() -> None:
    assert figures_on_the_page() == example()


def test_the_challenge_input_on_the_page_hashes_to_the_sum_of_the_slot_challenges() -> None:
    page = figures_on_the_page()
    digest = int.from_bytes(hashlib.sha256(bytes.fromhex(page["vote1.slot0.challenge_input"])).digest(), "big")
    assert digest % ORDER == (int(page["vote1.slot0.c0"], 16) + int(page["vote1.slot0.c1"], 16)) % ORDER
    assert [page["tally.slot0.total"], page["tally.slot1.total"]] == ["6", "1"]
