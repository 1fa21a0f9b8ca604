"""Motion text as printed in the agenda: paragraphs of numbered lines, and amendments applied to them.

A motion's text is what the submitter wrote, one printed line per line; a blank line
starts a new paragraph and takes no number. Line numbers count the non-blank lines of
one version, so "line 7" means the same words for every delegate reading that version.

Amendments work on whole lines of the version they were made against: delete lines
a-b, insert new lines after line n (0: at the start), or replace lines a-b. Two
amendments overlap when they touch the same line, or one inserts between lines the
other deletes or replaces; overlapping amendments cannot both be carried.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from unionvote.i18n import N_, _

BREAK = None  # a paragraph break between lines
Line = str | None
MAX_LINE = 500
MAX_LINES = 400


class TextProblem(ValueError):
    """Text or a line range that cannot be used, with a message a person can act on."""


def parse_text(text: str, *, what: str = N_("The motion")) -> list[Line]:
    """Lines and paragraph breaks, with trailing spaces and repeated blank lines removed."""
    lines: list[Line] = []
    what = _(what)  # marked with N_ where it is named
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = " ".join(raw.split())
        if any(ch < " " or ch == "\x7f" for ch in line):
            raise TextProblem(_("%(what)s has a character that cannot be printed. Type it as plain text.")
                              % {"what": what})
        if len(line) > MAX_LINE:
            raise TextProblem(_("%(what)s has a line longer than %(most)s characters. Break it into shorter "
                                "lines.") % {"what": what, "most": MAX_LINE})
        if line:
            lines.append(line)
        elif lines and lines[-1] is not BREAK:
            lines.append(BREAK)
    while lines and lines[-1] is BREAK:
        lines.pop()
    if not lines:
        raise TextProblem(_("%(what)s has no text. Write at least one line.") % {"what": what})
    if line_count(lines) > MAX_LINES:
        raise TextProblem(_("%(what)s is longer than %(most)s lines.") % {"what": what, "most": MAX_LINES})
    return lines


def line_count(lines: Sequence[Line]) -> int:
    return sum(1 for line in lines if line is not BREAK)


def numbered(lines: Sequence[Line]) -> list[tuple[int | None, str | None]]:
    """(line number, text) in order; paragraph breaks are (None, None)."""
    out: list[tuple[int | None, str | None]] = []
    n = 0
    for line in lines:
        if line is BREAK:
            out.append((None, None))
        else:
            n += 1
            out.append((n, line))
    return out


def join_text(lines: Sequence[Line]) -> str:
    return "\n".join("" if line is BREAK else line for line in lines)


def text_of_lines(lines: Sequence[Line], first: int, last: int) -> list[str]:
    """The text of lines first..last (numbered from 1)."""
    return [text for n, text in numbered(lines) if n is not None and first <= n <= last]  # type: ignore[misc]


@dataclass(frozen=True)
class LineChange:
    """One amendment's effect. For an insert, `first` is the line it goes after and `last` equals it."""

    ref: object  # who made the change (an amendment id), carried into the result
    kind: str  # delete, insert or replace
    first: int
    last: int
    new_lines: tuple[Line, ...] = ()

    def span(self) -> tuple[int, int]:
        """On a doubled scale line k sits at 2k and the gap after it at 2k+1."""
        if self.kind == "insert":
            return 2 * self.first + 1, 2 * self.first + 1
        return 2 * self.first, 2 * self.last

    def describe(self) -> str:
        if self.kind == "insert":
            return _("at the start") if self.first == 0 else _("after line %(n)s") % {"n": self.first}
        if self.first == self.last:
            return _("line %(n)s") % {"n": self.first}
        return _("lines %(first)s–%(last)s") % {"first": self.first, "last": self.last}


