"""The sealing core: encodings, sealed votes and their proofs, the weighted tally, trustees and decryption."""

from __future__ import annotations

from fractions import Fraction

import pytest

from unionvote.sealing.group import GENERATOR, IDENTITY, ORDER, Point, SealingError, challenge, scalar_from_hex
from unionvote.sealing.proofs import Ciphertext, Proof, prove_range, verify_range
from unionvote.sealing.trustees import (
    TrusteeKey,
    TrusteePublic,
    decrypt_total,
    discrete_log,
    election_key,
)
from unionvote.sealing.votes import SealedVote, SumRule, check_sealed, seal, weight_scale, weighted_tally

LABEL = "conference:1/ballot:7"


def test_the_generator_and_its_small_multiples_are_the_published_secp256k1_points() -> None:
    # SEC 2 gives G; 2G and 3G are the widely published multiples.
    assert GENERATOR.hex() == "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
    assert Point.base_times(2).hex() == "02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5"
    assert Point.base_times(3).hex() == "02f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9"
    assert (GENERATOR + GENERATOR) == Point.base_times(2)
    assert Point.base_times(ORDER - 1) + GENERATOR == IDENTITY
    assert -Point.base_times(5) == Point.base_times(ORDER - 5)


def test_bad_encodings_are_refused_with_a_reason() -> None:
    with pytest.raises(SealingError, match="66 characters"):
        Point.from_hex("02" * 10)
    with pytest.raises(SealingError, match="not hexadecimal"):
        Point.from_hex("zz" * 33)
    with pytest.raises(SealingError, match="identity"):
        Point.from_hex("00" * 33)
    assert Point.from_hex("00" * 33, identity_ok=True) == IDENTITY
    with pytest.raises(SealingError, match="02 or 03"):
        Point.from_hex("04" + "11" * 32)
    with pytest.raises(SealingError, match="not a point"):
        Point.from_hex("02" + "ff" * 32)
    with pytest.raises(SealingError, match="below the group order"):
        scalar_from_hex(ORDER.to_bytes(32, "big").hex(), "v")


def test_challenges_are_separated_by_tag_label_and_framing() -> None:
    assert challenge("slot", LABEL, b"ab", b"c") != challenge("sum", LABEL, b"ab", b"c")
    assert challenge("slot", LABEL, b"ab", b"c") != challenge("slot", "conference:1/ballot:8", b"ab", b"c")
    assert challenge("slot", LABEL, b"ab", b"c") != challenge("slot", LABEL, b"a", b"bc")


def trustees(n: int = 2) -> tuple[list[TrusteeKey], Point]:
    keys = [TrusteeKey.generate() for _ in range(n)]
    return keys, election_key([k.published() for k in keys])


@pytest.mark.parametrize(("rule", "selection"), [
    (SumRule.exactly(3), [0, 0, 1]),
    (SumRule.exactly(2), [1, 0]),
    (SumRule.up_to(4, 2), [1, 0, 1, 0, 0]),
    (SumRule.up_to(4, 2), [0, 0, 0, 0, 1]),  # blank
])
def test_an_honest_sealed_vote_verifies_and_survives_its_own_encoding(rule: SumRule, selection: list[int]) -> None:
    _, key = trustees()
    vote = seal(key, LABEL, selection, rule)
    again = SealedVote.from_dict(vote.as_dict(), rule)
    check_sealed(key, LABEL, again, rule)
    assert again.tracker() == vote.tracker()


def test_a_vote_sealed_for_one_ballot_does_not_verify_on_another_or_under_another_key() -> None:
    _, key = trustees()
    rule = SumRule.exactly(3)
    vote = seal(key, LABEL, [1, 0, 0], rule)
    with pytest.raises(SealingError, match="slot 0"):
        check_sealed(key, "conference:1/ballot:8", vote, rule)
    _, other = trustees()
    with pytest.raises(SealingError, match="slot 0"):
        check_sealed(other, LABEL, vote, rule)


def test_the_method_refuses_a_selection_it_does_not_allow() -> None:
    _, key = trustees()
    with pytest.raises(SealingError, match="not allowed"):
        seal(key, LABEL, [1, 1, 0], SumRule.exactly(3))
    with pytest.raises(SealingError, match="not allowed"):
        seal(key, LABEL, [1, 0, 0, 0, 1], SumRule.up_to(4, 2))  # an option and blank
    with pytest.raises(SealingError, match="not allowed"):
        seal(key, LABEL, [1, 1, 1, 0, 0], SumRule.up_to(4, 2))


def test_a_ciphertext_of_two_cannot_carry_a_valid_zero_or_one_proof() -> None:
    _, key = trustees()
    r = 12345
    ct = Ciphertext(Point.base_times(r), key.times(r) + Point.base_times(2))
    for pretend in (0, 1):  # the prover lies about m; the equations do not close
        forged = prove_range(key, ct, pretend, r, 0, 1, "slot", LABEL, (b"\0\0\0\0",))
        assert not verify_range(key, ct, forged, 0, 1, "slot", LABEL, (b"\0\0\0\0",))


