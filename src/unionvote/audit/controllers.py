"""Reading the audit trail: scope heads and JSON Lines exports, as pages and API."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import msgspec
from litestar import Controller, Request, get
from litestar.response import Stream, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.accounts.models import Role
from unionvote.audit import services
from unionvote.auth import CurrentUser, requires_audit_reader
from unionvote.errors import RuleViolation
from unionvote.voting.models import Ballot
from unionvote.web import page


class ScopeHead(msgspec.Struct):
    scope: str
    entries: int
    head: str


async def _conferences_of(db: AsyncSession, scopes: list[str]) -> dict[str, int]:
    """The conference each readable-by-conference scope belongs to: its own, or its ballot's."""
    found: dict[str, int] = {}
    ballot_ids: dict[int, str] = {}
    for scope in scopes:
        kind, _, ident = scope.partition(":")
        if ident.isdigit() and kind == "conference":
            found[scope] = int(ident)
        elif ident.isdigit() and kind == "ballot":
            ballot_ids[int(ident)] = scope
    if ballot_ids:
        rows = await db.execute(select(Ballot.id, Ballot.conference_id).where(Ballot.id.in_(ballot_ids)))
        for ballot_id, conference_id in rows:
            found[ballot_ids[ballot_id]] = conference_id
    return found


async def readable_scopes(db: AsyncSession, user: CurrentUser, scopes: list[str]) -> set[str]:
    """Admins read every chain; a returning officer reads their conferences' chains and their ballots'."""
    if user.is_admin:
        return set(scopes)
    return {scope for scope, conference_id in (await _conferences_of(db, scopes)).items()
            if Role.RETURNING_OFFICER in user.roles_in(conference_id)}


async def _readable_heads(db: AsyncSession, user: CurrentUser) -> list[ScopeHead]:
    heads = await services.scopes(db)
    readable = await readable_scopes(db, user, [h.scope for h in heads])
    return [ScopeHead(scope=h.scope, entries=h.seq, head=h.hash) for h in heads if h.scope in readable]


# Scope names are "system" or "kind:id"; anything else (a NUL byte, a non-ASCII digit) is refused before
# streaming starts, because an error after the first byte can no longer become a clean 4xx.
SCOPE_NAME = re.compile(r"[a-z][a-z_]{0,31}(:[0-9]{1,18})?")


async def _export(request: Request[Any, Any, Any], db: AsyncSession, scope: str) -> Stream:
    if not SCOPE_NAME.fullmatch(scope):
        raise RuleViolation("There is no audit trail with that name.", 404)
    if scope not in await readable_scopes(db, request.scope["user"], [scope]):
        raise RuleViolation("You may not read that audit trail.", 403)
    head = await services.head_of(db, scope)
    if head is None:
        raise RuleViolation(f"There is no audit trail for '{scope}' yet.", 404)
    head_seq, head_hash = head.seq, head.hash
    await db.rollback()  # the download reads in batches of its own

    async def lines() -> AsyncIterator[bytes]:
        async for line in services.stream_export(request.app.state.session_factory, scope, head_seq):
            yield line.encode()

    filename = scope.replace(":", "-") + ".audit.jsonl"
    return Stream(lines(), media_type="application/x-ndjson",
                  headers={"content-disposition": f'attachment; filename="{filename}"',
                           "x-audit-head": head_hash, "x-audit-entries": str(head_seq)})


class AuditPages(Controller):
    path = "/audit"
    guards = [requires_audit_reader]
    include_in_schema = False

    @get("/")
    async def index(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Template:
        return page("audit/index.html", request, heads=await _readable_heads(db_session, request.scope["user"]))

    @get("/{audit_scope:str}/export")
    async def export(self, request: Request[Any, Any, Any], db_session: AsyncSession, audit_scope: str) -> Stream:
        return await _export(request, db_session, audit_scope)


class AuditApi(Controller):
    path = "/api/v1/audit"
    guards = [requires_audit_reader]
    tags = ["audit"]

    @get("/scopes", summary="Audit chains you may read, with their current heads")
    async def heads(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> list[ScopeHead]:
        return await _readable_heads(db_session, request.scope["user"])

    @get("/scopes/{audit_scope:str}/export", summary="One chain as JSON Lines (see docs/audit-format.md)",
         media_type="application/x-ndjson")
    async def export(self, request: Request[Any, Any, Any], db_session: AsyncSession, audit_scope: str) -> Stream:
        return await _export(request, db_session, audit_scope)
