"""Staff pages that run a member ballot: set up, import, credentials, open, close, declare, erase."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import UploadFile
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.auth import requires_admin
from unionvote.ballots import credentials, import_mappings, members, organisers, sending, services
from unionvote.ballots.complaints import DEFAULT_OBJECTION_HOURS
from unionvote.ballots.erasure import erase_personal_data
from unionvote.ballots.models import INDICATIVE_NOTICE
from unionvote.ballots.pages_common import ballot_page, carry_out, day_of, moment_of, text_of
from unionvote.ballots.results import declare_result
from unionvote.ballots.turnout import overall
from unionvote.csvexport import CSV_MEDIA_TYPE, attachment_headers, csv_bytes
from unionvote.errors import RuleViolation
from unionvote.i18n import _
from unionvote.web import see_other

PERCENT_RE = re.compile(r"^\d{1,3}$")
UPLOAD_CHUNK = 1 << 20
MAX_UPLOAD = 200 * UPLOAD_CHUNK  # 500,000 members with extra columns fit well inside


def _spec(form: Any) -> tuple[services.MemberBallotSpec | None, str | None]:
    opens, closes = moment_of(text_of(form, "opens_at")), moment_of(text_of(form, "closes_at"))
    if opens is None or closes is None:
        return None, "Give the opening and closing dates and times, such as 2027-03-01T09:00."
    yes = text_of(form, "yes_percent")
    turnout, minimum = text_of(form, "turnout_percent") or "50", text_of(form, "min_segment") or "10"
    if not all(PERCENT_RE.match(v) for v in (turnout, minimum, *([yes] if yes else []))):
        return None, "Thresholds and the smallest group shown are whole numbers, such as 50 and 10."
    objection = text_of(form, "objection_hours") or str(DEFAULT_OBJECTION_HOURS)
    if not objection.isdigit() or len(objection) > 4:
        return None, (f"The objection period is a whole number of hours, such as {DEFAULT_OBJECTION_HOURS}, "
                      "or 0 for none.")
    retention = text_of(form, "retention_until")
    if retention and day_of(retention) is None:
        return None, f"'{retention}' is not a date: write it as 2027-12-31."
    answers = [line for line in text_of(form, "answers").splitlines() if line.strip()]
    try:
        options = services.options_from_labels(answers) if answers else services.YES_NO
    except RuleViolation as exc:
        return None, str(exc)
    question = services.QuestionSpec(text_of(form, "question"), options)
    extra = text_of(form, "question_2")
    questions = [question] + ([services.QuestionSpec(extra)] if extra else [])
    return services.MemberBallotSpec(
        slug=text_of(form, "slug", 64).lower(), title=text_of(form, "title", 200),
        description=text_of(form, "description"), opens_at=opens, closes_at=closes, questions=questions,
        turnout_percent=int(turnout), yes_percent=int(yes) if yes else None, min_segment=int(minimum),
        retention_until=day_of(retention) if retention else None, objection_hours=int(objection),
        join_cutoff=moment_of(text_of(form, "join_cutoff")) if text_of(form, "join_cutoff") else None), None


class MemberBallotAdminPages(Controller):
    path = "/member-ballots"
    guards = [requires_admin]
    include_in_schema = False

    @get("/")
    async def index(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Template:
        return ballot_page("ballots/index.html", request, ballots=await services.all_ballots(db_session),
                           form={}, error=None)

    @post("/")
    async def create(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Template | Redirect:
        form = await request.form()
        spec, error = _spec(form)
        if spec is not None:
            try:
                ballot = await services.create_member_ballot(db_session, spec, by=request.scope["user"].id)
                return see_other(f"/member-ballots/{ballot.id}?done=created")
            except RuleViolation as exc:
                error = str(exc)
                await db_session.rollback()
        return ballot_page("ballots/index.html", request, status_code=400,
                           ballots=await services.all_ballots(db_session),
                           form={k: text_of(form, k) for k in form}, error=error)

    async def _overview(self, request: Request[Any, Any, Any], db: AsyncSession, ballot_id: int,
                        status_code: int = 200, **context: Any) -> Template:
        ballot = await services.get_ballot(db, ballot_id)
        context.setdefault("error", None)
        context.setdefault("problems", [])
        context.setdefault("chosen_mapping", import_mappings.DETECT)
        used = import_mappings.MAPPINGS.get(request.query_params.get("mapping") or "")
        if used is not None and request.query_params.get("done") == "imported":
            context.setdefault("notice", _("The members have been imported. Their columns were read with the "
                                           "mapping '%(mapping)s'.") % {"mapping": _(used.label)})
        return ballot_page("ballots/overview.html", request, ballot, status_code=status_code,
                           questions=await services.questions_of(db, ballot_id),
                           figures=await overall(db, ballot), mappings=import_mappings.MAPPINGS,
                           mapping_choices=import_mappings.mapping_choices(),
                           emailing=await sending.email_status(db, ballot),
                           smtp_configured=request.app.state.settings.smtp_configured,
                           organisers=await organisers.organisers_of(db, ballot_id), **context)

    @get("/{ballot_id:int}")
    async def overview(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int) -> Template:
        return await self._overview(request, db_session, ballot_id)

    async def _act(self, request: Request[Any, Any, Any], db: AsyncSession, ballot_id: int,
                   action: Callable[[], Awaitable[Any]], done: str) -> Template | Redirect:
        return await carry_out(db, action, f"/member-ballots/{ballot_id}?done={done}", lambda exc: self._overview(
            request, db, ballot_id, status_code=exc.status_code, error=str(exc),
            problems=getattr(exc, "problems", [])[:members.SHOWN_PROBLEMS]))

    @post("/{ballot_id:int}/members/import", request_max_body_size=MAX_UPLOAD)
    async def import_members(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int
                             ) -> Template | Redirect:
        form = await request.form()
        upload = form.get("file")
        by = request.scope["user"].id
        chosen = text_of(form, "mapping", 40) or import_mappings.DETECT
        mapping = import_mappings.MAPPINGS.get(chosen)
        if mapping is None and chosen != import_mappings.DETECT:
            return await self._overview(request, db_session, ballot_id, status_code=400, chosen_mapping=chosen,
                                        error=_("Choose which column headings the file uses, or detection."))
        if not isinstance(upload, UploadFile):
            return await self._overview(request, db_session, ballot_id, status_code=400, chosen_mapping=chosen,
                                        error=_("Choose the CSV file of members to upload."))
        with tempfile.SpooledTemporaryFile(max_size=8 * UPLOAD_CHUNK) as spool:
            while chunk := await upload.read(UPLOAD_CHUNK):
                spool.write(chunk)
            try:
                imported = await members.import_members(db_session, ballot_id, spool, by=by,  # type: ignore[arg-type]
                                                        mapping=mapping)
            except RuleViolation as exc:
                await db_session.rollback()
                problems = getattr(exc, "problems", [])[:members.SHOWN_PROBLEMS]
                return await self._overview(request, db_session, ballot_id, status_code=exc.status_code,
                                            error=str(exc).split("\n", 1)[0] if problems else str(exc),
                                            chosen_mapping=chosen, problems=problems)
        return see_other(f"/member-ballots/{ballot_id}?done=imported&mapping={imported.mapping.key}")

    @post("/{ballot_id:int}/members/add")
    async def add_member(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int
                         ) -> Template | Redirect:
        form = await request.form()
        values = {name: text_of(form, name, 300) for name in members.FIELD_OF.values()}
        return await self._act(request, db_session, ballot_id, lambda: members.add_member(
            db_session, ballot_id, values, by=request.scope["user"].id), "added")

    @post("/{ballot_id:int}/members/remove")
    async def remove_member(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int
                            ) -> Template | Redirect:
        form = await request.form()
        return await self._act(request, db_session, ballot_id, lambda: members.remove_member(
            db_session, ballot_id, text_of(form, "membership_number", 40), text_of(form, "reason", 500),
            by=request.scope["user"].id), "removed")

    @post("/{ballot_id:int}/credentials/export", status_code=200)
    async def export_credentials(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int
                                 ) -> Response[bytes] | Template:
        ballot = await services.get_ballot(db_session, ballot_id)
        try:
            issued = await credentials.issue_credentials(db_session, ballot_id, by=request.scope["user"].id)
        except RuleViolation as exc:
            await db_session.rollback()
            return await self._overview(request, db_session, ballot_id, status_code=exc.status_code, error=str(exc))
        base = request.app.state.settings.public_url
        return Response(csv_bytes(credentials.EXPORT_HEADER, credentials.export_rows(issued, base, INDICATIVE_NOTICE)),
                        media_type=CSV_MEDIA_TYPE, headers=attachment_headers(f"{ballot.slug}-credentials.csv"))

    @post("/{ballot_id:int}/credentials/email")
    async def email_credentials(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int
                                ) -> Template | Redirect:
        """Claim the ballot for a sending run now (so a refusal is shown at once), send after the response."""
        form = await request.form()
        only = text_of(form, "membership_number", 40) or None
        settings, me = request.app.state.settings, request.scope["user"].id
        try:
            await sending.check_can_send(db_session, settings, ballot_id)
        except RuleViolation as exc:
            await db_session.rollback()
            return await self._overview(request, db_session, ballot_id, status_code=exc.status_code, error=str(exc))
        return Redirect(path=f"/member-ballots/{ballot_id}?done=emailing", status_code=303,
                        background=BackgroundTask(sending.send_credentials, request.app.state.session_factory,
                                                  settings, ballot_id, by=me, membership_number=only))

    @post("/{ballot_id:int}/organisers")
    async def grant_organiser(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int
                              ) -> Template | Redirect:
        form = await request.form()
        return await self._act(request, db_session, ballot_id, lambda: organisers.grant_organiser(
            db_session, ballot_id, text_of(form, "email", 320), by=request.scope["user"].id), "organiser-added")

    @post("/{ballot_id:int}/organisers/remove")
    async def remove_organiser(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int
                               ) -> Template | Redirect:
        form = await request.form()
        user_id = text_of(form, "user_id", 12)
        if not user_id.isdigit():
            return await self._overview(request, db_session, ballot_id, status_code=400,
                                        error=_("Choose the organiser to remove."))
        return await self._act(request, db_session, ballot_id, lambda: organisers.remove_organiser(
            db_session, ballot_id, int(user_id), by=request.scope["user"].id), "organiser-removed")

    @post("/{ballot_id:int}/credentials/reissue")
    async def reissue(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int) -> Template:
        form = await request.form()
        try:
            fresh = await credentials.reissue_credential(db_session, ballot_id, text_of(form, "membership_number", 40),
                                                         by=request.scope["user"].id)
        except RuleViolation as exc:
            await db_session.rollback()
            return await self._overview(request, db_session, ballot_id, status_code=exc.status_code, error=str(exc))
        ballot = await services.get_ballot(db_session, ballot_id)
        base = request.app.state.settings.public_url
        return ballot_page("ballots/reissued.html", request, ballot, credential=fresh,
                           link=f"{base}/vote/{fresh.link_token}", code=credentials.format_code(fresh.code))

    @post("/{ballot_id:int}/open")
    async def open(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int
                   ) -> Template | Redirect:
        return await self._act(request, db_session, ballot_id, lambda: services.open_ballot(
            db_session, ballot_id, by=request.scope["user"].id), "opened")

    @post("/{ballot_id:int}/close")
    async def close(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int
                    ) -> Template | Redirect:
        return await self._act(request, db_session, ballot_id, lambda: services.close_ballot(
            db_session, ballot_id, by=request.scope["user"].id), "closed")

    @post("/{ballot_id:int}/declare")
    async def declare(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int
                      ) -> Template | Redirect:
        return await self._act(request, db_session, ballot_id, lambda: declare_result(
            db_session, ballot_id, by=request.scope["user"].id), "declared")

    @post("/{ballot_id:int}/erase")
    async def erase(self, request: Request[Any, Any, Any], db_session: AsyncSession, ballot_id: int
                    ) -> Template | Redirect:
        form = await request.form()
        force = text_of(form, "confirm") == "erase"
        return await self._act(request, db_session, ballot_id, lambda: erase_personal_data(
            db_session, ballot_id, by=request.scope["user"].id, force=force), "erased")
