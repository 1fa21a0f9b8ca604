"""The accreditation desk: accredit, revoke, reinstate, substitute, name the lead, link an account.

Notes and reasons are kept on the delegate (personal data, erased by the later purge);
the audit chain records ids only.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.accounts.models import User
from unionvote.audit.services import actor_of, record, scope_of
from unionvote.conferences.csvtable import with_article
from unionvote.conferences.presence import check_out_everywhere
from unionvote.conferences.register import AccreditationStatus, Delegate, DelegateRole, Substitution
from unionvote.conferences.services import ConferenceError
from unionvote.db import locked, utcnow
from unionvote.i18n import _

ACCREDITED, REVOKED = AccreditationStatus.ACCREDITED, AccreditationStatus.REVOKED
SUBSTITUTED, NOT_ACCREDITED = AccreditationStatus.SUBSTITUTED, AccreditationStatus.NOT_ACCREDITED


def _note(text: str, ask: str) -> str:
    text = " ".join(text.split())
    if not text:
        raise ConferenceError(ask)
    if len(text) > 500:
        raise ConferenceError(_("Keep the note to 500 characters."))
    return text


async def _delegate(db: AsyncSession, delegate_id: int) -> Delegate:
    delegate = (await locked(db, select(Delegate).where(Delegate.id == delegate_id))).scalar_one_or_none()
    if delegate is None:
        raise ConferenceError(_("No such delegate."), 404)
    return delegate


async def _audit(db: AsyncSession, delegate: Delegate, by: int | None, action: str, **ids: int | None) -> None:
    await record(db, scope=scope_of("conference", delegate.conference_id), actor=actor_of(by), action=action,
                 payload={"delegate_id": delegate.id, **ids})


def _set_status(delegate: Delegate, status: AccreditationStatus) -> None:
    delegate.status, delegate.status_changed_at = status, utcnow()


async def accredit(db: AsyncSession, delegate_id: int, *, note: str, by: int | None) -> Delegate:
    """Staff have checked who this is; `note` says how ('union card and photo ID seen')."""
    note = _note(note, _("Say how you checked their identity, such as 'union card and photo ID seen'."))
    delegate = await _delegate(db, delegate_id)
    if delegate.status == ACCREDITED:
        raise ConferenceError(_("%(name)s is already accredited.") % {"name": delegate.name}, 409)
    if delegate.status == REVOKED:
        raise ConferenceError(_("%(name)s's accreditation was revoked: reinstate it instead.")
                              % {"name": delegate.name}, 409)
    if delegate.status == SUBSTITUTED:
        raise ConferenceError(_("%(name)s's credential has passed to a substitute.") % {"name": delegate.name}, 409)
    _set_status(delegate, ACCREDITED)
    delegate.identity_check = note
    await _audit(db, delegate, by, "delegate.accredited")
    return delegate


async def revoke(db: AsyncSession, delegate_id: int, *, reason: str, by: int | None) -> int | None:
    """Withdraw an accreditation and check the delegate out.

    Returns the linked account's id, so the caller can end that person's login sessions
    (the session store belongs to the web layer, not to this rule).
    """
    reason = _note(reason, _("Say why the accreditation is revoked."))
    delegate = await _delegate(db, delegate_id)
    if delegate.status != ACCREDITED:
        raise ConferenceError(_("%(name)s is not accredited, so there is nothing to revoke.") % {"name": delegate.name},
                              409)
    _set_status(delegate, REVOKED)
    delegate.status_reason = reason
    closed = await check_out_everywhere(db, delegate_id, by=by)
    await _audit(db, delegate, by, "delegate.revoked", user_id=delegate.user_id, presences_closed=closed)
    return delegate.user_id


async def reinstate(db: AsyncSession, delegate_id: int, *, reason: str, by: int | None) -> Delegate:
    reason = _note(reason, _("Say why the accreditation is reinstated."))
    delegate = await _delegate(db, delegate_id)
    if delegate.status != REVOKED:
        raise ConferenceError(_("Only a revoked accreditation can be reinstated; %(name)s's is not revoked.")
                              % {"name": delegate.name}, 409)
    _set_status(delegate, ACCREDITED)
    delegate.status_reason = reason
    await _audit(db, delegate, by, "delegate.reinstated")
    return delegate


async def substitute(db: AsyncSession, *, absent_id: int, substitute_id: int, reason: str,
                     by: int | None) -> Substitution:
    """The substitute takes over the absent delegate's credential; the absent delegate can no longer vote."""
    reason = _note(reason, _("Say why the delegate is being substituted."))
    if absent_id == substitute_id:
        raise ConferenceError(_("A delegate cannot substitute for themself."))
    # Lock both rows in id order, so two desks substituting at once cannot deadlock.
    rows = (await locked(db, select(Delegate).where(Delegate.id.in_([absent_id, substitute_id]))
                         .order_by(Delegate.id))).scalars().all()
    found = {d.id: d for d in rows}
    absent, sub = found.get(absent_id), found.get(substitute_id)
    if absent is None or sub is None:
        raise ConferenceError(_("No such delegate."), 404)
    if absent.conference_id != sub.conference_id:
        raise ConferenceError(_("The substitute is registered for a different conference."))
    if absent.role != DelegateRole.DELEGATE:
        raise ConferenceError("Only a delegate's credential can pass to a substitute; "
                              f"{absent.name} is {with_article(absent.role)}.")
    if absent.status == SUBSTITUTED:
        raise ConferenceError(_("%(name)s has already been substituted.") % {"name": absent.name}, 409)
    if sub.role != DelegateRole.SUBSTITUTE:
        raise ConferenceError(f"{sub.name} is registered as {with_article(sub.role)}, not a substitute.")
    if sub.status != ACCREDITED:
        raise ConferenceError(_("Accredit %(name)s before they take over a credential.") % {"name": sub.name}, 409)
    if sub.body_id not in (None, absent.body_id):
        raise ConferenceError(_("%(name)s is a substitute for another body than %(absent)s's.")
                              % {"name": sub.name, "absent": absent.name})
    held = (await db.execute(select(Substitution.id).where(Substitution.substitute_delegate_id == sub.id))).first()
    if held is not None:
        raise ConferenceError(_("%(name)s already holds another delegate's credential.") % {"name": sub.name}, 409)
    _set_status(absent, SUBSTITUTED)
    absent.status_reason = reason
    closed = await check_out_everywhere(db, absent.id, by=by)
    substitution = Substitution(conference_id=absent.conference_id, absent_delegate_id=absent.id,
                                substitute_delegate_id=sub.id, reason=reason, created_by=by)
    db.add(substitution)
    await db.flush()
    await _audit(db, absent, by, "delegate.substituted", substitute_delegate_id=sub.id,
                 substitution_id=substitution.id, body_id=absent.body_id, presences_closed=closed)
    return substitution


