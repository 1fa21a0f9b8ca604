"""Appending to and reading the audit chain. Every domain records through `record`."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.audit.chain import EXPORTED_FIELDS, GENESIS_HASH, canonical_json, entry_hash
from unionvote.audit.models import AuditEntry, AuditHead
from unionvote.db import is_postgres, locked, utcnow

SYSTEM_SCOPE = "system"


def scope_of(kind: str, ident: int) -> str:
    """Scopes name what a chain is about: 'conference:3', 'ballot:12', 'consultation:1'."""
    return f"{kind}:{ident}"


def actor_of(user_id: int | None) -> str:
    return f"user:{user_id}" if user_id is not None else "system"


def _timestamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


async def record(
    session: AsyncSession, *, scope: str, actor: str, action: str, payload: dict[str, Any] | None = None
) -> AuditEntry:
    """Append one entry to `scope`'s chain inside the caller's transaction.

    Appends to one scope are serialised by locking its head row, so two writers can
    never both link to the same previous hash. Payloads carry internal ids only.
    """
    payload = payload or {}
    canonical_json(payload)  # refuse floats and odd types before touching the database
    upsert = pg_insert if is_postgres(session) else sqlite_insert
    await session.execute(
        upsert(AuditHead).values(scope=scope, seq=0, hash=GENESIS_HASH).on_conflict_do_nothing()
    )
    head = (await locked(session, select(AuditHead).where(AuditHead.scope == scope))).scalar_one()
    fields = {
        "seq": head.seq + 1,
        "at": _timestamp(utcnow()),
        "scope": scope,
        "actor": actor,
        "action": action,
        "payload": payload,
    }
    digest = entry_hash(head.hash, fields)
    entry = AuditEntry(**{**fields, "payload": canonical_json(payload).decode()}, prev_hash=head.hash, hash=digest)
    await session.execute(insert(AuditEntry).values(**entry.model_dump(exclude={"id"})))
    await session.execute(
        update(AuditHead).where(AuditHead.scope == scope).values(seq=fields["seq"], hash=digest)
    )
    return entry


async def head_of(session: AsyncSession, scope: str) -> AuditHead | None:
    return await session.get(AuditHead, scope)


async def scopes(session: AsyncSession) -> list[AuditHead]:
    return list((await session.execute(select(AuditHead).order_by(AuditHead.scope))).scalars())


def exported_line(entry: AuditEntry) -> str:
    row = {name: getattr(entry, name) for name in EXPORTED_FIELDS}
    row["payload"] = json.loads(entry.payload)
    return canonical_json(row).decode() + "\n"


async def export_lines(session: AsyncSession, scope: str, batch: int = 1000) -> AsyncIterator[str]:
    """Stream a scope's chain as JSON Lines in sequence order."""
    after = 0
    while True:
        rows = (
            await session.execute(
                select(AuditEntry)
                .where(AuditEntry.scope == scope, AuditEntry.seq > after)
                .order_by(AuditEntry.seq)
                .limit(batch)
            )
        ).scalars().all()
        if not rows:
            return
        for entry in rows:
            yield exported_line(entry)
        after = rows[-1].seq


async def stream_export(factory: Any, scope: str, upto_seq: int, batch: int = 1000) -> AsyncIterator[str]:
    """Like export_lines, up to a fixed head, one short transaction per batch.

    A download can be slow; on SQLite a transaction holds the write lock, so none may
    stay open for the length of a download.
    """
    after = 0
    while after < upto_seq:
        async with factory() as db:
            rows = (await db.execute(
                select(AuditEntry)
                .where(AuditEntry.scope == scope, AuditEntry.seq > after, AuditEntry.seq <= upto_seq)
                .order_by(AuditEntry.seq).limit(batch)
            )).scalars().all()
        if not rows:
            return
        for entry in rows:
            yield exported_line(entry)
        after = rows[-1].seq