def test_swapping_two_slots_or_moving_a_proof_breaks_the_vote() -> None:
    _, key = trustees()
    rule = SumRule.exactly(3)
    vote = seal(key, LABEL, [1, 0, 0], rule)
    swapped = SealedVote((vote.slots[1], vote.slots[0], vote.slots[2]),
                         (vote.slot_proofs[1], vote.slot_proofs[0], vote.slot_proofs[2]), vote.sum_proof)
    with pytest.raises(SealingError, match="slot 0"):
        check_sealed(key, LABEL, swapped, rule)
    other = seal(key, LABEL, [0, 1, 0], rule)
    mixed = SealedVote(vote.slots, vote.slot_proofs, other.sum_proof)
    with pytest.raises(SealingError, match="allowed by the ballot's method"):
        check_sealed(key, LABEL, mixed, rule)
    data = vote.as_dict()
    data["slot_proofs"][2]["responses"][0] = f"{7:064x}"
    with pytest.raises(SealingError, match="slot 2"):
        check_sealed(key, LABEL, SealedVote.from_dict(data, rule), rule)


def test_a_weighted_tally_decrypted_by_every_trustee_gives_the_card_vote_totals() -> None:
    keys, key = trustees(3)
    rule = SumRule.exactly(3)
    weights = [Fraction(1200), Fraction(351, 2), Fraction(175), Fraction(1, 3), Fraction(2, 3)]
    choices = [0, 1, 1, 2, 0]
    scale = weight_scale(weights)
    assert scale == 6
    sealed = [(seal(key, LABEL, [int(j == c) for j in range(3)], rule).slots, int(w * scale))
              for w, c in zip(weights, choices, strict=True)]
    tally = weighted_tally(sealed, 3)
    totals = []
    for ct in tally:
        partials = [k.partial_decrypt(ct, LABEL) for k in keys]
        for i, (k, p) in enumerate(zip(keys, partials, strict=True)):
            p.check(k.public, ct, LABEL, f"trustee {i}")
        totals.append(Fraction(decrypt_total(ct, [p.share for p in partials], 2000 * scale), scale))
    assert totals == [Fraction(1200) + Fraction(2, 3), Fraction(701, 2), Fraction(1, 3)]


def test_an_empty_tally_decrypts_to_zero_and_a_missing_trustee_gives_nonsense() -> None:
    keys, key = trustees(2)
    empty = weighted_tally([], 2)
    assert [decrypt_total(ct, [k.partial_decrypt(ct, LABEL).share for k in keys], 10) for ct in empty] == [0, 0]
    vote = seal(key, LABEL, [1, 0], SumRule.exactly(2))
    with pytest.raises(SealingError, match="not a whole number"):
        decrypt_total(vote.slots[0], [keys[0].partial_decrypt(vote.slots[0], LABEL).share], 1000)


def test_a_partial_decryption_with_the_wrong_key_or_share_is_caught() -> None:
    keys, key = trustees(2)
    ct = seal(key, LABEL, [1, 0], SumRule.exactly(2)).slots[0]
    partial = keys[0].partial_decrypt(ct, LABEL)
    with pytest.raises(SealingError, match="trustee 1"):
        partial.check(keys[1].public, ct, LABEL, "trustee 1")
    with pytest.raises(SealingError, match="correct decryption"):
        type(partial)(partial.share + GENERATOR, partial.proof).check(keys[0].public, ct, LABEL, "t")
    with pytest.raises(SealingError):
        partial.check(keys[0].public, ct, "conference:1/ballot:8", "t")


def test_a_trustee_key_file_round_trips_and_its_proof_of_knowledge_checks() -> None:
    key = TrusteeKey.generate()
    data = key.key_file()
    assert TrusteeKey.from_key_file(data) == key
    published = TrusteePublic.from_dict({"public_key": data["public_key"], "proof": data["proof"]})
    published.check()
    other = TrusteeKey.generate().published()
    with pytest.raises(SealingError, match="proof of knowledge"):
        TrusteePublic(other.public, published.proof).check()
    with pytest.raises(SealingError, match="does not match"):
        TrusteeKey.from_key_file({**data, "public_key": other.public.hex()})
    with pytest.raises(SealingError, match="not a unionvote trustee key"):
        TrusteeKey.from_key_file({"kind": "something else"})
    bad = Proof((1,), (2,))
    with pytest.raises(SealingError):
        TrusteePublic(published.public, bad).check()


@pytest.mark.parametrize("m", [0, 1, 2, 999, 1000, 1_234_567, 5_000_000])
def test_baby_step_giant_step_finds_totals_up_to_millions(m: int) -> None:
    assert discrete_log(Point.base_times(m), 5_000_000) == m


def test_a_total_beyond_the_bound_is_refused() -> None:
    with pytest.raises(SealingError, match="between 0 and 100"):
        discrete_log(Point.base_times(101), 100)
