"""'Sealed by the server': the server is the ballot's trustee, its key stored wrapped under a key never in the database.

The wrapping key comes from UNIONVOTE_SEALING_KEY, or the file named by UNIONVOTE_SEALING_KEY_FILE
(first line), or, with neither, is derived from the application's secret key (UNIONVOTE_SECRET_KEY,
itself kept outside the database). A dump, backup, WAL or log of the database alone opens no vote.

Wrapped form (ASCII): "w1:" + base64url without padding of (12-byte random nonce || AES-256-GCM
ciphertext of the 32-byte trustee secret || 16-byte tag); the associated data is
"unionvote sealing " + the ballot label, so a wrapped key copied to another ballot does not open.
The AES key is SHA-256("unionvote sealing key:" + the configured key string).
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from unionvote.sealing.group import SealingError
from unionvote.sealing.trustees import TrusteeKey

PREFIX = "w1:"
_configured: str | None = None


def configure(secret_key: str) -> None:
    """Called once by the app factory: the fallback when no sealing key is set in the environment."""
    global _configured  # noqa: PLW0603 - one process-wide setting, read at close and at first cast
    _configured = secret_key


def wrapping_key_string() -> str:
    key = os.environ.get("UNIONVOTE_SEALING_KEY", "")
    if not key and os.environ.get("UNIONVOTE_SEALING_KEY_FILE"):
        lines = Path(os.environ["UNIONVOTE_SEALING_KEY_FILE"]).read_text(encoding="utf-8").splitlines()
        key = lines[0].strip() if lines else ""
    key = key or _configured or os.environ.get("UNIONVOTE_SECRET_KEY", "")
    if len(key) < 32:
        raise SealingError("No sealing key is configured: set UNIONVOTE_SEALING_KEY (or UNIONVOTE_SEALING_KEY_FILE) "
                           "to a random string of at least 32 characters.")
    return key


def _aead() -> AESGCM:
    return AESGCM(hashlib.sha256(b"unionvote sealing key:" + wrapping_key_string().encode("utf-8")).digest())


def wrap(key: TrusteeKey, label: str) -> str:
    nonce = os.urandom(12)
    sealed = _aead().encrypt(nonce, key.secret.to_bytes(32, "big"), b"unionvote sealing " + label.encode("utf-8"))
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode("ascii")


def unwrap(wrapped: str, label: str) -> TrusteeKey:
    if not wrapped.startswith(PREFIX):
        raise SealingError("The server's trustee key is not in a form this version reads.")
    raw = base64.urlsafe_b64decode(wrapped[len(PREFIX):] + "=" * (-len(wrapped[len(PREFIX):]) % 4))
    try:
        secret = _aead().decrypt(raw[:12], raw[12:], b"unionvote sealing " + label.encode("utf-8"))
    except InvalidTag:
        raise SealingError("The server's sealing key does not open this ballot's trustee key: was "
                           "UNIONVOTE_SEALING_KEY changed while the ballot was open?") from None
    return TrusteeKey(int.from_bytes(secret, "big"))
