"""Sealed ranked papers: a ranking cannot be summed, so each paper is sealed whole and opened only after close.

Hybrid encryption (an ElGamal key encapsulation on secp256k1, then AES-256-GCM):

    R = r·G,  S = r·Y                      (Y the election key, r fresh and random)
    k = SHA-256(F(PAPER_DOMAIN) || F(label) || F(R) || F(S))
    box = AES-256-GCM(k, nonce = 12 zero bytes, paper, aad = F(PAPER_DOMAIN) || F(label) || F(Y) || F(R))

The nonce is fixed because each key seals one paper only. The paper is the ranking as option
indexes, padded to a length fixed by the number of candidates, so its size says nothing about
how many preferences it holds. To open a paper every trustee gives D_i = s_i·R with a
Chaum-Pedersen proof; S = D_1 + ... + D_t. docs/audit-format.md, "Sealed ranked papers".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from unionvote.sealing.group import (
    GENERATOR,
    ORDER,
    Point,
    SealingError,
    challenge,
    frame,
    point_sum,
    random_scalar,
)
from unionvote.sealing.proofs import Proof, lincomb_public
from unionvote.sealing.trustees import TrusteeKey, TrusteePublic, election_key

PAPER_DOMAIN = b"unionvote/sealed-paper/v1"
PAPER_RULE = "unionvote-ranked-paper/1"  # the sealing row's rule for a ranked ballot
PAPERS_FORMAT = "unionvote-sealed-papers/1"  # the file a trustee decrypts
DECRYPTION_FORMAT = "unionvote-paper-decryption/1"  # what a trustee hands back
NONCE = bytes(12)
TAG_BYTES = 16
MAX_CANDIDATES = 65535


def paper_rule(candidates: int) -> dict[str, Any]:
    """What the record says of a ranked ballot's papers: the format, the candidates, the padded length."""
    return {"format": PAPER_RULE, "candidates": candidates, "bytes": paper_length(candidates)}


def paper_length(candidates: int) -> int:
    return 2 + 2 * candidates


def encode_paper(ranking: Sequence[int], candidates: int) -> bytes:
    """u16 number of preferences, u16 option index (from 0) per preference, zero bytes to 2 + 2·candidates."""
    if not 1 <= candidates <= MAX_CANDIDATES:
        raise SealingError(f"a ranked ballot has 1 to {MAX_CANDIDATES} candidates")
    if not ranking or len(set(ranking)) != len(ranking) or any(not 0 <= i < candidates for i in ranking):
        raise SealingError("a paper ranks at least one candidate, each once")
    data = len(ranking).to_bytes(2, "big") + b"".join(i.to_bytes(2, "big") for i in ranking)
    return data + bytes(paper_length(candidates) - len(data))


def decode_paper(data: bytes, candidates: int) -> tuple[int, ...]:
    """The ranking a decrypted paper holds; SealingError unless it is exactly a canonical encoding."""
    if len(data) != paper_length(candidates):
        raise SealingError(f"the paper is {len(data)} bytes, not {paper_length(candidates)}")
    count = int.from_bytes(data[:2], "big")
    if not 1 <= count <= candidates:
        raise SealingError(f"the paper says it holds {count} preferences (1 to {candidates} allowed)")
    ranking = tuple(int.from_bytes(data[2 + 2 * i:4 + 2 * i], "big") for i in range(count))
    if len(set(ranking)) != count or max(ranking) >= candidates or encode_paper(ranking, candidates) != data:
        raise SealingError("the paper repeats a candidate, names none that stands, or its padding is not zero")
    return ranking


@dataclass(frozen=True)
class SealedPaper:
    ephemeral: Point  # R
    box: bytes  # AES-256-GCM ciphertext of the paper, then the 16-byte tag

    def as_dict(self) -> dict[str, str]:
        return {"R": self.ephemeral.hex(), "box": self.box.hex()}

    @classmethod
    def from_dict(cls, data: Any, candidates: int, what: str = "sealed paper") -> SealedPaper:
        if not isinstance(data, dict) or set(data) != {"R", "box"}:
            raise SealingError(f"{what} is not an object with exactly R and box.")
        size = paper_length(candidates) + TAG_BYTES
        box = data["box"]
        if not isinstance(box, str) or len(box) != 2 * size or box != box.lower():
            raise SealingError(f"{what}.box is not {size} bytes in lowercase hex.")
        try:
            raw = bytes.fromhex(box)
        except ValueError:
            raise SealingError(f"{what}.box is not hexadecimal.") from None
        return cls(Point.from_hex(data["R"], f"{what}.R"), raw)


