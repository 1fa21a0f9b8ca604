"""Administrators' pages: accounts, roles, two-factor resets, conferences; and the staff home."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.channels import ChannelsPlugin
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.accounts import services
from unionvote.accounts.models import ROLE_LABELS, Role, User
from unionvote.auth import SESSION_ONLY, CurrentUser, public, requires_admin, requires_staff
from unionvote.conferences import services as conferences
from unionvote.conferences.models import Conference
from unionvote.errors import RuleViolation
from unionvote.i18n import _
from unionvote.live import publish_after_commit, render_fragment
from unionvote.web import page, see_other


class HomePages(Controller):
    include_in_schema = False

    @get("/", guards=[public])
    async def home(self, request: Request[Any, Any, Any]) -> Redirect:
        user: CurrentUser | None = request.scope.get("user")
        if user is None:
            return see_other("/login")
        if user.is_staff:
            return see_other("/staff")
        if len(user.roles) == 1:  # a delegate at one conference goes straight to it
            return see_other(f"/conferences/{next(iter(user.roles))}/me")
        return see_other("/conferences" if user.roles else "/account")

    @get("/staff", guards=[requires_staff])
    async def staff_home(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Template:
        user: CurrentUser = request.scope["user"]
        visible = await conferences.conferences_visible_to(db_session, user.is_admin, set(user.roles))
        return page("admin/staff_home.html", request, conferences=visible, role_labels=ROLE_LABELS)


class AdminPages(Controller):
    path = "/admin"
    guards = [requires_admin]
    include_in_schema = False
    opt = SESSION_ONLY  # accounts, roles and second factors are managed from an administrator's own login

    async def _users_page(self, request: Request[Any, Any, Any], db: AsyncSession, **extra: Any) -> Template:
        return page("admin/users.html", request, users=await services.list_users(db), **extra)

    @get("/users")
    async def users(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Template:
        return await self._users_page(request, db_session, form={})

    @post("/users")
    async def create_user(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Template | Redirect:
        form = await request.form()
        try:
            user = await services.create_user(
                db_session, email=str(form.get("email", "")), display_name=str(form.get("display_name", "")),
                password=str(form.get("password", "")) or None, is_admin=form.get("is_admin") == "on",
                created_by=request.scope["user"].id)
        except RuleViolation as exc:
            await db_session.rollback()
            return await self._users_page(request, db_session, error=str(exc), form=dict(form),
                                          status_code=exc.status_code)
        return see_other(f"/admin/users/{user.id}?done=user-created")

    @get("/users/{user_id:int}")
    async def user_detail(self, request: Request[Any, Any, Any], db_session: AsyncSession, user_id: int) -> Template:
        account = await db_session.get(User, user_id)
        if account is None:
            raise RuleViolation(_("No such account."), 404)
        return page("admin/user.html", request, account=account, roles=await services.roles_of(db_session, user_id),
                    conferences=await conferences.list_conferences(db_session), role_choices=list(Role),
                    role_labels=ROLE_LABELS)

    @post("/users/{user_id:int}/roles")
    async def grant_role(self, request: Request[Any, Any, Any], db_session: AsyncSession, user_id: int) -> Redirect:
        form = await request.form()
        try:
            role = Role(str(form.get("role", "")))
            conference_id = int(str(form.get("conference_id", "")))
        except ValueError as exc:
            raise RuleViolation(_("Choose a conference and a role.")) from exc
        await services.grant_role(db_session, user_id=user_id, conference_id=conference_id, role=role,
                                  by=request.scope["user"].id)
        return see_other(f"/admin/users/{user_id}?done=role-granted")

    @post("/users/{user_id:int}/roles/{grant_id:int}/revoke")
    async def revoke_role(self, request: Request[Any, Any, Any], db_session: AsyncSession, user_id: int,
                          grant_id: int) -> Redirect:
        await services.revoke_role(db_session, grant_id=grant_id, user_id=user_id, by=request.scope["user"].id)
        return see_other(f"/admin/users/{user_id}?done=role-revoked")

    @post("/users/{user_id:int}/totp-reset")
    async def reset_totp(self, request: Request[Any, Any, Any], db_session: AsyncSession, user_id: int) -> Redirect:
        await services.reset_totp(db_session, user_id=user_id, by=request.scope["user"].id)
        await request.app.state.session_store.delete_for_user(user_id, db=db_session)
        return see_other(f"/admin/users/{user_id}?done=totp-reset")

    @post("/conferences")
    async def create_conference(self, request: Request[Any, Any, Any], db_session: AsyncSession,
                                channels: ChannelsPlugin) -> Redirect:
        form = await request.form()
        conference = await conferences.create_conference(db_session, slug=str(form.get("slug", "")),
                                                         name=str(form.get("name", "")), by=request.scope["user"].id)
        announce_conference(request, db_session, channels, conference)
        return see_other("/staff?done=conference-created")


def announce_conference(request: Request[Any, Any, Any], db: AsyncSession, channels: ChannelsPlugin,
                        conference: Conference) -> None:
    """Staff screens list a new conference as soon as it is committed."""
    html = render_fragment(request.app, "admin/_conference_created.html", conference=conference)
    publish_after_commit(db, channels, "staff", html)
