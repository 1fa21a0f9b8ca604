"""Heads noted at a trusted moment, and checking that an export's chains reach them. Pure: no database.

A chain cut short is still a valid chain; only a head noted earlier (when a result was
certified, or from a signed heads statement) shows that entries are missing. The heads come
from the command line (`--head HASH` or `--head SCOPE=HASH`) or from a file: the lines of
`unionvote audit heads` (`scope<TAB>entries<TAB>hash`) or a heads statement (audit.signing).
docs/audit-format.md ("Checking an export against noted heads") states the rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from unionvote.i18n import _

HASH = re.compile(r"[0-9a-fA-F]{64}")


class HeadsUnreadable(ValueError):
    """A head given on the command line or in a heads file that is not a scope and a 64-hex hash."""


@dataclass
class NotedHeads:
    by_scope: dict[str, str] = field(default_factory=dict)  # scope -> hash, lowercase
    loose: list[str] = field(default_factory=list)  # hashes given without a scope

    def __bool__(self) -> bool:
        return bool(self.by_scope or self.loose)

    def add(self, scope: str | None, value: str, where: str) -> None:
        if not HASH.fullmatch(value):
            raise HeadsUnreadable(_("%(where)s: %(value)s is not a head (64 hexadecimal characters)")
                                  % {"where": where, "value": repr(value)})
        if scope is None:
            self.loose.append(value.lower())
        elif self.by_scope.setdefault(scope, value.lower()) != value.lower():
            raise HeadsUnreadable(_("%(where)s: two different heads are given for %(scope)s")
                                  % {"where": where, "scope": scope})


def heads_from_arguments(values: Iterable[str]) -> NotedHeads:
    noted = NotedHeads()
    for value in values:
        scope, _eq, given = value.rpartition("=")
        noted.add(scope or None, given.strip(), f"--head {value}")
    return noted


def heads_from_listing(text: str, name: str, noted: NotedHeads | None = None) -> NotedHeads:
    """The lines printed by `unionvote audit heads`: scope, number of entries and head, tab-separated."""
    noted = NotedHeads() if noted is None else noted
    for line_no, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        parts = line.strip().split("\t")
        where = _("%(name)s line %(line)s") % {"name": name, "line": line_no}
        if len(parts) != 3:
            raise HeadsUnreadable(_("%(where)s: expected 'scope<TAB>entries<TAB>hash'") % {"where": where})
        noted.add(parts[0], parts[2], where)
    return noted


@dataclass
class AnchorCheck:
    """Which noted heads an export's chains reach. `belongs(scope)` says whether a scope is the export's."""

    noted: NotedHeads
    belongs: Callable[[str], bool]
    reached: dict[str, set[str]] = field(default_factory=dict)  # scope -> every hash of its exported chain

    def chain(self, scope: str, hashes: Iterable[str]) -> None:
        self.reached[scope] = set(hashes)

    def problems(self) -> tuple[int, int, list[str]]:
        """(heads checked, heads of other scopes skipped, what failed)."""
        checked, skipped, failed = 0, 0, []
        for scope, head in sorted(self.noted.by_scope.items()):
            if not self.belongs(scope) and scope not in self.reached:
                skipped += 1
                continue
            checked += 1
            if scope not in self.reached:
                failed.append(_("the noted head of %(scope)s is %(head)s, but the export has no chain for %(scope)s: "
                                "it was left out") % {"scope": scope, "head": head})
            elif head not in self.reached[scope]:
                failed.append(_("the chain of %(scope)s never reaches the noted head %(head)s: it was cut short, "
                                "or comes from a different chain") % {"scope": scope, "head": head})
        everything = set().union(*self.reached.values()) if self.reached else set()
        for head in self.noted.loose:
            checked += 1
            if head not in everything:
                failed.append(_("no chain of the export reaches the noted head %(head)s: a chain was cut short "
                                "or left out") % {"head": head})
        if checked == 0:
            failed.append(_("none of the noted heads is of a chain of this export"))
        return checked, skipped, failed
