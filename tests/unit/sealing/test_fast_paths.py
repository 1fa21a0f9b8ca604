"""The sealing core's fast paths give exactly what the straightforward computation gives.

The reference here uses only coincurve's public methods (`from_secret`, `multiply`, `combine_keys`)
and the textbook equations of docs/audit-format.md, so a slip in a fast path shows as a byte that
differs, a proof that stops verifying, or a bad proof that passes.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from unittest import mock

import pytest
from coincurve import PublicKey

from unionvote.sealing import proofs, votes
from unionvote.sealing.group import (
    GENERATOR,
    IDENTITY,
    ORDER,
    FixedBase,
    Point,
    SealingError,
    challenge,
    multiplier_for,
    public_combination,
    u32,
)
from unionvote.sealing.proofs import Ciphertext, Proof, prove_range, verify_range
from unionvote.sealing.trustees import TrusteeKey
from unionvote.sealing.votes import SealedVote, SumRule, check_sealed, seal

LABEL = "ballot:42"


def scalar(i: int) -> int:
    return int.from_bytes(hashlib.sha256(f"fast paths {i}".encode()).digest(), "big") % ORDER


def ref_point(key: PublicKey | None) -> Point:
    return Point(key)


def ref_base(k: int) -> Point:
    k %= ORDER
    return ref_point(PublicKey.from_secret(k.to_bytes(32, "big"))) if k else IDENTITY


def ref_times(p: Point, k: int) -> Point:
    k %= ORDER
    if not k or p.key is None:
        return IDENTITY
    return ref_point(p.key.multiply(k.to_bytes(32, "big")))


def ref_sum(*points: Point) -> Point:
    keys = [p.key for p in points if p.key is not None]
    if not keys:
        return IDENTITY
    try:
        return ref_point(PublicKey.combine_keys(keys))
    except ValueError:
        return IDENTITY


def ref_commitments(key: Point, ct: Ciphertext, cs: Sequence[int], vs: Sequence[int], lo: int) -> list[Point]:
    """a_k = v_k·G - c_k·alpha and b_k = v_k·K - c_k·(beta - k·G), term by term."""
    out: list[Point] = []
    for k, c, v in zip(itertools.count(lo), cs, vs, strict=False):
        shifted = ref_sum(ct.beta, ref_base(-k))
        out.append(ref_sum(ref_base(v), ref_times(ct.alpha, -c)))
        out.append(ref_sum(ref_times(key, v), ref_times(shifted, -c)))
    return out


def ref_prove(key: Point, ct: Ciphertext, m: int, r: int, lo: int, hi: int, tag: str, label: str,
              context: Sequence[bytes | Point], draw: Iterator[int]) -> Proof:
    """The disjunctive proof as the format page states it, drawing w, then c_k and v_k per simulated branch."""
    w = next(draw)
    cs: list[int] = []
    vs: list[int] = []
    commitments: list[Point] = []
    for k in range(lo, hi + 1):
        if k == m:
            cs.append(0)
            vs.append(0)
            commitments += [ref_base(w), ref_times(key, w)]
        else:
            c, v = next(draw), next(draw)
            cs.append(c)
            vs.append(v)
            commitments += ref_commitments(key, ct, [c], [v], k)
    total = challenge(tag, label, key, *context, ct.alpha, ct.beta, u32(lo), u32(hi), *commitments)
    i = m - lo
    cs[i] = (total - sum(cs)) % ORDER
    vs[i] = (w + cs[i] * r) % ORDER
    return Proof(tuple(cs), tuple(vs))


def ref_verify(key: Point, ct: Ciphertext, proof: Proof, lo: int, hi: int, tag: str, label: str,
               context: Sequence[bytes | Point]) -> bool:
    commitments = ref_commitments(key, ct, proof.challenges, proof.responses, lo)
    total = challenge(tag, label, key, *context, ct.alpha, ct.beta, u32(lo), u32(hi), *commitments)
    return len(proof.challenges) == hi - lo + 1 and sum(proof.challenges) % ORDER == total


@contextmanager
def fixed_draws(start: int) -> Iterator[None]:
    counter = itertools.count(start)

    def draw() -> int:
        return scalar(next(counter))

    with mock.patch.object(proofs, "random_scalar", draw), mock.patch.object(votes, "random_scalar", draw):
        yield


KEY = TrusteeKey(scalar(0)).public
EDGE_SCALARS = [0, 1, 2, 255, 256, 257, 2**64, 2**255 % ORDER, ORDER - 1, ORDER - 256, int("ff" * 32, 16) % ORDER,
                int("0100" * 16, 16), scalar(1), scalar(2)]


@pytest.mark.parametrize("u", EDGE_SCALARS)
def test_the_election_keys_table_multiplies_like_the_library(u: int) -> None:
    table = FixedBase(KEY)
    assert table.times(u).to_bytes() == ref_times(KEY, u).to_bytes()
    assert table.times(-u).to_bytes() == ref_times(KEY, -u).to_bytes()


def test_a_point_is_given_its_table_only_once_it_is_asked_for_again_and_again() -> None:
    point = ref_base(scalar(3))
    assert multiplier_for(point) is point
    assert multiplier_for(point) is point
    table = multiplier_for(point)
    assert isinstance(table, FixedBase)
    assert multiplier_for(point) is table
    assert multiplier_for(IDENTITY) is IDENTITY
    with pytest.raises(SealingError):
        FixedBase(IDENTITY)


@pytest.mark.parametrize(("u", "t"), [*itertools.product(EDGE_SCALARS[:6] + EDGE_SCALARS[-4:], repeat=2)])
def test_u_p_plus_t_g_in_one_call_is_the_sum_of_two_multiplications(u: int, t: int) -> None:
    for p in (KEY, -KEY, GENERATOR, ref_base(scalar(4))):
        assert public_combination(p, u, t).to_bytes() == ref_sum(ref_times(p, u), ref_base(t)).to_bytes()


def test_u_p_plus_t_g_at_the_point_at_infinity() -> None:
    p = ref_base(5)
    assert public_combination(p, 3, -15) == IDENTITY  # 3·5G - 15G
    assert public_combination(GENERATOR, 1, -1) == IDENTITY
    assert public_combination(IDENTITY, 7, 2) == ref_base(2)
    assert public_combination(p, 0, 0) == IDENTITY


@pytest.mark.parametrize(("lo", "hi", "m"), [(0, 1, 0), (0, 1, 1), (1, 2, 1), (1, 2, 2), (1, 1, 1), (0, 4, 3),
                                             (1, 3, 1)])
def test_a_range_proof_is_byte_for_byte_the_textbook_one(lo: int, hi: int, m: int) -> None:
    r = scalar(10 + m)
    ct = Ciphertext(ref_base(r), ref_sum(ref_times(KEY, r), ref_base(m)))
    context = (u32(3),)
    with fixed_draws(100):
        fast = prove_range(KEY, ct, m, r, lo, hi, "slot", LABEL, context)
    reference = ref_prove(KEY, ct, m, r, lo, hi, "slot", LABEL, context, (scalar(i) for i in itertools.count(100)))
    assert fast.as_dict() == reference.as_dict()
    assert ref_verify(KEY, ct, fast, lo, hi, "slot", LABEL, context)
    for _ in range(4):  # past the table's threshold as well
        assert verify_range(KEY, ct, fast, lo, hi, "slot", LABEL, context)


@pytest.mark.parametrize(("rule", "selection"), [
    (SumRule.exactly(3), [0, 1, 0]),
    (SumRule.exactly(5), [0, 0, 0, 0, 1]),
    (SumRule.up_to(5, 2), [1, 0, 0, 1, 0, 0]),
    (SumRule.up_to(5, 2), [0, 0, 0, 0, 0, 1]),
    (SumRule.up_to(5, 3), [0, 1, 0, 0, 0, 0]),
])
def test_a_sealed_vote_is_byte_for_byte_the_textbook_one(rule: SumRule, selection: list[int]) -> None:
    with fixed_draws(1000):
        fast = seal(KEY, LABEL, selection, rule)
    draw = (scalar(i) for i in itertools.count(1000))
    slots, rs, slot_proofs = [], [], []
    for j, m in enumerate(selection):
        r = next(draw)
        ct = Ciphertext(ref_base(r), ref_sum(ref_times(KEY, r), ref_base(m)))
        slot_proofs.append(ref_prove(KEY, ct, m, r, 0, 1, "slot", LABEL, (u32(j),), draw))
        slots.append(ct)
        rs.append(r)
    weighted = [Ciphertext(ref_times(c.alpha, k), ref_times(c.beta, k)) for c, k in zip(slots, rule.coefficients,
                                                                                          strict=True)]
    combined = Ciphertext(ref_sum(*(c.alpha for c in weighted)), ref_sum(*(c.beta for c in weighted)))
    context: list[bytes | Point] = [u32(len(slots))]
    for ct in slots:
        context += [ct.alpha, ct.beta]
    total = sum(k * m for k, m in zip(rule.coefficients, selection, strict=True))
    r_total = sum(k * r for k, r in zip(rule.coefficients, rs, strict=True)) % ORDER
    sum_proof = ref_prove(KEY, combined, total, r_total, rule.lo, rule.hi, "sum", LABEL, context, draw)
    reference = SealedVote(tuple(slots), tuple(slot_proofs), sum_proof)
    assert fast.canonical_bytes() == reference.canonical_bytes()
    assert ref_verify(KEY, combined, fast.sum_proof, rule.lo, rule.hi, "sum", LABEL, context)
    check_sealed(KEY, LABEL, fast, rule)


def test_a_weight_beyond_the_repeated_sum_is_multiplied_and_gives_the_same_total() -> None:
    rule = SumRule((1, 40, 3), 0, 44)
    ct = [Ciphertext(ref_base(scalar(20 + j)), ref_base(scalar(30 + j))) for j in range(3)]
    expected = Ciphertext(ref_sum(*(ref_times(c.alpha, k) for c, k in zip(ct, rule.coefficients, strict=True))),
                          ref_sum(*(ref_times(c.beta, k) for c, k in zip(ct, rule.coefficients, strict=True))))
    assert votes._weighted_total(rule, ct) == expected  # noqa: SLF001 - the function under test


def test_the_fast_verifier_agrees_with_the_textbook_one_on_every_tampered_proof() -> None:
    """A bad proof among many honest ones is refused, whichever scalar is off and whether or not the table is in use."""
    rule = SumRule.exactly(2)
    sealed = [seal(KEY, LABEL, [j % 2, 1 - j % 2], rule) for j in range(6)]
    for vote in sealed:
        for j, (ct, proof) in enumerate(zip(vote.slots, vote.slot_proofs, strict=True)):
            assert verify_range(KEY, ct, proof, 0, 1, "slot", LABEL, (u32(j),))
    victim = sealed[3]
    ct, proof = victim.slots[1], victim.slot_proofs[1]
    for field, index in itertools.product(("challenges", "responses"), (0, 1)):
        values = list(getattr(proof, field))
        values[index] = (values[index] + 1) % ORDER
        bad = Proof(**{"challenges": proof.challenges, "responses": proof.responses, field: tuple(values)})
        assert not ref_verify(KEY, ct, bad, 0, 1, "slot", LABEL, (u32(1),))
        assert not verify_range(KEY, ct, bad, 0, 1, "slot", LABEL, (u32(1),))
        with pytest.raises(SealingError, match="slot 1"):
            check_sealed(KEY, LABEL, SealedVote(victim.slots, (victim.slot_proofs[0], bad), victim.sum_proof), rule)
    shifted = Ciphertext(ct.alpha, ct.beta + GENERATOR)  # the same proof on a ciphertext of m + 1
    assert not verify_range(KEY, shifted, proof, 0, 1, "slot", LABEL, (u32(1),))
    for vote in sealed:
        check_sealed(KEY, LABEL, vote, rule)


@pytest.mark.parametrize("processes", [1, 2, 3])
def test_checking_many_votes_across_processes_names_the_first_bad_one(processes: int,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(votes, "_VOTES_PER_PROCESS", 2)  # split even a short list
    rule = SumRule.up_to(3, 2)
    sealed = [seal(KEY, LABEL, [1, 0, j % 2, 0] if j % 3 else [0, 0, 0, 1], rule) for j in range(9)]
    votes.check_sealed_many(KEY, LABEL, sealed, rule, processes=processes)
    bad = list(sealed)
    data = bad[7].as_dict()
    data["slot_proofs"][2]["responses"][1] = f"{5:064x}"
    bad[7] = SealedVote.from_dict(data, rule)
    bad[8] = SealedVote(bad[8].slots, bad[8].slot_proofs, bad[0].sum_proof)
    with pytest.raises(SealingError, match=r"^votes\[7\]: slot 2: the proof"):
        votes.check_sealed_many(KEY, LABEL, bad, rule, processes=processes)
    bad[1] = SealedVote(bad[1].slots, bad[1].slot_proofs, bad[0].sum_proof)
    with pytest.raises(SealingError, match=r"^papers\[1\]: the proof that the choices are allowed"):
        votes.check_sealed_many(KEY, LABEL, bad, rule, processes=processes, what="papers")