async def set_lead(db: AsyncSession, delegate_id: int, *, by: int | None) -> Delegate:
    """Make this delegate the one who casts their body's card in block mode."""
    delegate = await _delegate(db, delegate_id)
    if delegate.role != DelegateRole.DELEGATE or delegate.body_id is None:
        raise ConferenceError("Only a delegate of a body can lead its delegation; "
                              f"{delegate.name} is {with_article(delegate.role)}.")
    if delegate.is_lead:
        return delegate
    previous = (await db.execute(select(Delegate.id).where(Delegate.body_id == delegate.body_id,
                                                           Delegate.is_lead))).scalars().all()
    await db.execute(update(Delegate).where(Delegate.body_id == delegate.body_id, Delegate.is_lead)
                     .values(is_lead=False))
    delegate.is_lead = True
    await _audit(db, delegate, by, "delegate.lead_set", body_id=delegate.body_id,
                 previous_lead_id=previous[0] if previous else None)
    return delegate


async def link_account(db: AsyncSession, delegate_id: int, user_id: int, *, by: int | None) -> Delegate:
    """Tie a register entry to the account the delegate logs in with."""
    delegate = await _delegate(db, delegate_id)
    if await db.get(User, user_id) is None:
        raise ConferenceError(_("No such account."), 404)
    if delegate.user_id == user_id:
        return delegate
    other = (await db.execute(select(Delegate.membership_number).where(
        Delegate.conference_id == delegate.conference_id, Delegate.user_id == user_id))).scalar_one_or_none()
    if other is not None:
        raise ConferenceError(f"That account already belongs to membership number '{other}' in this conference.",
                              409)
    delegate.user_id = user_id
    await _audit(db, delegate, by, "delegate.account_linked", user_id=user_id)
    return delegate
