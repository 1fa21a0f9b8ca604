"""People who log in, their sessions, second factors, API tokens and roles."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from unionvote.db import UTCDateTime, utcnow


class Role(StrEnum):
    """Roles held in one conference. The global admin is a flag on the user."""

    CAC = "cac"
    CHAIR = "chair"
    RETURNING_OFFICER = "returning_officer"
    TELLER = "teller"
    STAFF = "staff"
    DELEGATE = "delegate"
    OBSERVER = "observer"


ROLE_LABELS = {
    Role.CAC: "Conference arrangements committee",
    Role.CHAIR: "Chair",
    Role.RETURNING_OFFICER: "Returning officer",
    Role.TELLER: "Teller",
    Role.STAFF: "Union staff",
    Role.DELEGATE: "Delegate",
    Role.OBSERVER: "Observer",
}

# Holders of these roles must use two-factor authentication.
STAFF_ROLES = frozenset({Role.CAC, Role.CHAIR, Role.RETURNING_OFFICER, Role.STAFF})


def _when(**kw: object) -> Field:  # type: ignore[valid-type]
    return Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, **kw))


class User(SQLModel, table=True):
    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True, index=True)
    display_name: str = Field(max_length=200)
    password_hash: str | None = Field(default=None, max_length=255)
    is_admin: bool = False
    is_active: bool = True
    # Sealed under the second-factor key, which is kept outside the database (unionvote.secretbox).
    totp_secret: str | None = Field(default=None, max_length=200)
    totp_enabled: bool = False
    totp_last_step: int | None = None  # the newest 30-second step accepted: each is used once
    totp_failures: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    totp_locked_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    failed_logins: int = 0
    locked_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    created_at: datetime = _when()
    language: str | None = Field(default=None, max_length=8)  # the language they chose on their account page


class RecoveryCode(SQLModel, table=True):
    __tablename__ = "recovery_code"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    code_hash: str = Field(max_length=64)
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=100)
    prefix: str = Field(max_length=16)
    token_hash: str = Field(max_length=64, unique=True)
    # Space-separated: read, vote, manage. Tokens from before scopes existed kept all three.
    scopes: str = Field(default="read", max_length=64, sa_column_kwargs={"server_default": "read vote manage"})
    created_at: datetime = _when()
    expires_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    last_used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class UserSession(SQLModel, table=True):
    """A server-side login session. The cookie holds a random token; we keep its SHA-256."""

    __tablename__ = "user_session"

    id: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    mfa_verified: bool = False
    created_at: datetime = _when()
    last_seen_at: datetime = _when()
    expires_at: datetime = _when()
    # Set for a voting-code login: the session opens that conference's delegate pages and nothing else.
    conference_id: int | None = Field(default=None, foreign_key="conference.id", ondelete="CASCADE")


class RoleGrant(SQLModel, table=True):
    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("user_id", "conference_id", "role", name="uq_role_grant"),
                      Index("ix_role_grant_conference", "conference_id"))

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    conference_id: int = Field(foreign_key="conference.id", ondelete="CASCADE")
    role: str = Field(max_length=32)
    granted_by: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    granted_at: datetime = _when()


class OidcIdentity(SQLModel, table=True):
    """An account at the union's OpenID provider (issuer and subject) linked, deliberately, to one of ours."""

    __tablename__ = "oidc_identity"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_oidc_identity_subject"),
                      UniqueConstraint("user_id", "issuer", name="uq_oidc_identity_user_issuer"))

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    issuer: str = Field(max_length=500)
    subject: str = Field(max_length=255)
    linked_at: datetime = _when()
    last_used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
