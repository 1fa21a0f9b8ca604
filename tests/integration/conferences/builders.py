"""Building a register the way staff would: CSV files, the accreditation desk, check-in."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from unionvote.audit.models import AuditEntry
from unionvote.conferences import accreditation, presence
from unionvote.conferences.imports import ImportSummary, import_bodies, import_delegates
from unionvote.conferences.register import Delegate
from unionvote.db import session_scope, utcnow

Factory = async_sessionmaker[AsyncSession]
STAFF = None  # actions by the system in these tests; accounts are not the point here


def csv_bytes(header: str, rows: list[str]) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def bodies_csv(*bodies: tuple[str, int]) -> bytes:
    return csv_bytes("code,name,kind,membership", [f"{code},Body {code},branch,{members}" for code, members in bodies])


def delegates_csv(*people: tuple[str, str, str] | tuple[str, str, str, str]) -> bytes:
    """(membership number, body code, role[, lead]) -> a delegates file with made-up names."""
    rows = [f"{p[0]},Person {p[0]},{p[0].lower()}@example.org,{p[1]},{p[2]},{p[3] if len(p) > 3 else ''}"
            for p in people]
    return csv_bytes("membership number,name,email,body code,role,lead", rows)


async def load(factory: Factory, conference_id: int, *, bodies: bytes, delegates: bytes
               ) -> tuple[ImportSummary, ImportSummary]:
    async with session_scope(factory) as db:
        return (await import_bodies(db, conference_id, bodies, by=STAFF),
                await import_delegates(db, conference_id, delegates, by=STAFF))


async def ids(factory: Factory, conference_id: int) -> dict[str, int]:
    async with session_scope(factory) as db:
        rows = await db.execute(select(Delegate.membership_number, Delegate.id)
                                .where(Delegate.conference_id == conference_id))
        return {number: ident for number, ident in rows.all()}


async def session_now(factory: Factory, conference_id: int, name: str = "Tuesday morning") -> int:
    now = utcnow()
    async with session_scope(factory) as db:
        session = await presence.add_business_session(db, conference_id, name=name, starts_at=now - timedelta(hours=1),
                                                      ends_at=now + timedelta(hours=2), by=STAFF)
        return session.id  # type: ignore[return-value]


async def accredit(factory: Factory, *delegate_ids: int) -> None:
    async with session_scope(factory) as db:
        for delegate_id in delegate_ids:
            await accreditation.accredit(db, delegate_id, note="union card seen", by=STAFF)


async def check_in(factory: Factory, session_id: int, *delegate_ids: int) -> None:
    async with session_scope(factory) as db:
        for delegate_id in delegate_ids:
            await presence.check_in(db, delegate_id, session_id, by=STAFF)


async def arrive(factory: Factory, session_id: int, *delegate_ids: int) -> None:
    """Accredited at the desk, then checked in to the session."""
    await accredit(factory, *delegate_ids)
    await check_in(factory, session_id, *delegate_ids)


async def audit_entries(factory: Factory, conference_id: int) -> list[tuple[str, dict[str, Any]]]:
    async with session_scope(factory) as db:
        rows = await db.execute(select(AuditEntry.action, AuditEntry.payload)
                                .where(AuditEntry.scope == f"conference:{conference_id}").order_by(AuditEntry.seq))
        return [(action, json.loads(payload)) for action, payload in rows.all()]