def check_change(change: LineChange, count: int) -> None:
    """Refuse a line range the text does not have, or new text where none belongs."""
    if change.kind not in ("delete", "insert", "replace"):
        raise TextProblem(_("Choose whether the amendment deletes, inserts or replaces lines."))
    if change.kind == "insert":
        if not 0 <= change.first <= count:
            raise TextProblem(_("There is no line %(line)s to insert after: the motion has lines 1 to %(count)s "
                                "(use 0 to insert at the start).") % {"line": change.first, "count": count})
    else:
        if change.first < 1 or change.last < change.first:
            raise TextProblem(_("Give a line range from a first line to a last line no earlier than it, "
                              "for example 3 to 5."))
        if change.last > count:
            raise TextProblem(_("There is no line %(line)s: the motion has lines 1 to %(count)s.")
                              % {"line": change.last, "count": count})
    if change.kind == "delete" and any(line is not BREAK for line in change.new_lines):
        raise TextProblem(_("An amendment that deletes lines has no new text. Choose 'replace' to put words in."))
    if change.kind != "delete" and line_count(change.new_lines) == 0:
        raise TextProblem(_("Write the new text the amendment puts in."))


def overlaps(a: LineChange, b: LineChange) -> bool:
    (a_lo, a_hi), (b_lo, b_hi) = a.span(), b.span()
    return a_lo <= b_hi and b_lo <= a_hi


def overlapping_pairs(changes: Sequence[LineChange]) -> list[tuple[LineChange, LineChange]]:
    return [(a, b) for i, a in enumerate(changes) for b in changes[i + 1:] if overlaps(a, b)]


@dataclass(frozen=True)
class AmendedLine:
    """A line of the motion as amended: its new number, and where it came from."""

    number: int | None  # None: a paragraph break
    text: str | None
    original: int | None  # the line number in the version amended, for unchanged lines
    ref: object | None  # the change that put this line in
    source: str  # "line 4", or "inserted after line 4", "replaces lines 3–5"


def apply_changes(lines: Sequence[Line], changes: Sequence[LineChange]) -> list[AmendedLine]:
    """The text with every change made, each line labelled with where it came from.

    The changes must not overlap (carried amendments never do: carrying one makes the
    overlapping ones fall), and each must fit the text.
    """
    count = line_count(lines)
    for change in changes:
        check_change(change, count)
    if overlapping_pairs(changes):
        raise TextProblem(_("Overlapping amendments cannot both change the motion."))
    inserts = {c.first: c for c in changes if c.kind == "insert"}
    starts = {c.first: c for c in changes if c.kind != "insert"}
    out: list[tuple[str | None, int | None, object | None, str]] = []

    def put_new(change: LineChange, source: str) -> None:
        for line in change.new_lines:
            out.append((line, None, change.ref, source) if line is not BREAK else (None, None, None, ""))

    if 0 in inserts:
        put_new(inserts[0], _("inserted at the start"))
    skip_to = 0
    n = 0
    for line in lines:
        if line is BREAK:  # kept even inside a deleted range: the lines either side stay in their paragraphs
            out.append((None, None, None, ""))
            continue
        n += 1
        change = starts.get(n)
        if change is not None:
            if change.kind == "replace":
                put_new(change, _("replaces %(where)s") % {"where": change.describe()})
            skip_to = change.last  # lines n..last are gone
        elif n > skip_to:
            out.append((line, n, None, _("line %(n)s") % {"n": n}))
        if n in inserts:
            put_new(inserts[n], _("inserted after line %(n)s") % {"n": n})
    return _renumber(out)


def _renumber(rows: list[tuple[str | None, int | None, object | None, str]]) -> list[AmendedLine]:
    cleaned: list[tuple[str | None, int | None, object | None, str]] = []
    for row in rows:
        if row[0] is None and (not cleaned or cleaned[-1][0] is None):
            continue  # no break at the start, none twice in a row
        cleaned.append(row)
    while cleaned and cleaned[-1][0] is None:
        cleaned.pop()
    result: list[AmendedLine] = []
    n = 0
    for text, original, ref, source in cleaned:
        if text is None:
            result.append(AmendedLine(None, None, None, None, ""))
        else:
            n += 1
            result.append(AmendedLine(n, text, original, ref, source))
    return result


def amended_text(result: Sequence[AmendedLine]) -> str:
    return "\n".join(line.text or "" for line in result)
