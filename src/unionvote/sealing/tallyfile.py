"""The sealed tally file a trustee decrypts, and the partial decryption they hand back.

A trustee never decrypts a ciphertext they are simply given: the tally file carries every
sealed vote with its weight, and `decrypt_tally` checks every proof and recomputes the tally
before it decrypts, so a server cannot pass off one voter's vote as "the tally".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from unionvote.sealing.group import Point, SealingError
from unionvote.sealing.proofs import Ciphertext
from unionvote.sealing.trustees import PartialDecryption, TrusteeKey, TrusteePublic, decrypt_total, election_key
from unionvote.sealing.votes import SealedVote, SumRule, check_sealed_many, weighted_tally

TALLY_FORMAT = "unionvote-sealed-tally/1"
PARTIAL_FORMAT = "unionvote-partial-decryption/1"


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True)
class SealedTally:
    """Everything needed to recompute a ballot's sealed tally: key, rule, scale, and every vote with its weight."""

    label: str
    trustees: tuple[TrusteePublic, ...]
    rule: SumRule
    scale: int
    bound: int  # the largest possible total of a slot: the voters' weight times the scale
    votes: tuple[tuple[SealedVote, int], ...]

    def tally(self) -> list[Ciphertext]:
        return weighted_tally([(vote.slots, weight) for vote, weight in self.votes], len(self.rule.coefficients))

    def as_dict(self) -> dict[str, Any]:
        return {"format": TALLY_FORMAT, "label": self.label, "trustees": [t.as_dict() for t in self.trustees],
                "rule": self.rule.as_dict(), "scale": self.scale, "bound": self.bound,
                "votes": [{"weight": w, "sealed": v.as_dict()} for v, w in self.votes],
                "tally": [c.as_dict() for c in self.tally()]}

    @classmethod
    def from_dict(cls, data: Any) -> SealedTally:
        if not isinstance(data, dict) or data.get("format") != TALLY_FORMAT:
            raise SealingError(f"This is not a sealed tally file ({TALLY_FORMAT}).")
        try:
            rule = SumRule.from_dict(data["rule"])
            trustees = tuple(TrusteePublic.from_dict(t, f"trustees[{i}]") for i, t in enumerate(data["trustees"]))
            votes = []
            for i, item in enumerate(data["votes"]):
                weight = item["weight"]
                if not isinstance(weight, int) or isinstance(weight, bool) or weight < 0:
                    raise SealingError(f"votes[{i}].weight is not a whole number, zero or more.")
                votes.append((SealedVote.from_dict(item["sealed"], rule, f"votes[{i}].sealed"), weight))
            label, scale, bound = data["label"], data["scale"], data["bound"]
        except (KeyError, TypeError) as exc:
            raise SealingError(f"The sealed tally file is missing or misshapes a field ({exc}).") from None
        if not isinstance(label, str) or not isinstance(scale, int) or not isinstance(bound, int) or scale < 1:
            raise SealingError("label, scale and bound must be a string and whole numbers.")
        return cls(label, trustees, rule, scale, bound, tuple(votes))

    def check(self, stated_tally: Sequence[Any] | None = None) -> list[Ciphertext]:
        """Check every trustee's key proof and every vote's proofs; recompute the tally (and match the stated one)."""
        for i, trustee in enumerate(self.trustees):
            trustee.check(f"trustees[{i}]")
        # Every vote's proofs, across the computer's cores when there are many (the same error, naming the vote).
        check_sealed_many(election_key(self.trustees), self.label, [vote for vote, _ in self.votes], self.rule)
        tally = self.tally()
        if stated_tally is not None and [c.as_dict() for c in tally] != list(stated_tally):
            raise SealingError("The stated tally is not the weighted sum of the votes.")
        return tally


def tally_hash(tally: Sequence[Ciphertext]) -> str:
    return hashlib.sha256(canonical([c.as_dict() for c in tally])).hexdigest()


def decrypt_tally(key: TrusteeKey, data: Any) -> dict[str, Any]:
    """A trustee's partial decryption of every slot of a checked tally, as a partial-decryption document."""
    if isinstance(data, dict) and data.get("format") == "unionvote-sliced-tally/1":  # a member ballot's slices
        from unionvote.sealing.slices import decrypt_sliced

        return decrypt_sliced(key, data)
    sealed = SealedTally.from_dict(data)
    public = key.public
    if public not in [t.public for t in sealed.trustees]:
        raise SealingError("Your key is not one of this ballot's trustees' keys.")
    tally = sealed.check(data.get("tally"))
    return {"format": PARTIAL_FORMAT, "label": sealed.label, "public_key": public.hex(),
            "tally_hash": tally_hash(tally),
            "partials": [key.partial_decrypt(ct, sealed.label).as_dict() for ct in tally]}


def read_partials(data: Any, label: str, tally: Sequence[Ciphertext], trustee: Point) -> list[PartialDecryption]:
    """Check a trustee's partial-decryption document against the tally it claims to decrypt."""
    if not isinstance(data, dict) or data.get("format") != PARTIAL_FORMAT:
        raise SealingError(f"This is not a partial decryption ({PARTIAL_FORMAT}).")
    if data.get("label") != label:
        raise SealingError(f"This partial decryption is for {data.get('label')!r}, not {label!r}.")
    if data.get("public_key") != trustee.hex():
        raise SealingError("This partial decryption was made with another trustee's key.")
    if data.get("tally_hash") != tally_hash(tally):
        raise SealingError("This partial decryption is of another tally (the votes changed since it was made).")
    items = data.get("partials")
    if not isinstance(items, list) or len(items) != len(tally):
        raise SealingError(f"A partial decryption needs one share per slot ({len(tally)}).")
    partials = []
    for j, (item, ct) in enumerate(zip(items, tally, strict=True)):
        partial = PartialDecryption.from_dict(item, f"partials[{j}]")
        partial.check(trustee, ct, label, f"partials[{j}]")
        partials.append(partial)
    return partials


def combine(tally: Sequence[Ciphertext], shares_by_trustee: Sequence[Sequence[PartialDecryption]],
            bound: int) -> list[int]:
    """Every slot's total (still multiplied by the scale), from every trustee's checked shares."""
    return [decrypt_total(ct, [shares[j].share for shares in shares_by_trustee], bound)
            for j, ct in enumerate(tally)]
