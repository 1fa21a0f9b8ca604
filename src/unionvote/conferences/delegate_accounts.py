"""A delegate's login account: found or made from the register, with the conference role their register role gives.

Invitations and voting codes both log a person in as a user account, so both start here.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.accounts.models import Role, RoleGrant, User
from unionvote.accounts.services import create_user, grant_role
from unionvote.conferences.accreditation import link_account
from unionvote.conferences.register import Delegate, DelegateRole
from unionvote.conferences.services import ConferenceError
from unionvote.db import locked

# Substitutes may come to hold a delegate's credential; visitors follow conference like observers.
ROLE_FOR_REGISTER = {
    DelegateRole.DELEGATE: Role.DELEGATE,
    DelegateRole.SUBSTITUTE: Role.DELEGATE,
    DelegateRole.OBSERVER: Role.OBSERVER,
    DelegateRole.VISITOR: Role.OBSERVER,
}
PARTICIPANT_ROLES = frozenset({Role.DELEGATE, Role.OBSERVER})


async def lock_delegate(db: AsyncSession, conference_id: int, delegate_id: int) -> Delegate:
    """A delegate of this conference (another conference's is 'not found'), locked for changing."""
    delegate = (await locked(db, select(Delegate).where(Delegate.id == delegate_id,
                                                        Delegate.conference_id == conference_id))).scalar_one_or_none()
    if delegate is None:
        raise ConferenceError("There is no such delegate in this conference's register.", 404)
    if delegate.erased_at is not None:
        raise ConferenceError("This delegate's personal data has been erased.", 409)
    return delegate


async def account_for(db: AsyncSession, delegate: Delegate, *, by: int | None) -> User:
    """The delegate's account: the linked one, else the one with the register's email, else a new one
    with no password yet. Linking and the role grant are audited by the services that do them."""
    user = await db.get(User, delegate.user_id) if delegate.user_id is not None else None
    if user is None:
        user = (await db.execute(select(User).where(User.email == delegate.email))).scalar_one_or_none()
        if user is None:
            user = await create_user(db, email=delegate.email, display_name=delegate.name, password=None,
                                     created_by=by)
        await link_account(db, delegate.id, user.id, by=by)  # type: ignore[arg-type]
    await grant_role(db, user_id=user.id, conference_id=delegate.conference_id,  # type: ignore[arg-type]
                     role=ROLE_FOR_REGISTER[DelegateRole(delegate.role)], by=by)
    return user


def password_may_be_set(user: User, grants: list[tuple[int, str]], conference_id: int) -> bool:
    """Whether an invitation may set this account's password; `grants` are its (conference id, role) pairs.

    Never for an account someone uses for more than taking part: not an administrator's, no staff
    or officer role anywhere, and either no password yet or used for this conference only.
    Otherwise conference staff could take over an administrator's or another conference's login.
    """
    if user.is_admin or any(role not in PARTICIPANT_ROLES for _, role in grants):
        return False
    return user.password_hash is None or all(held_in == conference_id for held_in, _ in grants)


async def invitation_may_set_password(db: AsyncSession, user: User, conference_id: int) -> bool:
    grants = (await db.execute(select(RoleGrant.conference_id, RoleGrant.role)
                               .where(RoleGrant.user_id == user.id))).all()
    return password_may_be_set(user, [(held_in, role) for held_in, role in grants], conference_id)


ACCOUNT_IN_USE = ("{name} already has an account that is used for other conferences or for staff work, so an "
                  "invitation cannot set its password. They log in with that account's email address and "
                  "password; a union administrator can help if they have lost it.")
