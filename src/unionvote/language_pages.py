"""The language switch on every page: a plain form, so it works without JavaScript."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.datastructures import Cookie
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.accounts.services import set_language
from unionvote.auth import public
from unionvote.i18n import LANGUAGE_COOKIE, LANGUAGES
from unionvote.web import _safe_next

ONE_YEAR = 365 * 24 * 3600


class LanguagePages(Controller):
    include_in_schema = False

    @post("/language", guards=[public])
    async def choose(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Redirect:
        """Keeps the chosen language in a cookie (and, when signed in, on the account) and goes back to the
        page it was chosen on."""
        form = await request.form()
        language = str(form.get("language", ""))
        back = _safe_next(str(form.get("next", "/")))
        if language not in LANGUAGES:
            return Redirect(path=back, status_code=303)  # an unknown choice changes nothing
        user = request.scope.get("user")
        if user is not None and user.via == "session" and user.language != language:
            await set_language(db_session, user.id, language)  # the same language on their other devices
        secure = request.app.state.settings.cookie_secure
        cookie = Cookie(key=LANGUAGE_COOKIE, value=language, max_age=ONE_YEAR, path="/", httponly=True,
                        secure=secure, samesite="lax")
        return Redirect(path=back, status_code=303, cookies=[cookie])
