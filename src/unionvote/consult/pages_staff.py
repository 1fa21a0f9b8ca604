"""Staff pages: set a consultation up, invite, moderate, theme, respond, export."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.accounts.models import Role
from unionvote.accounts.services import list_users, roles_in_conference
from unionvote.auth import CurrentUser, requires_staff
from unionvote.ballots.for_consultation import ballot_title, ballots_for_consultation
from unionvote.conferences.csvtable import RegisterFileRejected
from unionvote.conferences.services import conferences_visible_to
from unionvote.consult import analysts, ballot_invitations, invitations, moderation, setup, themes
from unionvote.consult.audience import AUDIENCES, audience_of
from unionvote.consult.exports import EXPORTS, snapshot
from unionvote.consult.models import Anonymity
from unionvote.consult.pages_common import consult_page, form_text, local, parse_local
from unionvote.consult.pages_participant import discover_context
from unionvote.consult.setup import ConsultError, Phases
from unionvote.csvexport import CSV_MEDIA_TYPE, attachment_headers, csv_bytes
from unionvote.i18n import N_, TranslatedWords, _
from unionvote.web import see_other

PHASE_FIELDS = ("share_opens_at", "share_closes_at", "star_opens_at", "star_closes_at", "discover_opens_at")
PHASE_LABELS = {"share_opens_at": N_("Share opens"), "share_closes_at": N_("Share closes"),
                "star_opens_at": N_("Star opens"), "star_closes_at": N_("Star closes"),
                "discover_opens_at": N_("Discover opens")}


class ConsultationListPages(Controller):
    path = "/consultations"
    guards = [requires_staff]
    include_in_schema = False

    async def _list(self, request: Request[Any, Any, Any], db: AsyncSession, error: str | None = None,
                    form: dict[str, str] | None = None, status_code: int = 200) -> Template:
        user: CurrentUser = request.scope["user"]
        conferences = await conferences_visible_to(db, user.is_admin, set(user.roles))
        return consult_page("consult/staff_list.html", request, None, status_code=status_code,
                            consultations=await setup.runnable_by(db, user), conferences=conferences,
                            ballots=await ballots_for_consultation(db) if user.is_admin else [],  # only they run them
                            audiences=AUDIENCES, error=error,
                            form=form or {})

    @get("/")
    async def index(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Template:
        return await self._list(request, db_session)

    @post("/")
    async def create(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Template | Redirect:
        form = {k: form_text(await request.form(), k) for k in
                ("question", "description", "audience", "conference_id", "ballot_id", "anonymity", "hold_for_review",
                 "target")}
        try:
            conference, ballot = form["conference_id"], form["ballot_id"]
            target = form["target"].strip() or "15"
            if not target.isdigit() or len(target) > 4:
                raise ConsultError(_("The rating target must be a whole number from 1 to 500."))
            consultation = await setup.create_consultation(
                db_session, request.scope["user"], question=form["question"], description=form["description"],
                audience=form["audience"], anonymity=form["anonymity"] or Anonymity.ANONYMOUS,
                conference_id=int(conference) if conference.isdigit() and len(conference) < 10 else None,
                hold_for_review=form["hold_for_review"] == "on", rating_target=int(target),
                ballot_id=int(ballot) if ballot.isdigit() and len(ballot) < 10 else None)
        except ConsultError as exc:
            await db_session.rollback()
            return await self._list(request, db_session, error=str(exc), form=form, status_code=exc.status_code)
        return see_other(f"/consultations/{consultation.id}?done=created")


class ConsultationStaffPages(Controller):
    path = "/consultations/{consultation_id:int}"
    guards = [requires_staff]  # and, in each handler, setup.load_to_run: staff of *this* consultation
    include_in_schema = False

    async def _overview(self, request: Request[Any, Any, Any], db: AsyncSession, consultation_id: int,
                        error: str | None = None, problems: list[Any] | None = None, status_code: int = 200
                        ) -> Template:
        consultation = await setup.load_to_run(db, consultation_id, request.scope["user"])
        values = {f: (local(getattr(consultation, f)).strftime("%Y-%m-%dT%H:%M")  # type: ignore[union-attr]
                      if getattr(consultation, f) else "") for f in PHASE_FIELDS}
        return consult_page("consult/staff_overview.html", request, consultation, status_code=status_code,
                            counts=await setup.counts(db, consultation_id), audience=audience_of(consultation),
                            invited=await invitations.invitation_counts(db, consultation_id), error=error,
                            ballot_title=await ballot_title(db, consultation.ballot_id)
                            if consultation.ballot_id is not None else None,
                            problems=problems or [], phase_values=values, phase_labels=TranslatedWords(PHASE_LABELS),
                            exports=list(EXPORTS), analyst_ids=await analysts.analysts_of(db, consultation_id),
                            staff_people=await _staff_people(db, consultation.conference_id),
                            **await discover_context(db, consultation_id,
                                                     correct_bias=request.query_params.get("fair") == "1"))

    @get("/")
    async def overview(self, request: Request[Any, Any, Any], db_session: AsyncSession, consultation_id: int
                       ) -> Template:
        return await self._overview(request, db_session, consultation_id)

    async def _act(self, request: Request[Any, Any, Any], db: AsyncSession, consultation_id: int, action: Any,
                   done: str, back: str = "") -> Template | Redirect:
        try:
            consultation = await setup.load_to_run(db, consultation_id, request.scope["user"])
            await action(consultation, await request.form())
        except ConsultError as exc:
            await db.rollback()
            if back == "/moderation":
                return await self._moderation(request, db, consultation_id, error=str(exc),
                                              status_code=exc.status_code)
            return await self._overview(request, db, consultation_id, error=str(exc), status_code=exc.status_code)
        return see_other(f"/consultations/{consultation_id}{back}?done={done}")

    @post("/phases")
    async def phases(self, request: Request[Any, Any, Any], db_session: AsyncSession, consultation_id: int
                     ) -> Template | Redirect:
        async def action(c: Any, form: Any) -> None:
            times = {f: parse_local(form_text(form, f), PHASE_LABELS[f]) for f in PHASE_FIELDS}
            await setup.set_phases(db_session, c, Phases(**times), hold_for_review=form_text(form, "hold") == "on",
                                   by=request.scope["user"].id)
        return await self._act(request, db_session, consultation_id, action, "phases-saved")

    @post("/invitations")
    async def invite(self, request: Request[Any, Any, Any], db_session: AsyncSession, consultation_id: int
                     ) -> Template | Response[bytes]:
        consultation = await setup.load_to_run(db_session, consultation_id, request.scope["user"])
        upload = (await request.form()).get("file")
        try:
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise ConsultError(_("Choose the CSV file of people to invite."))
            issued = await invitations.import_invitations(db_session, consultation, await upload.read(),
                                                          by=request.scope["user"].id)
        except RegisterFileRejected as exc:
            await db_session.rollback()
            return await self._overview(request, db_session, consultation_id, error=str(exc).split("\n")[0],
                                        problems=exc.problems, status_code=400)
        except ConsultError as exc:
            await db_session.rollback()
            return await self._overview(request, db_session, consultation_id, error=str(exc),
                                        status_code=exc.status_code)
        base = request.app.state.settings.public_url.rstrip("/")
        body = csv_bytes(["reference", "link"], [(ref, f"{base}/invited/{token}") for ref, token in issued])
        return Response(body, media_type=CSV_MEDIA_TYPE, status_code=200,
                        headers=attachment_headers(f"consultation-{consultation_id}-links.csv"))

    @post("/invitations/from-ballot")
    async def invite_electorate(self, request: Request[Any, Any, Any], db_session: AsyncSession,
                                consultation_id: int) -> Template | Response[bytes]:
        consultation = await setup.load_to_run(db_session, consultation_id, request.scope["user"])
        try:
            issued = await ballot_invitations.issue_ballot_invitations(db_session, consultation,
                                                                       by=request.scope["user"].id)
        except ConsultError as exc:
            await db_session.rollback()
            return await self._overview(request, db_session, consultation_id, error=str(exc),
                                        status_code=exc.status_code)
        base = request.app.state.settings.public_url.rstrip("/")
        body = csv_bytes(ballot_invitations.LINK_COLUMNS, ballot_invitations.link_rows(issued, base))
        return Response(body, media_type=CSV_MEDIA_TYPE, status_code=200,
                        headers=attachment_headers(f"consultation-{consultation_id}-links.csv"))

    @post("/themes")
    async def compute_themes(self, request: Request[Any, Any, Any], db_session: AsyncSession, consultation_id: int
                             ) -> Template | Redirect:
        async def action(c: Any, form: Any) -> None:
            await themes.compute_themes(db_session, c, by=request.scope["user"].id)
        return await self._act(request, db_session, consultation_id, action, "themes-computed")

    @post("/themes/rename")
    async def rename_theme(self, request: Request[Any, Any, Any], db_session: AsyncSession, consultation_id: int
                           ) -> Template | Redirect:
        async def action(c: Any, form: Any) -> None:
            theme = form_text(form, "theme")
            if not theme.isdigit() or len(theme) > 12:
                raise ConsultError(_("Choose a theme to rename."))
            await themes.rename_theme(db_session, c, int(theme), form_text(form, "label"), by=request.scope["user"].id)
        return await self._act(request, db_session, consultation_id, action, "theme-renamed")

    @post("/themes/move")
    async def move_thought(self, request: Request[Any, Any, Any], db_session: AsyncSession, consultation_id: int
                           ) -> Template | Redirect:
        async def action(c: Any, form: Any) -> None:
            theme = form_text(form, "theme")
            if theme and (not theme.isdigit() or len(theme) > 12):
                raise ConsultError(_("Choose the theme to move the thought to."))
            await themes.move_thought(db_session, c, form_text(form, "thought"), int(theme) if theme else None,
                                      by=request.scope["user"].id)
        return await self._act(request, db_session, consultation_id, action, "thought-moved")

    @post("/responses")
    async def respond(self, request: Request[Any, Any, Any], db_session: AsyncSession, consultation_id: int
                      ) -> Template | Redirect:
        async def action(c: Any, form: Any) -> None:
            await moderation.respond(db_session, c, form_text(form, "thought"), form_text(form, "text"),
                                     by=request.scope["user"].id)
        return await self._act(request, db_session, consultation_id, action, "responded")

    async def _moderation(self, request: Request[Any, Any, Any], db: AsyncSession, consultation_id: int,
                          error: str | None = None, status_code: int = 200) -> Template:
        consultation = await setup.load_to_run(db, consultation_id, request.scope["user"])
        return consult_page("consult/moderation.html", request, consultation, status_code=status_code, error=error,
                            queue=await moderation.review_queue(db, consultation_id),
                            report_reasons=TranslatedWords(moderation.REPORT_REASONS),
                            hide_reasons=TranslatedWords(moderation.HIDE_REASONS),
                            restore_reasons=TranslatedWords(moderation.RESTORE_REASONS))

    @get("/moderation")
    async def moderation_queue(self, request: Request[Any, Any, Any], db_session: AsyncSession,
                               consultation_id: int) -> Template:
        return await self._moderation(request, db_session, consultation_id)

    @post("/moderation")
    async def moderate(self, request: Request[Any, Any, Any], db_session: AsyncSession, consultation_id: int
                       ) -> Template | Redirect:
        async def action(c: Any, form: Any) -> None:
            await moderation.moderate(db_session, c, form_text(form, "thought"), form_text(form, "action"),
                                      form_text(form, "reason"), by=request.scope["user"].id)
        return await self._act(request, db_session, consultation_id, action, "moderated", back="/moderation")

    @post("/analysts")
    async def name_analyst(self, request: Request[Any, Any, Any], db_session: AsyncSession, consultation_id: int
                           ) -> Template | Redirect:
        async def action(c: Any, form: Any) -> None:
            user = form_text(form, "user")
            if not user.isdigit() or len(user) > 12:
                raise ConsultError(_("Choose the person to name as an analyst."))
            await analysts.name_analyst(db_session, c, int(user), by=request.scope["user"].id)
        return await self._act(request, db_session, consultation_id, action, "analyst-named")

    @get("/exports/{filename:str}")
    async def export(self, request: Request[Any, Any, Any], db_session: AsyncSession, consultation_id: int,
                     filename: str) -> Response[bytes]:
        user = request.scope["user"]
        if filename == analysts.WHO_SAID_WHAT:  # for the named analysts, whether or not they run it
            consultation = await setup.load(db_session, consultation_id)
            body = await analysts.who_said_what(db_session, await snapshot(db_session, consultation), user.id)
            return Response(body, media_type=CSV_MEDIA_TYPE, status_code=200,
                            headers=attachment_headers(f"consultation-{consultation_id}-{filename}"))
        consultation = await setup.load_to_run(db_session, consultation_id, user)
        if filename not in EXPORTS:
            raise ConsultError(f"There is no export called '{filename[:40]}'. Choose one of: {', '.join(EXPORTS)}.",
                               404)
        body = EXPORTS[filename](await snapshot(db_session, consultation))
        media = "application/json" if filename.endswith(".json") else CSV_MEDIA_TYPE
        return Response(body, media_type=media, status_code=200,
                        headers=attachment_headers(f"consultation-{consultation_id}-{filename}"))


async def _staff_people(db: AsyncSession, conference_id: int | None) -> list[tuple[int, str]]:
    """Who may be named an analyst: administrators and the conference's staff."""
    people = {u.id: u.display_name for u in await list_users(db) if u.is_admin}
    if conference_id is not None:
        people.update({u.id: u.display_name for grant, u in await roles_in_conference(db, conference_id)
                       if grant.role == Role.STAFF})
    return sorted(people.items(), key=lambda kv: kv[1])  # type: ignore[arg-type,return-value]
