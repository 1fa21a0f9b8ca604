"""The language switch on every page: a plain form, so it works without JavaScript."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.datastructures import Cookie
from litestar.response import Redirect

from unionvote.auth import public
from unionvote.i18n import LANGUAGE_COOKIE, LANGUAGES
from unionvote.web import _safe_next

ONE_YEAR = 365 * 24 * 3600


class LanguagePages(Controller):
    include_in_schema = False

    @post("/language", guards=[public])
    async def choose(self, request: Request[Any, Any, Any]) -> Redirect:
        """Keeps the chosen language in a cookie and goes back to the page it was chosen on."""
        form = await request.form()
        language = str(form.get("language", ""))
        back = _safe_next(str(form.get("next", "/")))
        if language not in LANGUAGES:
            return Redirect(path=back, status_code=303)  # an unknown choice changes nothing
        secure = request.app.state.settings.cookie_secure
        cookie = Cookie(key=LANGUAGE_COOKIE, value=language, max_age=ONE_YEAR, path="/", httponly=True,
                        secure=secure, samesite="lax")
        return Redirect(path=back, status_code=303, cookies=[cookie])
