"""The audit chain: append-only, hash-linked entries per scope."""

from __future__ import annotations

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class AuditEntry(SQLModel, table=True):
    """One link in a scope's chain. `at` and `payload` are kept exactly as hashed."""

    __tablename__ = "audit_entry"
    __table_args__ = (UniqueConstraint("scope", "seq", name="uq_audit_scope_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=64, index=True)
    seq: int
    at: str = Field(max_length=32)
    actor: str = Field(max_length=64)
    action: str = Field(max_length=64)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class AuditHead(SQLModel, table=True):
    """The latest link of each scope; its row is locked to serialise appends."""

    __tablename__ = "audit_head"

    scope: str = Field(primary_key=True, max_length=64)
    seq: int
    hash: str = Field(max_length=64)
