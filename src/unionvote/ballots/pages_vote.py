"""The member's voting pages: a link or a membership number and code, one plain form, a receipt.

No account, no JavaScript, one small stylesheet. An unknown, used or replaced link or a
wrong code gets a plain explanation and says how to ask for a new one.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.auth import public
from unionvote.ballots import casting, credentials, services
from unionvote.ballots.board import member_board_trackers
from unionvote.ballots.cast_statement import LinkHolder, cast_in_one_statement, member_for_link
from unionvote.ballots.complaints import record_second_attempt
from unionvote.ballots.live_chase import member_voted
from unionvote.ballots.live_turnout import turnout_changed
from unionvote.ballots.models import Member, MemberBallot, MemberBallotSealing, MemberBallotState, MemberQuestion
from unionvote.ballots.open_ballots import OpenMemberBallot, open_member_ballots
from unionvote.ballots.pages_common import ballot_page, text_of
from unionvote.db import is_postgres
from unionvote.errors import RuleViolation
from unionvote.i18n import N_, _
from unionvote.ratelimit import RateLimiter
from unionvote.voting.board import board_page, read_tracker
from unionvote.voting.pages_board import recorded_board_hash
from unionvote.voting.receipts import format_tracker, new_token

CODE_ATTEMPTS_PER_MINUTE = 10  # per membership number
WRONG_CODES_PER_ADDRESS_PER_MINUTE = 200  # a workplace's typos, not a guesser's sweep
ATTEMPTS_RECORDED_PER_MINUTE = 5  # per member: attempts to vote again after voting that go into the chain
VOTED_ALREADY = N_("A vote has already been cast with this credential. If that was not you, contact your branch "
                   "straight away.")
LINK_PROBLEM = N_("This voting link does not work. It may have been mistyped, or replaced by a newer one. "
                "Use the most recent message the union sent you, or ask your branch for a new link.")


def _limiter(request: Request[Any, Any, Any], name: str, per_minute: int) -> RateLimiter:
    """This app's rate limiter called `name` (made on first use, shared by every request)."""
    state = request.app.state
    if name not in state:
        state[name] = RateLimiter(per_minute, 60, state.redis, state.settings.redis_namespace)
    return state[name]  # type: ignore[no-any-return]


def _code_limiter(request: Request[Any, Any, Any]) -> RateLimiter:
    return _limiter(request, "member_code_limiter", CODE_ATTEMPTS_PER_MINUTE)


def _address_limiter(request: Request[Any, Any, Any]) -> RateLimiter:
    return _limiter(request, "member_address_limiter", WRONG_CODES_PER_ADDRESS_PER_MINUTE)


async def _form(request: Request[Any, Any, Any], db: AsyncSession, ballot: MemberBallot, action: str,
                status_code: int = 200, error: str | None = None, hidden: dict[str, str] | None = None,
                member: Any = None, questions: list[MemberQuestion] | None = None) -> Template:
    """`questions`: the ballot's, when the caller has them already (a worker's copy of the open ballot)."""
    refused = casting.refusal_for(ballot)
    if member is not None and member.voted_at is not None and refused is None:
        refused = _(VOTED_ALREADY)
    if questions is None:
        questions = await services.questions_of(db, ballot.id)  # type: ignore[arg-type]
    return ballot_page("ballots/vote.html", request, ballot, status_code=status_code, action=action,
                       questions=[(q, services.labels_of(q)) for q in questions],
                       token=new_token(), error=error, refused=refused, hidden=hidden or {})


def _receipt(request: Request[Any, Any, Any], ballot: MemberBallot, questions: list[MemberQuestion],
             receipts: Any, repeated: bool) -> Template:
    labels = {q.id: dict(services.labels_of(q)) for q in questions}
    return ballot_page("ballots/receipt.html", request, ballot, status_code=201 if not repeated else 200,
                       receipts=[(q, labels[q.id][r.choice[0]], format_tracker(r.tracker))
                                 for q, r in zip(questions, receipts, strict=True)],
                       repeated=repeated)


def _answers(form: Any, questions: list[Any]) -> dict[int, list[str]]:
    return {q.id: [text_of(form, f"q{q.id}", 60)] if text_of(form, f"q{q.id}", 60) else [] for q in questions}


