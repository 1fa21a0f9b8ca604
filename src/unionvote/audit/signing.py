"""Ed25519 signatures over heads statements and export manifests (RFC 8032, through `cryptography`).

Keys: a private key is a PEM file (PKCS #8, unencrypted, kept off the server by the returning
officer; the server's own in UNIONVOTE_SIGNING_KEY_FILE); a public key is written as the 64
lowercase hex characters of its 32 raw bytes. A signature is 128 hex characters (64 bytes).
What is signed: the exact bytes of `manifest.json`, or `canonical_json(statement)` for a heads
statement. docs/audit-format.md ("Signatures") states every byte.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from unionvote.audit.chain import canonical_json, strict_loads

HEADS_FORMAT = "unionvote-heads/1"
SIGNATURES_FORMAT = "unionvote-signatures/1"
SIGNATURES_FILE = "manifest.signatures.json"  # beside manifest.json; the manifest cannot list its own signature
PUBLIC_KEY = re.compile(r"[0-9a-f]{64}")
SIGNATURE = re.compile(r"[0-9a-f]{128}")


class KeyUnusable(ValueError):
    """A key file or public key that cannot be used, said so a person can fix it."""


class SignatureProblem(ValueError):
    """A signature that is missing, malformed or does not verify."""


def new_private_key_pem() -> tuple[bytes, str]:
    """A fresh key: (PEM to keep secret, public key in hex to publish)."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return pem, public_hex(key)


def write_new_key(path: Path) -> str:
    """Write a new private key to `path` (readable by its owner only); return the public key."""
    pem, public = new_private_key_pem()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    return public


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as exc:
        raise KeyUnusable(f"the key file {path} cannot be read ({exc.strerror})") from None
    except (ValueError, TypeError):
        raise KeyUnusable(f"{path} is not an unencrypted PEM private key (make one with 'unionvote audit keygen')"
                          ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyUnusable(f"{path} holds a key that is not Ed25519")
    return key


def public_hex(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def checked_public_key(text: str) -> str:
    value = text.strip().lower()
    if not PUBLIC_KEY.fullmatch(value):
        raise KeyUnusable(f"{text!r} is not a public key (64 hexadecimal characters)")
    return value


def sign(key: Ed25519PrivateKey, message: bytes) -> dict[str, str]:
    return {"public_key": public_hex(key), "signature": key.sign(message).hex()}


def signed_by(signatures: Any, public: str, message: bytes) -> str | None:
    """None when `signatures` holds a valid signature by `public` over `message`; else what is wrong."""
    if not isinstance(signatures, list):
        return "the signatures are not a list"
    found = [s for s in signatures if isinstance(s, dict) and s.get("public_key") == public]
    if not found:
        return f"there is no signature by the key {public}"
    for entry in found:
        signature = entry.get("signature")
        if not isinstance(signature, str) or not SIGNATURE.fullmatch(signature):
            return f"the signature by {public} is not 128 lowercase hexadecimal characters"
        try:
            Ed25519PublicKey.from_public_bytes(bytes.fromhex(public)).verify(bytes.fromhex(signature), message)
        except (InvalidSignature, ValueError):
            return f"the signature by {public} does not verify: what it signed has changed, or it was forged"
    return None


# ---- heads statements -----------------------------------------------------------------------------


def heads_statement(heads: list[tuple[str, int, str]], issued_at: str) -> dict[str, Any]:
    return {"format": HEADS_FORMAT, "issued_at": issued_at,
            "heads": [{"scope": scope, "entries": entries, "head": head} for scope, entries, head in sorted(heads)]}


def signed_statement(statement: dict[str, Any], keys: list[Ed25519PrivateKey]) -> bytes:
    message = canonical_json(statement)
    return canonical_json({"statement": statement, "signatures": [sign(key, message) for key in keys]}) + b"\n"


@dataclass
class StatementRead:
    heads: list[tuple[str, str]]  # (scope, head)
    checked: list[str]  # the public keys whose signatures verified
    unchecked: int  # signatures present but not asked for


def read_statement(text: str, keys: list[str]) -> StatementRead:
    """A signed heads statement; every key in `keys` must have signed it. Raises SignatureProblem."""
    try:
        document = strict_loads(text)
        statement, signatures = document["statement"], document["signatures"]
        heads = [(h["scope"], h["head"]) for h in statement["heads"]]
        assert statement["format"] == HEADS_FORMAT
    except (ValueError, KeyError, TypeError, AssertionError):
        raise SignatureProblem(f"not a heads statement ({HEADS_FORMAT}) with its signatures") from None
    message = canonical_json(statement)
    for public in keys:
        problem = signed_by(signatures, public, message)
        if problem:
            raise SignatureProblem(f"the heads statement: {problem}")
    unchecked = len([s for s in signatures if isinstance(s, dict) and s.get("public_key") not in keys])
    return StatementRead(heads, list(keys), unchecked)


# ---- export manifests -----------------------------------------------------------------------------


def add_manifest_signature(root: Path, key: Ed25519PrivateKey) -> int:
    """Sign `root/manifest.json` into `root/manifest.signatures.json`; return how many signatures it now has."""
    manifest = (root / "manifest.json").read_bytes()
    path = root / SIGNATURES_FILE
    signatures: list[dict[str, str]] = []
    if path.is_file():
        existing = strict_loads(path.read_text(encoding="utf-8"))
        signatures = [s for s in existing.get("signatures", []) if s.get("public_key") != public_hex(key)]
    signatures.append(sign(key, manifest))
    document = {"format": SIGNATURES_FORMAT, "signed": "manifest.json", "signatures": signatures}
    path.write_bytes(canonical_json(document) + b"\n")
    return len(signatures)


def manifest_signature_problem(root: Path, public: str) -> str | None:
    path = root / SIGNATURES_FILE
    if not path.is_file():
        return f"{SIGNATURES_FILE} is missing, so the manifest carries no signature by {public}"
    try:
        document = strict_loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return f"{SIGNATURES_FILE} is not valid JSON"
    if not isinstance(document, dict) or document.get("format") != SIGNATURES_FORMAT or document.get(
            "signed") != "manifest.json":
        return f"{SIGNATURES_FILE} is not a {SIGNATURES_FORMAT} document over manifest.json"
    if path.read_bytes() != canonical_json(document) + b"\n":
        return f"{SIGNATURES_FILE} is not written in canonical JSON followed by one newline"
    return signed_by(document.get("signatures"), public, (root / "manifest.json").read_bytes())
