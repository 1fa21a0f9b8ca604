"""Accounts for many delegates at once: the bulk form of delegate_accounts.account_for.

A mail merge for 5,000 delegates must not take 5,000 round trips of look-ups and audit
appends (and, on SQLite, hold the write lock for minutes): every step here is a few
queries for the whole list, and the audit chain gets one entry per kind of change.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.accounts.models import RoleGrant, User
from unionvote.audit.services import SYSTEM_SCOPE, actor_of, record, scope_of
from unionvote.conferences.delegate_accounts import ROLE_FOR_REGISTER, password_may_be_set
from unionvote.conferences.register import Delegate, DelegateRole
from unionvote.conferences.services import ConferenceError
from unionvote.db import locked

T = TypeVar("T")
CHUNK = 1000  # bound parameters per IN (...), well inside SQLite's and PostgreSQL's limits


def chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


async def _users(db: AsyncSession, column: object, values: list[object]) -> list[User]:
    found: list[User] = []
    for part in chunks(values):
        found.extend((await db.execute(select(User).where(column.in_(part)))).scalars())  # type: ignore[attr-defined]
    return found


async def accounts_for_all(db: AsyncSession, conference_id: int, delegates: list[Delegate], *, by: int | None
                           ) -> tuple[dict[int, User], list[tuple[Delegate, str]]]:
    """Each delegate's account (linked, found by email, or made without a password), with the conference role.

    Returns the accounts by delegate id, and the delegates left out with the reason.
    """
    linked = {u.id: u for u in await _users(db, User.id, [d.user_id for d in delegates if d.user_id is not None])}
    by_email = {u.email: u for u in await _users(db, User.email, [d.email for d in delegates if d.user_id is None])}
    holders = {user_id: number for user_id, number in (await db.execute(
        select(Delegate.user_id, Delegate.membership_number).where(Delegate.conference_id == conference_id,
                                                                   Delegate.user_id.is_not(None)))).all()}
    accounts: dict[int, User] = {}
    skipped: list[tuple[Delegate, str]] = []
    new_users: list[tuple[Delegate, User]] = []
    newly_linked: list[Delegate] = []
    for delegate in delegates:
        if delegate.user_id is not None:
            accounts[delegate.id] = linked[delegate.user_id]  # type: ignore[index]
            continue
        user = by_email.get(delegate.email)
        if user is None:
            user = User(email=delegate.email, display_name=delegate.name, password_hash=None)
            by_email[delegate.email] = user
            new_users.append((delegate, user))
        elif user.id in holders:
            skipped.append((delegate, f"That account already belongs to membership number '{holders[user.id]}' "
                                      "in this conference."))
            continue
        accounts[delegate.id] = user  # type: ignore[index]
        newly_linked.append(delegate)
        holders[user.id] = delegate.membership_number  # type: ignore[index]
    db.add_all([user for _, user in new_users])
    await db.flush()
    for delegate in newly_linked:
        delegate.user_id = accounts[delegate.id].id  # type: ignore[index]
        holders[delegate.user_id] = delegate.membership_number  # type: ignore[index]
    granted = await _grant_roles(db, conference_id, [(accounts[d.id], d) for d in delegates if d.id in accounts],
                                 by=by)
    await db.flush()
    if new_users:
        await record(db, scope=SYSTEM_SCOPE, actor=actor_of(by), action="users.created",
                     payload={"user_ids": [user.id for _, user in new_users]})
    if newly_linked:
        await record(db, scope=scope_of("conference", conference_id), actor=actor_of(by),
                     action="delegates.accounts_linked",
                     payload={"links": [[d.id, d.user_id] for d in newly_linked]})
    if granted:
        await record(db, scope=scope_of("conference", conference_id), actor=actor_of(by), action="roles.granted",
                     payload={"grants": [[g.user_id, g.role] for g in granted]})
    return accounts, skipped


async def _grant_roles(db: AsyncSession, conference_id: int, pairs: list[tuple[User, Delegate]], *, by: int | None
                       ) -> list[RoleGrant]:
    held: set[tuple[int, str]] = set()
    user_ids = sorted({user.id for user, _ in pairs})  # type: ignore[type-var]
    for part in chunks(user_ids):
        rows = await db.execute(select(RoleGrant.user_id, RoleGrant.role).where(
            RoleGrant.conference_id == conference_id, RoleGrant.user_id.in_(part)))
        held |= {(user_id, role) for user_id, role in rows.all()}
    granted = []
    for user, delegate in pairs:
        role = ROLE_FOR_REGISTER[DelegateRole(delegate.role)]
        if (user.id, role) not in held:
            held.add((user.id, role))  # type: ignore[arg-type]
            granted.append(RoleGrant(user_id=user.id, conference_id=conference_id, role=role,  # type: ignore[arg-type]
                                     granted_by=by))
    db.add_all(granted)
    return granted


async def password_settable(db: AsyncSession, users: list[User], conference_id: int) -> set[int]:
    """The ids of the accounts an invitation may set a password for (delegate_accounts.password_may_be_set)."""
    grants: dict[int, list[tuple[int, str]]] = {}
    for part in chunks(sorted({u.id for u in users})):  # type: ignore[type-var]
        rows = await db.execute(select(RoleGrant.user_id, RoleGrant.conference_id, RoleGrant.role)
                                .where(RoleGrant.user_id.in_(part)))
        for user_id, held_in, role in rows.all():
            grants.setdefault(user_id, []).append((held_in, role))
    return {u.id for u in users if password_may_be_set(u, grants.get(u.id, []), conference_id)}  # type: ignore[misc]


async def chosen_delegates(db: AsyncSession, conference_id: int, delegate_ids: list[int] | None) -> list[Delegate]:
    """The delegates a bulk action names (all of the register when None), locked, in membership-number order."""
    query = select(Delegate).where(Delegate.conference_id == conference_id, Delegate.erased_at.is_(None))
    if delegate_ids is not None:
        if not delegate_ids:
            raise ConferenceError("Tick at least one delegate, or choose everyone.")
        if len(set(delegate_ids)) > CHUNK:
            raise ConferenceError(f"Tick at most {CHUNK} delegates at a time, or choose everyone.")
        query = query.where(Delegate.id.in_(set(delegate_ids)))
    delegates = list((await locked(db, query.order_by(Delegate.membership_number))).scalars())
    if delegate_ids is not None and len(delegates) != len(set(delegate_ids)):
        raise ConferenceError("Some of the chosen delegates are not on this conference's register.", 404)
    return delegates
