"""Results, after close only: totals, turnout, thresholds, and per-segment results with small groups suppressed.

Declaring stores the result document (canonical JSON) and puts its SHA-256 into the
ballot's audit chain. The figures of a sealed ballot are its decrypted totals (ballots.sealed).
Segments with fewer voters than the ballot's minimum show turnout only: their choices are
withheld so no one's vote can be inferred, and in a sealed ballot their sums were never
decrypted. Segments with fewer members than the minimum show their name only: their turnout
would say who voted. Within each kind, when the withheld segments together hold fewer votes than
the minimum, the smallest others are withheld too ("complement"), or the totals minus the shown
segments would tell the withheld ones' votes (sealing.slices.complement_withheld).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.audit.chain import canonical_json
from unionvote.audit.services import actor_of, record
from unionvote.ballots.complaints import check_declarable
from unionvote.ballots.models import INDICATIVE_NOTICE, SEGMENTS, Member, MemberBallot, MemberBallotState, MemberContent
from unionvote.ballots.sealed import Counted, counted
from unionvote.ballots.services import MemberBallotError, labels_of, lock_ballot, questions_of, scope_for
from unionvote.ballots.thresholds import analyse, percent_text
from unionvote.db import utcnow
from unionvote.i18n import N_, format_number, gettext, ngettext
from unionvote.sealing.slices import complement_withheld

YES = "yes"


class Worded(str):
    """Words as machine-read files hold them (English, numbers as 1,234), which a printable page shows in its
    reader's language instead (`shown()`): the same rows feed a CSV file and a printed statement. The message is
    marked where it is made (`Worded(N_(...))`, or `Worded.ngettext(...)` for words that follow a count)."""

    singular: str
    plural: str | None
    count: int
    params: dict[str, object]

    def __new__(cls, message: str, plural: str | None = None, count: int = 1, **params: object) -> Worded:
        english = message if plural is None or count == 1 else plural
        made = super().__new__(cls, english % {key: _english(value) for key, value in params.items()})
        made.singular, made.plural, made.count, made.params = message, plural, count, params
        return made

    @classmethod
    def ngettext(cls, singular: str, plural: str, count: int, **params: object) -> Worded:
        return cls(singular, plural, count, **params)

    def shown(self) -> str:
        words = gettext(self.singular) if self.plural is None else ngettext(self.singular, self.plural, self.count)
        return words % {key: _shown(value) for key, value in self.params.items()}


def _english(value: object) -> object:
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else value


def _shown(value: object) -> object:
    if isinstance(value, Worded):
        return value.shown()
    return format_number(value) if isinstance(value, int) and not isinstance(value, bool) else value


COMPLEMENT_WORDS = Worded(N_("withheld so a smaller group's votes cannot be worked out"))


def _check_closed(ballot: MemberBallot) -> None:
    if ballot.state in (MemberBallotState.DRAFT, MemberBallotState.OPEN):
        raise MemberBallotError("Results are hidden from everyone until voting closes.", 409)


async def _choice_counts(db: AsyncSession, question_id: int, segment: str | None,
                         sealed: Counted | None) -> dict[tuple[str, str], int]:
    """{(segment value, option key): votes}; segment value '' when not split. Sealed: the decrypted slices."""
    if sealed is not None:
        return sealed.counts(question_id, segment)
    column = getattr(MemberContent, segment) if segment else None
    query = select(*(c for c in (column,) if c is not None), MemberContent.choice, func.count()).where(
        MemberContent.question_id == question_id).group_by(*(c for c in (column,) if c is not None),
                                                           MemberContent.choice)
    counts: dict[tuple[str, str], int] = {}
    for row in (await db.execute(query)).all():
        value, choice, count = (row[0], row[1], row[2]) if segment else ("", row[0], row[1])
        for key in json.loads(choice):
            counts[(value, key)] = counts.get((value, key), 0) + count
    return counts


async def _entitled_by(db: AsyncSession, ballot_id: int, segment: str) -> dict[str, tuple[int, int]]:
    column = getattr(Member, segment)
    return {value: (entitled, voted) for value, entitled, voted in (await db.execute(
        select(column, func.count(), func.count(Member.voted_at)).where(
            Member.ballot_id == ballot_id, Member.removed_at.is_(None)).group_by(column))).all()}


def _complement(by_choice: dict[tuple[str, str], int], members: dict[str, tuple[int, int]],
                minimum: int) -> set[str]:
    """A ballot cast in the clear: the segments withheld by the rule the sealed tally follows (complement_withheld)."""
    votes: dict[str, int] = {}
    for (value, _), count in by_choice.items():
        votes[value] = votes.get(value, 0) + count
    small = [value for value, n in votes.items() if n < minimum or members.get(value, (0, 0))[0] < minimum
             or members.get(value, (0, 0))[1] < minimum]
    return complement_withheld(votes, small, minimum)


async def result_document(db: AsyncSession, ballot: MemberBallot) -> dict[str, Any]:
    """The canonical result: integers and strings only."""
    _check_closed(ballot)
    questions = await questions_of(db, ballot.id)  # type: ignore[arg-type]
    entitled, voted = (await db.execute(select(func.count(), func.count(Member.voted_at)).where(
        Member.ballot_id == ballot.id, Member.removed_at.is_(None)))).one()
    doc: dict[str, Any] = {
        "ballot": ballot.id, "slug": ballot.slug, "title": ballot.title, "notice": INDICATIVE_NOTICE,
        "entitled": entitled, "voted": voted, "turnout_percent_required": ballot.turnout_percent,
        "yes_percent_required": ballot.yes_percent, "minimum_segment": ballot.min_segment,
        "electorate_sha256": ballot.electorate_hash, "contents_sha256": ballot.contents_hash, "questions": [],
    }
    sealed = await counted(db, ballot)
    overall_turnout = analyse("Everyone", entitled, voted, turnout_percent=ballot.turnout_percent)
    doc["turnout_met"], doc["turnout_short_by"] = overall_turnout.turnout.met, overall_turnout.turnout.short_by
    for question in questions:
        options = labels_of(question)
        totals = await _choice_counts(db, question.id, None, sealed)  # type: ignore[arg-type]
        cast = sum(totals.values())
        item: dict[str, Any] = {"id": question.id, "position": question.position, "text": question.text,
                                "options": [[k, label] for k, label in options],
                                "totals": {k: totals.get(("", k), 0) for k, _ in options},
                                "cast": cast, "invalid": 0, "segments": {}}
        has_yes = any(k == YES for k, _ in options)
        if ballot.yes_percent is not None and has_yes:
            yes = analyse("Everyone", entitled, voted, turnout_percent=ballot.turnout_percent,
                          yes_percent=ballot.yes_percent, yes_votes=item["totals"][YES]).yes
            item["yes_met"], item["yes_short_by"] = yes.met, yes.short_by  # type: ignore[union-attr]
        for segment in SEGMENTS:
            by_choice = await _choice_counts(db, question.id, segment, sealed)  # type: ignore[arg-type]
            members = await _entitled_by(db, ballot.id, segment)  # type: ignore[arg-type]
            complement = _complement(by_choice, members, ballot.min_segment) if sealed is None else set()
            rows = []
            for value, (seg_entitled, seg_voted) in sorted(members.items()):
                analysis = analyse(value, seg_entitled, seg_voted, turnout_percent=ballot.turnout_percent,
                                   yes_percent=ballot.yes_percent if has_yes else None,
                                   yes_votes=by_choice.get((value, YES), 0) if has_yes else None)
                if seg_entitled < ballot.min_segment:
                    # Too few members to show even who voted: a branch of one would say whether its member did.
                    rows.append({"name": value, "small": True, "suppressed": True})
                    continue
                # Sealed: a segment whose sum was not decrypted at close has no figures to show.
                suppressed = seg_voted < ballot.min_segment or value in complement or (
                    sealed is not None and not sealed.decrypted(question.id, segment, value))  # type: ignore[arg-type]
                row: dict[str, Any] = {"name": value, "small": False, "entitled": seg_entitled, "voted": seg_voted,
                                       "turnout_met": analysis.turnout.met,
                                       "turnout_short_by": analysis.turnout.short_by, "suppressed": suppressed}
                if suppressed and seg_voted >= ballot.min_segment:
                    row["complement"] = True  # large enough, withheld so a smaller group's votes cannot be worked out
                if not suppressed:
                    row["totals"] = {k: by_choice.get((value, k), 0) for k, _ in options}
                    if analysis.yes is not None:
                        row["yes_met"], row["yes_short_by"] = analysis.yes.met, analysis.yes.short_by
                rows.append(row)
            item["segments"][segment] = rows
        doc["questions"].append(item)
    return doc


def digest(document: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(document)).hexdigest()


async def declare_result(db: AsyncSession, ballot_id: int, *, by: int | None) -> MemberBallot:
    ballot = await lock_ballot(db, ballot_id)
    if ballot.state != MemberBallotState.CLOSED:
        raise MemberBallotError("Close the ballot before declaring its result." if ballot.state != "declared"
                                else "The result has been declared already.", 409)
    await check_declarable(db, ballot)
    document = await result_document(db, ballot)
    ballot.result, ballot.result_hash = canonical_json(document).decode(), digest(document)
    ballot.state, ballot.declared_at = MemberBallotState.DECLARED, utcnow()
    await record(db, scope=scope_for(ballot_id), actor=actor_of(by), action="member_ballot.declared",
                 payload={"result_sha256": ballot.result_hash, "entitled": document["entitled"],
                          "voted": document["voted"]})
    return ballot


async def shown_result(db: AsyncSession, ballot: MemberBallot) -> dict[str, Any]:
    """The declared result, or (closed, not yet declared) the count as it stands."""
    _check_closed(ballot)
    if ballot.result is not None:
        return json.loads(ballot.result)  # type: ignore[no-any-return]
    return await result_document(db, ballot)


def report_rows(document: dict[str, Any]) -> list[list[object]]:
    """The scrutineer's report as rows: entitled, cast, each choice, invalid, turnout, per question."""
    rows: list[list[object]] = []
    for q in document["questions"]:
        rows.append([Worded(N_("Question %(n)s"), n=q["position"]), q["text"]])
        rows.append([N_("Entitled to vote"), document["entitled"]])
        rows.append([N_("Votes cast"), q["cast"]])
        for key, label in q["options"]:
            rows.append([label, q["totals"][key]])
        rows.append([N_("Spoilt or invalid"), q["invalid"]])
        rows.append([N_("Turnout"), percent_text(document["voted"], document["entitled"])])
        rows.extend(employer_verdicts(document, q))
    rows.append([N_("Notice"), document["notice"]])
    return rows


