"""Second-factor secrets sealed at rest under a key that is never stored in the database.

A stolen database or backup alone then yields no authenticator secret. The key comes from
UNIONVOTE_TOTP_KEYS (comma-separated, newest first) or the file named by UNIONVOTE_TOTP_KEY_FILE
(one key a line, newest first); with neither, it is derived from UNIONVOTE_SECRET_KEY, which is
itself kept outside the database (and generated into a local file in dev and demo mode).

Sealed form (ASCII): "s1:" + key id (8 hex digits: the first 4 bytes of SHA-256 of the AES key)
+ ":" + base64url without padding of (12-byte random nonce || AES-256-GCM ciphertext and 16-byte tag).
The associated data is "unionvote totp user:<user id>", so a sealed secret copied onto another
account does not open. Each configured key string becomes an AES key as SHA-256("unionvote totp key:"
+ key string). Values without the "s1:" prefix are secrets stored before sealing existed: they are
read as they are and sealed under the newest key the next time they are used.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SEALED_PREFIX = "s1:"


class SecretBoxError(RuntimeError):
    """A sealed value that no configured key opens (a key was removed before re-sealing)."""


def _aes_key(key_string: str) -> bytes:
    return hashlib.sha256(b"unionvote totp key:" + key_string.encode()).digest()


def _key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


def _context(user_id: int) -> bytes:
    return f"unionvote totp user:{user_id}".encode()


class SecretBox:
    def __init__(self, key_strings: list[str]) -> None:
        if not key_strings:
            raise ValueError("at least one key is needed")
        self._keys = [_aes_key(k) for k in key_strings]
        self._by_id = {_key_id(k): k for k in self._keys}
        self.current_id = _key_id(self._keys[0])

    def seal(self, secret: str, user_id: int) -> str:
        nonce = os.urandom(12)
        sealed = AESGCM(self._keys[0]).encrypt(nonce, secret.encode(), _context(user_id))
        body = base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode()
        return f"{SEALED_PREFIX}{self.current_id}:{body}"

    def open(self, stored: str, user_id: int) -> str:
        if not stored.startswith(SEALED_PREFIX):
            return stored  # stored before sealing existed
        key_id, _, body = stored[len(SEALED_PREFIX):].partition(":")
        key = self._by_id.get(key_id)
        if key is None:
            raise SecretBoxError(f"no configured second-factor key has id {key_id}")
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        try:
            return AESGCM(key).decrypt(raw[:12], raw[12:], _context(user_id)).decode()
        except InvalidTag as exc:
            raise SecretBoxError("a sealed second-factor secret does not open with its key") from exc

    def needs_resealing(self, stored: str) -> bool:
        return not stored.startswith(f"{SEALED_PREFIX}{self.current_id}:")


def keys_from_environment() -> list[str]:
    """The second-factor keys the environment names, newest first (none: derive from the secret key)."""
    listed = [k.strip() for k in os.environ.get("UNIONVOTE_TOTP_KEYS", "").split(",") if k.strip()]
    key_file = os.environ.get("UNIONVOTE_TOTP_KEY_FILE")
    if not listed and key_file:
        listed = [line.strip() for line in Path(key_file).read_text().splitlines()
                  if line.strip() and not line.startswith("#")]
    return listed


def box_for(totp_keys: tuple[str, ...], secret_key: str) -> SecretBox:
    return SecretBox(list(totp_keys) or [f"derived from the secret key:{secret_key}"])
