"""Who an identity at the union's OpenID provider is here: links made on purpose, never accounts made silently.

An identity (issuer, subject) reaches an account only once it is linked: by the person, logged in here with
their password (and second factor), choosing to link it; or, where the deployment turned auto-linking on,
by an email address the provider says it verified matching an account's. Sign-ins, links and refusals of a
verified identity are audited with internal ids only.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.accounts.models import OidcIdentity, RoleGrant, User
from unionvote.accounts.oidc import OidcError, VerifiedIdentity
from unionvote.audit.services import SYSTEM_SCOPE, actor_of, record
from unionvote.config import Settings
from unionvote.db import utcnow
from unionvote.i18n import _


def not_linked_message(name: str) -> str:
    return _("Your %(provider)s sign-in is not linked to an account here, so nothing was signed in. Log in with "
             "your email address and password once, then choose \"Link %(provider)s\" on your account page. If "
             "you have no account here, ask union staff.") % {"provider": name}


async def roles_held(db: AsyncSession, user: User) -> set[str]:
    held = set((await db.execute(select(RoleGrant.role).where(RoleGrant.user_id == user.id))).scalars())
    return held | {"admin"} if user.is_admin else held


async def _linked_account(db: AsyncSession, identity: VerifiedIdentity) -> User | None:
    return (await db.execute(select(User).join(OidcIdentity, OidcIdentity.user_id == User.id).where(
        OidcIdentity.issuer == identity.issuer, OidcIdentity.subject == identity.subject))).scalar_one_or_none()


async def _auto_link_candidate(db: AsyncSession, identity: VerifiedIdentity) -> User | None:
    """The account whose email address the provider verified, if it has no identity at this provider yet."""
    if not (identity.email and identity.email_verified):
        return None
    user = (await db.execute(select(User).where(User.email == identity.email.strip().lower()))).scalar_one_or_none()
    if user is None or (await db.execute(select(OidcIdentity.id).where(
            OidcIdentity.user_id == user.id, OidcIdentity.issuer == identity.issuer))).first():
        return None  # linked to another identity there already: a second one is never added by email
    return user


async def account_for(db: AsyncSession, settings: Settings, identity: VerifiedIdentity) -> User:
    """The active account this identity is linked to, if its roles may sign in this way; else OidcError."""
    user, auto = await _linked_account(db, identity), False
    if user is None and settings.oidc_auto_link:
        user = await _auto_link_candidate(db, identity)
        auto = user is not None
    if user is None:
        raise OidcError("not_linked", not_linked_message(settings.oidc_name), 403)
    if not user.is_active:
        raise OidcError("inactive", _("This account is switched off, so nothing was signed in. Ask union staff."), 403,
                        user_id=user.id)
    refused = sorted(await roles_held(db, user) - set(settings.oidc_roles))
    if refused:
        raise OidcError("role_not_allowed", _(
            "People who are %(roles)s here cannot sign in with %(provider)s, so nothing was signed in. Log in with "
            "your email address and password.") % {"roles": ", ".join(refused).replace("_", " "),
                                                   "provider": settings.oidc_name}, 403, user_id=user.id)
    if auto:  # only once the account may sign in this way at all
        await _add_link(db, user.id, identity, how="verified email")  # type: ignore[arg-type]
    await db.execute(update(OidcIdentity).where(OidcIdentity.issuer == identity.issuer,
                                                OidcIdentity.subject == identity.subject)
                     .values(last_used_at=utcnow()))
    return user


async def _add_link(db: AsyncSession, user_id: int, identity: VerifiedIdentity, *, how: str) -> None:
    db.add(OidcIdentity(user_id=user_id, issuer=identity.issuer, subject=identity.subject))
    await db.flush()
    await record(db, scope=SYSTEM_SCOPE, actor=actor_of(user_id), action="oidc.linked",
                 payload={"user_id": user_id, "how": how})


async def link_identity(db: AsyncSession, settings: Settings, user_id: int, identity: VerifiedIdentity) -> None:
    """The person, logged in here, links their identity at the provider (replacing one linked before)."""
    owner = await _linked_account(db, identity)
    if owner is not None and owner.id != user_id:
        raise OidcError("linked_elsewhere", _(
            "That %(provider)s sign-in is already linked to another account here. Nothing was changed. Ask union "
            "staff if it should be yours.") % {"provider": settings.oidc_name}, 409)
    if owner is not None:
        return
    await db.execute(delete(OidcIdentity).where(OidcIdentity.user_id == user_id,
                                                OidcIdentity.issuer == identity.issuer))
    await _add_link(db, user_id, identity, how="by the person")


async def linked_identity(db: AsyncSession, settings: Settings, user_id: int) -> OidcIdentity | None:
    if not settings.oidc_issuer:
        return None
    return (await db.execute(select(OidcIdentity).where(OidcIdentity.user_id == user_id,
                                                        OidcIdentity.issuer == settings.oidc_issuer))
            ).scalar_one_or_none()


async def unlink_identity(db: AsyncSession, settings: Settings, user_id: int) -> bool:
    removed = await db.execute(delete(OidcIdentity).where(OidcIdentity.user_id == user_id,
                                                          OidcIdentity.issuer == settings.oidc_issuer))
    if not removed.rowcount:
        return False
    await record(db, scope=SYSTEM_SCOPE, actor=actor_of(user_id), action="oidc.unlinked", payload={"user_id": user_id})
    return True


async def record_sign_in(db: AsyncSession, user_id: int, *, second_factor: str) -> None:
    """`second_factor`: "provider" (its word trusted), "asked" (our code is asked next) or "not needed"."""
    await record(db, scope=SYSTEM_SCOPE, actor=actor_of(user_id), action="login.oidc",
                 payload={"user_id": user_id, "second_factor": second_factor})


async def record_refusal(db: AsyncSession, reason: str, user_id: int | None = None) -> None:
    """A verified identity turned away (not linked, account off, role not allowed): no names, no subject."""
    await record(db, scope=SYSTEM_SCOPE, actor=actor_of(user_id), action="login.oidc_refused",
                 payload={"reason": reason} | ({"user_id": user_id} if user_id is not None else {}))