def employer_verdicts(document: dict[str, Any], question: dict[str, Any]) -> list[list[object]]:
    """Each employer judged on its own figures: turnout and (when set) the yes share of those entitled.

    Figures print as 1,234 in the English (CSV) text, except the percentages and the minimum, as before."""
    rows: list[list[object]] = []
    minimum = str(document["minimum_segment"])
    for row in question["segments"]["employer"]:
        name = row["name"] or Worded(N_("(not given)"))
        if row["small"]:
            rows.append([Worded(N_("Employer %(name)s"), name=name),
                         Worded(N_("withheld: fewer than %(minimum)s members"), minimum=minimum)])
            continue
        voted, entitled = row["voted"], row["entitled"]
        turnout = Worded(N_("met (%(voted)s of %(entitled)s voted)"), voted=voted, entitled=entitled)
        if not row["turnout_met"]:
            turnout = Worded.ngettext("not met: %(short)s vote short (%(voted)s of %(entitled)s voted)",
                                      "not met: %(short)s votes short (%(voted)s of %(entitled)s voted)",
                                      row["turnout_short_by"], short=row["turnout_short_by"], voted=voted,
                                      entitled=entitled)
        rows.append([Worded(N_("Employer %(name)s: turnout %(percent)s%%"), name=name,
                            percent=str(document["turnout_percent_required"])), turnout])
        if "yes_met" in row:
            yes = Worded(N_("met (%(yes)s of %(entitled)s)"), yes=row["totals"]["yes"], entitled=entitled)
            if not row["yes_met"]:
                yes = Worded.ngettext("not met: %(short)s yes vote short (%(yes)s of %(entitled)s)",
                                      "not met: %(short)s yes votes short (%(yes)s of %(entitled)s)",
                                      row["yes_short_by"], short=row["yes_short_by"], yes=row["totals"]["yes"],
                                      entitled=entitled)
            rows.append([Worded(N_("Employer %(name)s: yes votes %(percent)s%% of entitled"), name=name,
                                percent=str(document["yes_percent_required"])), yes])
        elif row["suppressed"] and document["yes_percent_required"] is not None:
            rows.append([Worded(N_("Employer %(name)s: yes votes"), name=name), COMPLEMENT_WORDS
                         if row.get("complement") else
                         Worded(N_("withheld: fewer than %(minimum)s voted"), minimum=minimum)])
    return rows
