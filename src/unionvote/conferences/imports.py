"""Importing the register: bodies and delegates from CSV, all or nothing.

A file is checked completely before anything is written; then new rows go in with one
bulk INSERT and changed rows with one bulk UPDATE, so 5,000 delegates take a few queries.
Importing the same file again changes nothing and records nothing. Rows missing from
a file are left as they are: an import never removes anyone or touches accreditation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.audit.services import actor_of, record, scope_of
from unionvote.conferences.csvfiles import (
    BodyRow,
    DelegateRow,
    RegisterFileRejected,
    RowProblem,
    parse_bodies,
    parse_delegates,
)
from unionvote.conferences.register import AccreditationStatus, Body, Delegate, DelegateRole, Substitution
from unionvote.conferences.services import ConferenceError, lock_conference

BODY_FIELDS = ("name", "kind", "membership", "counted_on")
DELEGATE_FIELDS = ("name", "email", "mobile", "body_id", "role", "is_lead")


@dataclass(frozen=True)
class ImportSummary:
    added: int
    updated: int
    unchanged: int

    def __str__(self) -> str:
        return f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged"


def _changes(old: Any, new: dict[str, Any], fields: Iterable[str]) -> list[str]:
    return [name for name in fields if getattr(old, name) != new[name]]


async def _write(db: AsyncSession, model: Any, key: str, added: list[dict[str, Any]],
                 updated: list[dict[str, Any]]) -> dict[str, int]:
    """Bulk insert and update; returns the new rows' ids by their natural key."""
    ids: dict[str, int] = {}
    if added:
        result = await db.execute(insert(model).returning(model.id, getattr(model, key)), added)
        ids = {natural: ident for ident, natural in result.all()}
    if updated:
        await db.execute(update(model), updated)
    return ids


async def import_bodies(db: AsyncSession, conference_id: int, data: bytes, *, by: int | None) -> ImportSummary:
    await lock_conference(db, conference_id)
    rows: list[BodyRow] = parse_bodies(data)
    existing = {body.code: body for body in (await db.execute(
        select(Body.id, Body.code, *(getattr(Body, f) for f in BODY_FIELDS)).where(Body.conference_id == conference_id)
    )).all()}
    added, updated, changed = [], [], []
    for row in rows:
        values = {"name": row.name, "kind": row.kind, "membership": row.membership, "counted_on": row.counted_on}
        old = existing.get(row.code)
        if old is None:
            added.append({"conference_id": conference_id, "code": row.code, **values})
        elif fields := _changes(old, values, BODY_FIELDS):
            updated.append({"id": old.id, **values})
            changed.append({"body_id": old.id, "fields": fields})
    ids = await _write(db, Body, "code", added, updated)
    summary = ImportSummary(len(added), len(updated), len(rows) - len(added) - len(updated))
    if added or updated:
        await record(db, scope=scope_of("conference", conference_id), actor=actor_of(by), action="bodies.imported",
                     payload={"file_sha256": hashlib.sha256(data).hexdigest(), "added": sorted(ids.values()),
                              "updated": changed, "unchanged": summary.unchanged})
    return summary


def _final_values(row: DelegateRow, old: Any, body_ids: dict[str, int]) -> dict[str, Any]:
    is_lead = row.is_lead if row.is_lead is not None else bool(old is not None and old.is_lead)
    return {"name": row.name, "email": row.email, "mobile": row.mobile,
            "body_id": body_ids[row.body_code] if row.body_code else None, "role": row.role,
            "is_lead": is_lead and row.role == DelegateRole.DELEGATE}


async def _substituted_ids(db: AsyncSession, conference_id: int) -> set[int]:
    pairs = (await db.execute(select(Substitution.absent_delegate_id, Substitution.substitute_delegate_id)
                              .where(Substitution.conference_id == conference_id))).all()
    return {ident for pair in pairs for ident in pair}


def _cross_check(rows: list[DelegateRow], planned: dict[str, dict[str, Any]], existing: dict[str, Any],
                 in_substitution: set[int]) -> list[RowProblem]:
    """Rules that need the register as it stands: substitutions and one lead per body."""
    problems = []
    leads = {old.body_id: old.membership_number for old in existing.values()
             if old.is_lead and old.membership_number not in planned}
    for row in rows:
        old, new = existing.get(row.membership_number), planned[row.membership_number]
        if old is not None and old.id in in_substitution and (old.role, old.body_id) != (new["role"], new["body_id"]):
            problems.append(RowProblem(row.line, (
                f"membership number '{row.membership_number}' is part of a substitution, so their role and body "
                "cannot change",)))
        if new["is_lead"] and new["body_id"] in leads:
            problems.append(RowProblem(row.line, (
                f"body '{row.body_code}' already has a lead delegate, membership number "
                f"'{leads[new['body_id']]}', who is not in this file",)))
    return problems


async def import_delegates(db: AsyncSession, conference_id: int, data: bytes, *, by: int | None) -> ImportSummary:
    await lock_conference(db, conference_id)
    if (await db.execute(select(Delegate.id).where(Delegate.conference_id == conference_id,
                                                   Delegate.erased_at.is_not(None)).limit(1))).first():
        raise ConferenceError("This conference's personal data has been erased: its register cannot be "
                              "imported again.", 409)
    body_ids = {code: ident for ident, code in (await db.execute(
        select(Body.id, Body.code).where(Body.conference_id == conference_id))).all()}
    parsed = parse_delegates(data, set(body_ids))
    existing = {d.membership_number: d for d in (await db.execute(
        select(Delegate.id, Delegate.membership_number, *(getattr(Delegate, f) for f in DELEGATE_FIELDS))
        .where(Delegate.conference_id == conference_id)
    )).all()}
    planned = {row.membership_number: _final_values(row, existing.get(row.membership_number), body_ids)
               for row in parsed.rows}
    if problems := _cross_check(parsed.rows, planned, existing, await _substituted_ids(db, conference_id)):
        raise RegisterFileRejected(problems)
    added, updated, changed = [], [], []
    for row in parsed.rows:
        old, values = existing.get(row.membership_number), planned[row.membership_number]
        if old is None:
            added.append({"conference_id": conference_id, "membership_number": row.membership_number,
                          "status": AccreditationStatus.NOT_ACCREDITED.value, **values})
        elif fields := _changes(old, values, DELEGATE_FIELDS):
            updated.append({"id": old.id, **values})
            changed.append({"delegate_id": old.id, "fields": fields})
    ids = await _write(db, Delegate, "membership_number", added, updated)
    summary = ImportSummary(len(added), len(updated), len(parsed.rows) - len(added) - len(updated))
    if added or updated:
        await record(db, scope=scope_of("conference", conference_id), actor=actor_of(by),
                     action="delegates.imported",
                     payload={"file_sha256": hashlib.sha256(data).hexdigest(), "added": sorted(ids.values()),
                              "updated": changed, "unchanged": summary.unchanged})
    return summary


__all__ = ["ImportSummary", "RegisterFileRejected", "import_bodies", "import_delegates"]
