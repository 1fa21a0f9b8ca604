"""Password hashing, random tokens and TOTP: the primitives, no database."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import UTC, datetime

import pyotp
import segno
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from unionvote.i18n import _

# argon2id with the library's current recommended parameters (RFC 9106 low-memory profile).
_hasher = PasswordHasher()
# Verifying against this keeps the time of a login for an unknown email like a real one.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))

MIN_PASSWORD_LENGTH = 10
TOTP_ISSUER = "unionvote"
TOTP_VALID_WINDOW = 1  # accept the previous and next 30-second step for clock drift


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


def password_problem(password: str) -> str | None:
    """A plain-language reason a new password is not acceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("Use at least %(length)s characters.") % {"length": MIN_PASSWORD_LENGTH}
    if len(password) > 1024:
        return _("Use at most 1024 characters.")
    if len(set(password)) < 4:
        return _("Use a password with more different characters.")
    return None


def new_token(prefix: str = "", nbytes: int = 32) -> str:
    return prefix + secrets.token_urlsafe(nbytes)


def token_digest(token: str) -> str:
    """Random tokens are stored as SHA-256: they carry enough entropy not to need a slow hash."""
    return hashlib.sha256(token.encode()).hexdigest()


def digest_matches(token: str, digest: str) -> bool:
    return hmac.compare_digest(token_digest(token), digest)


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, account: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=TOTP_ISSUER)


def totp_qr_svg(uri: str) -> str:
    return segno.make(uri, error="m").svg_inline(scale=5, border=2, title="QR code for your authenticator app")


def verify_totp(secret: str, code: str) -> bool:
    return totp_step(secret, code) is not None


def totp_step(secret: str, code: str, *, after: int | None = None, now: float | None = None) -> int | None:
    """The 30-second step (RFC 6238) whose code this is, within the drift window, or None.

    Steps up to `after` are refused: each step is used once per account, and never an older one
    than the last accepted (RFC 6238 section 5.2), so a code seen over a shoulder or in a log is spent.
    """
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(datetime.fromtimestamp(time.time() if now is None else now, UTC))
    for step in range(current - TOTP_VALID_WINDOW, current + TOTP_VALID_WINDOW + 1):
        if (after is None or step > after) and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: easy to read from paper


def new_recovery_codes(count: int = 10) -> list[str]:
    def one() -> str:
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
        return f"{raw[:5]}-{raw[5:]}"

    return [one() for _ in range(count)]


def normalise_recovery_code(code: str) -> str:
    raw = "".join(ch for ch in code.lower() if ch in RECOVERY_ALPHABET)
    return f"{raw[:5]}-{raw[5:]}" if len(raw) == 10 else ""
