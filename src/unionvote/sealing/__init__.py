"""Sealed ballots: exponential ElGamal over secp256k1 with zero-knowledge proofs and a homomorphic tally.

`group` (points, scalars, encodings, challenges), `proofs` (Schnorr, Chaum-Pedersen, disjunctive
Chaum-Pedersen), `votes` (sealing and checking a vote, the weighted tally), `trustees` (keys,
partial decryptions, the discrete logarithm of a total). docs/audit-format.md, "Sealed ballots",
specifies every byte.
"""