async def second_attempt(request: Request[Any, Any, Any], db: AsyncSession, member: Member, channel: str) -> None:
    """A credential used again after its member voted goes into the chain (a few a minute per member at most,
    so a replayed link cannot flood it), committed even though the vote is refused."""
    if member.voted_at is None or not await _limiter(request, "member_again_limiter", ATTEMPTS_RECORDED_PER_MINUTE
                                                     ).hit(f"mbagain:{member.id}"):
        return
    await record_second_attempt(db, member.ballot_id, member.id, channel)  # type: ignore[arg-type]
    await db.commit()


async def _cast(request: Request[Any, Any, Any], db: AsyncSession, ballot_id: int, member: Member | LinkHolder,
                action: str, hidden: dict[str, str], channel: str,
                remembered: OpenMemberBallot | None = None) -> Template:
    """`remembered`: this worker's copy of the open ballot, if it has one; the cast checks it behind its gate."""
    form = await request.form()
    member_id, workplace, branch = member.id, member.workplace, member.branch  # a rollback expires loaded rows
    questions = remembered.questions if remembered else await services.questions_of(db, ballot_id)
    try:
        result = await casting.cast_member_vote(db, ballot_id, member_id, _answers(form, questions),  # type: ignore[arg-type]
                                                text_of(form, "token", 200), questions=questions)
    except RuleViolation as exc:
        await db.rollback()
        member = await db.get(Member, member_id)  # type: ignore[assignment]
        await second_attempt(request, db, member, channel)
        ballot = await services.get_ballot(db, ballot_id)
        return await _form(request, db, ballot, action, exc.status_code, str(exc), hidden, member)
    turnout_changed(request.app, db, ballot_id)
    member_voted(request.app, db, ballot_id, workplace, branch)
    # Read by the cast after its gate (or remembered): no second query.
    ballot = remembered.ballot if remembered else await services.get_ballot(db, ballot_id)
    return _receipt(request, ballot, questions, result.receipts, result.repeated)


async def _cast_at_once(request: Request[Any, Any, Any], db: AsyncSession, member: LinkHolder,
                        token: str) -> Template | None:
    """The usual vote by link on PostgreSQL: the worker's copy of the open ballot and one statement
    (ballots.cast_statement); None when it takes the longer road."""
    if not is_postgres(db) or member.voted_at is not None:
        return None
    ballot = await open_member_ballots(db).get(db, member.ballot_id)
    if ballot is None or casting.refusal_for(ballot.ballot) is not None:
        return None
    form = await request.form()
    stored = await cast_in_one_statement(db, ballot, member, token, _answers(form, ballot.questions),
                                         text_of(form, "token", 200))
    if stored is None:
        return None
    turnout_changed(request.app, db, member.ballot_id)
    member_voted(request.app, db, member.ballot_id, member.workplace, member.branch)
    return _receipt(request, ballot.ballot, ballot.questions, stored, repeated=False)