def _key(label: str, ephemeral: Point, shared: Point) -> bytes:
    return hashlib.sha256(frame(PAPER_DOMAIN) + frame(label.encode("utf-8")) + frame(ephemeral.to_bytes())
                          + frame(shared.to_bytes())).digest()


def _aad(label: str, key: Point, ephemeral: Point) -> bytes:
    return frame(PAPER_DOMAIN) + frame(label.encode("utf-8")) + frame(key.to_bytes()) + frame(ephemeral.to_bytes())


def seal_paper(key: Point, label: str, ranking: Sequence[int], candidates: int) -> SealedPaper:
    """Seal one ranking under the election key. Neither r nor the shared point leaves this function."""
    return sealed_with(key, label, ranking, candidates, random_scalar())


def sealed_with(key: Point, label: str, ranking: Sequence[int], candidates: int, r: int) -> SealedPaper:
    """The sealing with a given r: seal_paper's body, and the worked example's figures (tests only)."""
    plain = encode_paper(ranking, candidates)
    ephemeral = Point.base_times(r)
    box = AESGCM(_key(label, ephemeral, key.times(r))).encrypt(NONCE, plain, _aad(label, key, ephemeral))
    return SealedPaper(ephemeral, box)


def open_paper(key: Point, label: str, paper: SealedPaper, shared: Point, candidates: int) -> tuple[int, ...]:
    """The ranking, given S = s·R (the sum of every trustee's share); SealingError if it does not open."""
    try:
        plain = AESGCM(_key(label, paper.ephemeral, shared)).decrypt(NONCE, paper.box,
                                                                      _aad(label, key, paper.ephemeral))
    except InvalidTag:
        raise SealingError("the paper does not open with the trustees' shares (its box or R was changed, or a "
                           "share is wrong)") from None
    return decode_paper(plain, candidates)


# A trustee's share of one paper: D = s·R, with a Chaum-Pedersen proof that log_G(K_i) = log_R(D).
# a = w·G, b = w·R, c = H("paper", label, K_i, R, D, a, b), v = w + c·s.  Check: v·G - c·K_i = a, v·R - c·D = b.

@dataclass(frozen=True)
class PaperShare:
    share: Point
    proof: Proof

    def as_dict(self) -> dict[str, Any]:
        return {"share": self.share.hex(), "proof": self.proof.as_dict()}

    @classmethod
    def from_dict(cls, data: Any, what: str) -> PaperShare:
        if not isinstance(data, dict) or set(data) != {"share", "proof"}:
            raise SealingError(f"{what} is not an object with exactly share and proof.")
        return cls(Point.from_hex(data["share"], f"{what}.share"), Proof.from_dict(data["proof"], f"{what}.proof", 1))

    def check(self, trustee: Point, ephemeral: Point, label: str, what: str) -> None:
        (c,), (v,) = self.proof.challenges, self.proof.responses
        a = lincomb_public(v, GENERATOR, c, trustee)
        b = lincomb_public(v, ephemeral, c, self.share)
        if challenge("paper", label, trustee, ephemeral, self.share, a, b) != c:
            raise SealingError(f"{what}: the proof that the share is the trustee's key times R does not verify")


def share_of(key: TrusteeKey, ephemeral: Point, label: str) -> PaperShare:
    return share_with(key, ephemeral, label, random_scalar())


def share_with(key: TrusteeKey, ephemeral: Point, label: str, w: int) -> PaperShare:
    """The share and its proof with a given commitment scalar w (share_of's body; the worked example's)."""
    public = key.public
    share = ephemeral.times(key.secret)
    c = challenge("paper", label, public, ephemeral, share, Point.base_times(w), ephemeral.times(w))
    return PaperShare(share, Proof((c,), ((w + c * key.secret) % ORDER,)))


def papers_hash(papers: Sequence[SealedPaper]) -> str:
    """SHA-256 (hex) of the canonical JSON of the list of sealed papers, in board order."""
    return hashlib.sha256(_canonical([p.as_dict() for p in papers])).hexdigest()


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def decryption_document(key: TrusteeKey, label: str, papers: Sequence[SealedPaper]) -> dict[str, Any]:
    """A trustee's shares of every paper, in board order, as the document the record keeps."""
    return {"format": DECRYPTION_FORMAT, "label": label, "public_key": key.public.hex(),
            "papers_hash": papers_hash(papers), "shares": [share_of(key, p.ephemeral, label).as_dict()
                                                           for p in papers]}


