"""The BLT ballot file that STV counting tools share: export for a recount elsewhere, import of a count done by hand.

    4 2                 candidates, seats
    -3                  optional: withdrawn candidates, negative numbers
    [withdrawn 3]       optional: the same, as other tools write it
    [tie 2 1 4 3]       optional: a tie order drawn before the count (first listed is chosen where a lot is needed)
    12 1 2 0            papers, preferences by candidate number (from 1), 0; "(id) 12 1 2 0" also reads
    0                   end of ballots
    "Ann Smith"         one quoted name per candidate (runs of spaces become one)
    "Standing orders committee"   title
    "Source" "Comment"  optional: any further text after the title is read and ignored

`#` starts a comment to the end of the line. An import is all or nothing: every bad line is
reported with its number and reason.
"""

from __future__ import annotations

import shlex

from unionvote.elections.count.types import CountInput, CountRefused, RankedBallot

MAX_BLT_BYTES = 20_000_000


class BltError(CountRefused):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("The BLT file was not imported: " + "; ".join(problems[:20])
                         + ("; ..." if len(problems) > 20 else ""))
        self.problems = problems


def export_blt(count_input: CountInput) -> str:
    lines = [f"{len(count_input.candidates)} {count_input.seats}"]
    if count_input.withdrawn:
        lines.append(" ".join(f"-{c + 1}" for c in sorted(count_input.withdrawn)))
    if count_input.tie_order:
        lines.append("[tie " + " ".join(str(c + 1) for c in count_input.tie_order) + "]")
    for ballot in count_input.ballots:
        lines.append(" ".join([str(ballot.count), *(str(c + 1) for c in ballot.ranking), "0"]))
    lines.append("0")
    lines.extend(_quote(name) for name in count_input.candidates)
    lines.append(_quote(count_input.title))
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parse_blt(text: str) -> CountInput:
    lines = [(number, line.split("#", 1)[0].strip()) for number, line in enumerate(text.splitlines(), start=1)]
    lines = [(number, line) for number, line in lines if line]
    if not lines:
        raise BltError(["the file is empty"])
    problems: list[str] = []
    header_no, header = lines[0]
    try:
        n_candidates, seats = (int(part) for part in header.split())
    except ValueError:
        raise BltError([f"line {header_no}: the first line must be two whole numbers, candidates and seats, "
                        f"not {header[:40]!r}"]) from None
    if n_candidates < 1 or seats < 1:
        raise BltError([f"line {header_no}: candidates and seats must both be at least 1"])
    rest = lines[1:]
    withdrawn: set[int] = set()
    tie_order: list[int] = []
    ballots: list[RankedBallot] = []
    ended = False
    while rest:
        number, line = rest.pop(0)
        if line == "0":
            ended = True
            break
        if line.startswith("["):
            _option(number, line, n_candidates, withdrawn, tie_order, problems)
        elif line.startswith("-"):
            _withdrawn(number, line.split(), n_candidates, withdrawn, problems)
        elif (ballot := _ballot(number, line, n_candidates, problems)) is not None:
            ballots.append(ballot)
    if not ended:
        problems.append("the ballots do not end with a line holding just 0")
        raise BltError(problems)
    strings: list[tuple[int, str]] = []
    for number, line in rest:
        try:
            parts = shlex.split(line, posix=True)
        except ValueError:
            problems.append(f"line {number}: unbalanced quotes")
            continue
        strings.extend((number, " ".join(part.split())) for part in parts)
    if len(strings) < n_candidates:
        problems.append(f"{n_candidates} candidate names expected after the ballots, found {len(strings)}")
    names = [name for _, name in strings[:n_candidates]]
    for number, name in strings[:n_candidates]:
        if not name:
            problems.append(f"line {number}: a candidate name is empty")
    seen: set[str] = set()
    for number, name in strings[:n_candidates]:
        if name and name in seen:
            problems.append(f"line {number}: two candidates are called {name!r}")
        seen.add(name)
    if problems:
        raise BltError(problems)
    # Any text after the title (a source, a comment) is other tools' annotation: read past it.
    title = strings[n_candidates][1] if len(strings) > n_candidates else ""
    return CountInput(tuple(names), seats, tuple(ballots), frozenset(withdrawn), title=title,
                      tie_order=tuple(tie_order))


def _withdrawn(number: int, parts: list[str], n_candidates: int, withdrawn: set[int], problems: list[str]) -> None:
    for part in parts:
        value = _int(part)
        if value is None or value >= 0 or -value > n_candidates:
            problems.append(f"line {number}: {part!r} is not a withdrawn candidate number (-1 to -{n_candidates})")
        else:
            withdrawn.add(-value - 1)


def _option(number: int, line: str, n_candidates: int, withdrawn: set[int], tie_order: list[int],
            problems: list[str]) -> None:
    """`[withdrawn 2 5]` or `[tie 3 1 2]`, candidates by number; any other option is refused by name."""
    if not line.endswith("]"):
        problems.append(f"line {number}: an option in square brackets must end with ]")
        return
    name, *parts = line[1:-1].split()
    if name not in ("withdrawn", "tie"):
        problems.append(f"line {number}: the option [{name} ...] is not one this count understands "
                        "(only [withdrawn ...] and [tie ...])")
        return
    listed: list[int] = []
    for part in parts:
        value = _int(part)
        if value is None or not 1 <= value <= n_candidates:
            problems.append(f"line {number}: {part!r} in [{name} ...] is not a candidate number (1 to {n_candidates})")
        elif value - 1 in listed or (name == "tie" and value - 1 in tie_order):
            problems.append(f"line {number}: candidate {value} is listed twice in [{name} ...]")
        else:
            listed.append(value - 1)
    if name == "withdrawn":
        withdrawn.update(listed)
    else:
        tie_order.extend(listed)


def _int(part: str) -> int | None:
    try:
        return int(part)
    except ValueError:
        return None


def _ballot(number: int, line: str, n_candidates: int, problems: list[str]) -> RankedBallot | None:
    parts = line.split()
    if parts[0].startswith("("):  # an optional ballot id: "(id) weight prefs 0"
        parts = parts[1:]
    if len(parts) < 2 or parts[-1] != "0":
        problems.append(f"line {number}: a ballot line must end with 0")
        return None
    weight = _int(parts[0])
    if weight is None or weight < 1:
        problems.append(f"line {number}: the number of papers must be a whole number of at least 1, "
                        f"not {parts[0]!r}")
        return None
    ranking: list[int] = []
    for part in parts[1:-1]:
        if "=" in part:
            problems.append(f"line {number}: equal preferences ({part}) cannot be counted by these rules")
            return None
        value = _int(part)
        if value is None or not 1 <= value <= n_candidates:
            problems.append(f"line {number}: {part!r} is not a candidate number (1 to {n_candidates})")
            return None
        if value - 1 in ranking:
            problems.append(f"line {number}: candidate {value} is ranked more than once")
            return None
        ranking.append(value - 1)
    return RankedBallot(tuple(ranking), weight)
