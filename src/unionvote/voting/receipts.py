"""Ballot tokens, content ids and tracker codes: the pieces that let a voter check their vote.

The voter's browser holds a random ballot token. The content row's id is an HMAC of
the ballot keyed by that token, so only the token's holder can find their content row;
the participation row keeps only a hash of the token, to recognise a retry. The
tracker is a hash of the content row itself, so anyone can recompute it from an export.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from fractions import Fraction

from unionvote.audit.chain import canonical_json
from unionvote.errors import RuleViolation
from unionvote.voting.rules import fraction_text

TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{22,128}")


def new_token() -> str:
    """A ballot token for a form rendered by the server (the no-JavaScript path)."""
    return secrets.token_urlsafe(24)


def check_token(token: str) -> str:
    if not isinstance(token, str) or not TOKEN_PATTERN.fullmatch(token):
        raise RuleViolation("The ballot token is missing or malformed: reload the ballot page and vote again.")
    return token


def token_hash(ballot_id: int, token: str) -> str:
    return hashlib.sha256(f"{ballot_id}:{token}".encode()).hexdigest()


def content_id(ballot_id: int, token: str) -> str:
    return hmac.new(token.encode(), f"ballot-content:{ballot_id}".encode(), hashlib.sha256).hexdigest()[:32]


def choice_text(choice: Sequence[str]) -> str:
    return canonical_json(list(choice)).decode()


def tracker_of(ballot_id: int, content: str, choice: Sequence[str], weight: Fraction) -> str:
    """SHA-256 of the canonical content row, first 60 bits in base32: 12 letters and digits."""
    row = {"ballot": ballot_id, "id": content, "choice": list(choice), "weight": fraction_text(weight)}
    digest = hashlib.sha256(canonical_json(row)).digest()
    return base64.b32encode(digest).decode()[:12]


def format_tracker(tracker: str) -> str:
    """ABCD-EFGH-IJKL: easier to read aloud and compare."""
    return "-".join(tracker[i:i + 4] for i in range(0, len(tracker), 4))
