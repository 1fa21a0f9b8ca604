"""What the account API accepts and returns. Input is validated here, never by table models."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from unionvote.accounts.models import Role


class LoginInput(msgspec.Struct, forbid_unknown_fields=True):
    email: str = msgspec.field()
    password: str
    totp_code: str | None = None


class NewUser(msgspec.Struct, forbid_unknown_fields=True):
    email: str
    display_name: str
    password: str | None = None
    is_admin: bool = False


class RoleInput(msgspec.Struct, forbid_unknown_fields=True):
    conference_id: int
    role: Role


TokenScope = Literal["read", "vote", "manage"]


class NewToken(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    # read: GET requests; vote: cast votes, check in and out; manage: every other change.
    scopes: list[TokenScope] = msgspec.field(default_factory=lambda: ["read"])
    days: Annotated[int, msgspec.Meta(ge=1, le=365)] = 90  # then the token stops working


class PasswordChange(msgspec.Struct, forbid_unknown_fields=True):
    current_password: str
    new_password: str


class RoleOut(msgspec.Struct):
    grant_id: int
    conference_id: int
    role: str


class UserOut(msgspec.Struct):
    id: int
    email: str
    display_name: str
    is_admin: bool
    is_active: bool
    totp_enabled: bool
    roles: list[RoleOut] = []


class TokenOut(msgspec.Struct):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class NewTokenOut(msgspec.Struct):
    id: int
    name: str
    token: str
    scopes: list[str]
    expires_at: datetime | None


class SessionOut(msgspec.Struct):
    user: UserOut
    second_factor_needed: bool


class TotpCode(msgspec.Struct, forbid_unknown_fields=True):
    code: str


class TotpEnrolment(msgspec.Struct):
    secret: str
    otpauth_uri: str


class RecoveryCodesOut(msgspec.Struct):
    recovery_codes: list[str]
