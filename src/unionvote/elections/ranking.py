"""Reading a ranked ballot form: one rank per candidate, 1, 2, 3... with no repeats and no gaps."""

from __future__ import annotations

from collections.abc import Mapping

from unionvote.elections.services import ElectionError
from unionvote.i18n import _


def ranking_from_form(ranks: Mapping[str, str], names: Mapping[str, str]) -> list[str]:
    """Candidate keys in preference order, or an ElectionError saying exactly what to put right.

    `ranks`: candidate key -> the rank typed or chosen ("" for none); `names`: key -> name."""
    given: dict[int, list[str]] = {}
    for key, raw in ranks.items():
        raw = raw.strip()
        if not raw:
            continue
        if key not in names:
            raise ElectionError(_("That candidate is not standing in this election: reload the ballot page."))
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= len(names):
            raise ElectionError(_("The rank for %(name)s must be a number from 1 to %(last)s.")
                                % {"name": names[key], "last": len(names)})
        given.setdefault(int(raw), []).append(key)
    if not given:
        raise ElectionError(_("Rank at least one candidate: put 1 beside your first choice."))
    for rank, keys in sorted(given.items()):
        if len(keys) > 1:
            both = (" " + _("and") + " ").join(names[k] for k in keys)
            raise ElectionError(_("You gave rank %(rank)s to %(names)s: each rank goes to one candidate only.")
                                % {"rank": rank, "names": both})
    expected = 1
    for rank in sorted(given):
        if rank != expected:
            raise ElectionError(_("You gave rank %(rank)s but no rank %(missing)s: number your choices 1, 2, 3... "
                                  "without gaps.") % {"rank": rank, "missing": expected})
        expected += 1
    return [given[rank][0] for rank in sorted(given)]
