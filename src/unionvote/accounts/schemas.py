"""What the account API accepts and returns. Input is validated here, never by table models."""

from __future__ import annotations

from datetime import datetime

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


class NewToken(msgspec.Struct, forbid_unknown_fields=True):
    name: str


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
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class NewTokenOut(msgspec.Struct):
    id: int
    name: str
    token: str


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