class MemberVotePages(Controller):
    path = "/"
    guards = [public]
    include_in_schema = False

    @get("/vote/{token:str}")
    async def link(self, request: Request[Any, Any, Any], db_session: AsyncSession, token: str) -> Template:
        member = await member_for_link(db_session, token)
        ballot = None if member is None or member.removed_at is not None else (
            await open_member_ballots(db_session).get(db_session, member.ballot_id))
        if ballot is None:
            return ballot_page("ballots/link_refused.html", request, status_code=404, reason=_(LINK_PROBLEM))
        return await _form(request, db_session, ballot.ballot, f"/vote/{token}", member=member,
                           questions=ballot.questions)

    @post("/vote/{token:str}")
    async def vote_by_link(self, request: Request[Any, Any, Any], db_session: AsyncSession, token: str) -> Template:
        member = await member_for_link(db_session, token)
        if member is None or member.removed_at is not None:
            return ballot_page("ballots/link_refused.html", request, status_code=404, reason=_(LINK_PROBLEM))
        receipt = await _cast_at_once(request, db_session, member, token)
        if receipt is not None:
            return receipt
        # The cast reads the ballot itself, after passing its gate.
        return await _cast(request, db_session, member.ballot_id, member, f"/vote/{token}", {}, "link",
                           open_member_ballots(db_session).peek(member.ballot_id))

    @get("/ballots/{slug:str}/code")
    async def code_form(self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str) -> Template:
        ballot = await services.ballot_by_slug(db_session, slug)
        return ballot_page("ballots/code.html", request, ballot, error=None, number="")

    async def _member_for_code(self, request: Request[Any, Any, Any], db: AsyncSession, ballot: MemberBallot,
                               form: Any) -> Member | str:
        number, code = text_of(form, "membership_number", 40), text_of(form, "code", 40)
        client = request.client.host if request.client else "unknown"
        limiter, address = _code_limiter(request), _address_limiter(request)
        # Per credential, every try counts; per address, only wrong ones, with room for a whole
        # workplace (or a phone network) voting from one address.
        if not await limiter.hit(f"mbcode:{ballot.id}:{number.upper()}") or await address.spent(f"mbip:{client}"):
            return _("Too many tries. Wait %(seconds)s seconds and try again, or ask your branch for a new code.") % {
                "seconds": limiter.retry_after()}
        member = await credentials.member_for_code(db, ballot, number, code)
        if member is None:
            await address.hit(f"mbip:{client}")
            return _("That membership number and code do not match. Check both against the message the union sent "
                     "you (the code has 10 letters and digits), or ask your branch for a new code.")
        return member

    @post("/ballots/{slug:str}/code")
    async def code_check(self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str) -> Template:
        ballot = await services.ballot_by_slug(db_session, slug)
        form = await request.form()
        found = await self._member_for_code(request, db_session, ballot, form)
        if isinstance(found, str):
            return ballot_page("ballots/code.html", request, ballot, status_code=400, error=found,
                               number=text_of(form, "membership_number", 40))
        hidden = {"membership_number": found.membership_number, "code": text_of(form, "code", 40)}
        await second_attempt(request, db_session, found, "code")
        return await _form(request, db_session, ballot, f"/ballots/{slug}/vote", hidden=hidden, member=found)

    @post("/ballots/{slug:str}/vote")
    async def vote_by_code(self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str) -> Template:
        ballot = await services.ballot_by_slug(db_session, slug)
        form = await request.form()
        found = await self._member_for_code(request, db_session, ballot, form)
        if isinstance(found, str):
            return ballot_page("ballots/code.html", request, ballot, status_code=400, error=found,
                               number=text_of(form, "membership_number", 40))
        hidden = {"membership_number": found.membership_number, "code": text_of(form, "code", 40)}
        return await _cast(request, db_session, ballot.id, found, f"/ballots/{slug}/vote", hidden, "code")  # type: ignore[arg-type]

    @get("/ballots/{slug:str}/trackers")
    async def trackers(self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str) -> Template:
        ballot = await services.ballot_by_slug(db_session, slug)
        try:
            listed = await casting.trackers(db_session, ballot)
        except RuleViolation as exc:
            return ballot_page("ballots/trackers.html", request, ballot, status_code=exc.status_code,
                               trackers=[], error=str(exc))
        return ballot_page("ballots/trackers.html", request, ballot, trackers=listed, error=None)

    @get("/ballots/{slug:str}/board")
    async def board(self, request: Request[Any, Any, Any], db_session: AsyncSession, slug: str,
                    tracker: str | None = None, page: int | None = None) -> Template:
        """The public board: every sealed answer's tracker as soon as it is stored, sorted, frozen at close;
        a plain GET form says whether a tracker is on it."""
        ballot = await services.ballot_by_slug(db_session, slug)
        assert ballot.id is not None
        if ballot.state == MemberBallotState.DRAFT:
            raise services.MemberBallotError("This ballot has not opened yet.", 404)
        sealed = await db_session.get(MemberBallotSealing, ballot.id) is not None
        listed = await member_board_trackers(db_session, ballot.id) if sealed else []
        asked = (tracker or "").strip()[:40]
        wanted = read_tracker(asked) if asked else None
        frozen = ballot.state != MemberBallotState.OPEN
        on_page, shown_page, pages, first = board_page(listed, page, wanted)
        return ballot_page(
            "ballots/board.html", request, ballot, sealed=sealed, frozen=frozen, asked=asked,
            wanted=format_tracker(wanted) if wanted else None, count=len(listed), page=shown_page, pages=pages,
            first=first, found=None if wanted is None else wanted in set(listed),
            trackers=[format_tracker(t) for t in on_page],
            recorded_hash=await recorded_board_hash(db_session, ballot.id, "member_ballot") if frozen else None)