def read_decryption(data: Any, label: str, papers: Sequence[SealedPaper], trustee: Point) -> list[PaperShare]:
    """A trustee's decryption document checked against the papers it claims to open (every proof)."""
    if not isinstance(data, dict) or data.get("format") != DECRYPTION_FORMAT:
        raise SealingError(f"This is not a decryption of ranked papers ({DECRYPTION_FORMAT}).")
    if set(data) != {"format", "label", "public_key", "papers_hash", "shares"}:
        raise SealingError("A decryption of ranked papers has exactly format, label, public_key, papers_hash and "
                           "shares.")
    if data["label"] != label:
        raise SealingError(f"This decryption is for {data['label']!r}, not {label!r}.")
    if data["public_key"] != trustee.hex():
        raise SealingError("This decryption was made with another trustee's key.")
    if data["papers_hash"] != papers_hash(papers):
        raise SealingError("This decryption is of other papers (the papers changed since it was made).")
    items = data["shares"]
    if not isinstance(items, list) or len(items) != len(papers):
        raise SealingError(f"A decryption needs one share per paper ({len(papers)}).")
    shares = []
    for j, (item, paper) in enumerate(zip(items, papers, strict=True)):
        share = PaperShare.from_dict(item, f"shares[{j}]")
        share.check(trustee, paper.ephemeral, label, f"shares[{j}]")
        shares.append(share)
    return shares


def open_papers(key: Point, label: str, papers: Sequence[SealedPaper],
                shares_by_trustee: Sequence[Sequence[PaperShare]], candidates: int) -> list[tuple[int, ...]]:
    """Every paper's ranking, in board order, from every trustee's checked shares."""
    opened = []
    for j, paper in enumerate(papers):
        shared = point_sum(shares[j].share for shares in shares_by_trustee)
        try:
            opened.append(open_paper(key, label, paper, shared, candidates))
        except SealingError as exc:
            raise SealingError(f"paper {j}: {exc}") from None
    return opened


@dataclass(frozen=True)
class PapersFile:
    """What a trustee decrypts after close: the label, the trustees, the candidates and every sealed paper."""

    label: str
    trustees: tuple[TrusteePublic, ...]
    candidates: int
    papers: tuple[SealedPaper, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"format": PAPERS_FORMAT, "label": self.label, "trustees": [t.as_dict() for t in self.trustees],
                "candidates": self.candidates, "papers": [p.as_dict() for p in self.papers],
                "papers_hash": papers_hash(self.papers)}

    @classmethod
    def from_dict(cls, data: Any) -> PapersFile:
        if not isinstance(data, dict) or data.get("format") != PAPERS_FORMAT:
            raise SealingError(f"This is not a file of sealed ranked papers ({PAPERS_FORMAT}).")
        try:
            label, candidates = data["label"], data["candidates"]
            if not isinstance(label, str) or not isinstance(candidates, int) or isinstance(candidates, bool) \
                    or not 1 <= candidates <= MAX_CANDIDATES:
                raise SealingError("label and candidates must be a string and a whole number of candidates.")
            trustees = tuple(TrusteePublic.from_dict(t, f"trustees[{i}]") for i, t in enumerate(data["trustees"]))
            papers = tuple(SealedPaper.from_dict(p, candidates, f"papers[{j}]")
                           for j, p in enumerate(data["papers"]))
        except (KeyError, TypeError) as exc:
            raise SealingError(f"The papers file is missing or misshapes a field ({exc}).") from None
        if data.get("papers_hash") != papers_hash(papers):
            raise SealingError("papers_hash is not the hash of the papers listed.")
        return cls(label, trustees, candidates, papers)


def decrypt_papers(key: TrusteeKey, data: Any) -> dict[str, Any]:
    """`unionvote trustee decrypt` on a papers file: check the trustees, then give a share of every paper."""
    sealed = PapersFile.from_dict(data)
    if key.public not in [t.public for t in sealed.trustees]:
        raise SealingError("Your key is not one of this ballot's trustees' keys.")
    for i, trustee in enumerate(sealed.trustees):
        trustee.check(f"trustees[{i}]")
    election_key(sealed.trustees)
    return decryption_document(key, sealed.label, sealed.papers)
