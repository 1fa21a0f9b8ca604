"""Sealed ranked papers: sealed whole at a fixed size, opened only with every trustee's proved share."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from tests.unit.sealing.paper_example import example
from unionvote.sealing.group import ORDER, SealingError
from unionvote.sealing.papers import (
    PapersFile,
    PaperShare,
    decode_paper,
    decrypt_papers,
    encode_paper,
    open_paper,
    open_papers,
    read_decryption,
    seal_paper,
)
from unionvote.sealing.trustees import TrusteeKey, election_key
from unionvote.voting.sealed_papers import canonical_papers

DOC = Path(__file__).resolve().parents[3] / "docs" / "audit-format.md"


def figures_on_the_page() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## Sealed ranked papers"):]
    block = section[section.index("### Worked example"):]
    body = re.search(r"```text\n(.*?)```", block, re.S)
    assert body is not None, "the worked example has no figures block"
    return dict(line.split(": ", 1) for line in body.group(1).strip().splitlines())


def test_every_figure_of_the_paper_example_comes_from_the_code() -> None:
    page = figures_on_the_page()
    assert page == example()
    assert hashlib.sha256(bytes.fromhex(page["key_input"])).hexdigest() == page["aes_key"]
    digest = hashlib.sha256(bytes.fromhex(page["share.challenge_input"])).digest()
    assert int.from_bytes(digest, "big") % ORDER == int(page["share.c"], 16)


def test_a_paper_is_the_same_size_whatever_it_ranks() -> None:
    key = TrusteeKey.generate().public
    sizes = {len(seal_paper(key, "ballot:1", ranking, 5).box) for ranking in ([0], [4, 3], [0, 1, 2, 3, 4])}
    assert sizes == {2 + 2 * 5 + 16}


def test_a_paper_opens_only_in_its_own_ballot_and_unchanged() -> None:
    trustee = TrusteeKey.generate()
    key = trustee.public
    paper = seal_paper(key, "ballot:1", [2, 0], 3)
    shared = paper.ephemeral.times(trustee.secret)
    assert open_paper(key, "ballot:1", paper, shared, 3) == (2, 0)
    with pytest.raises(SealingError, match="does not open"):
        open_paper(key, "ballot:2", paper, shared, 3)  # copied to another ballot
    changed = type(paper)(paper.ephemeral, bytes([paper.box[0] ^ 1]) + paper.box[1:])
    with pytest.raises(SealingError, match="does not open"):
        open_paper(key, "ballot:1", changed, shared, 3)


def test_opened_papers_are_published_by_encoding_then_weight_never_in_board_order() -> None:
    rankings = [(2, 0), (1,), (2, 0), (0, 1, 2), (1,)]
    published = canonical_papers(["a", "b", "c"], rankings, ["10", "3", "9", "1", "1/2"])
    assert published == [{"choice": ["b"], "weight": "1/2"}, {"choice": ["b"], "weight": "3"},
                         {"choice": ["c", "a"], "weight": "9"}, {"choice": ["c", "a"], "weight": "10"},
                         {"choice": ["a", "b", "c"], "weight": "1"}]


def test_a_decrypted_paper_must_be_exactly_a_canonical_ranking() -> None:
    assert decode_paper(encode_paper([1, 0], 3), 3) == (1, 0)
    with pytest.raises(SealingError, match="padding"):
        decode_paper(encode_paper([1, 0], 3)[:-1] + b"\x01", 3)
    with pytest.raises(SealingError, match="repeats"):
        decode_paper(bytes.fromhex("0002000100010000"), 3)
    with pytest.raises(SealingError, match="preferences"):
        decode_paper(bytes(8), 3)


def test_two_trustees_open_the_papers_only_together_each_share_proved() -> None:
    keys = [TrusteeKey.generate(), TrusteeKey.generate()]
    published = [k.published() for k in keys]
    key = election_key(published)
    papers = tuple(seal_paper(key, "ballot:5", ranking, 4) for ranking in ([3, 1], [0], [2, 0, 1]))
    file = PapersFile("ballot:5", tuple(published), 4, papers).as_dict()
    documents = [decrypt_papers(k, file) for k in keys]
    shares = [read_decryption(d, "ballot:5", papers, k.public) for d, k in zip(documents, keys, strict=True)]
    assert open_papers(key, "ballot:5", papers, shares, 4) == [(3, 1), (0,), (2, 0, 1)]
    with pytest.raises(SealingError, match="paper 0"):
        open_papers(key, "ballot:5", papers, shares[:1], 4)  # one trustee alone opens nothing
    forged = dict(documents[0], shares=[documents[1]["shares"][0], *documents[0]["shares"][1:]])
    with pytest.raises(SealingError, match=r"shares\[0\]: the proof"):
        read_decryption(forged, "ballot:5", papers, keys[0].public)
    with pytest.raises(SealingError, match="other papers"):
        read_decryption(documents[0], "ballot:5", papers[:2], keys[0].public)
    outsider = TrusteeKey.generate()
    with pytest.raises(SealingError, match="not one of this ballot's trustees"):
        decrypt_papers(outsider, file)
    assert isinstance(PaperShare.from_dict(documents[0]["shares"][0], "share"), PaperShare)
