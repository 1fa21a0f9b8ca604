"""The result sheet a scrutineer would write: stages as columns, one row per candidate, for each stage the
transfer and the total, then the non-transferable line (and, where the rule keeps them apart, the votes lost
to fractions) and the quota when the rule can change it."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from unionvote.elections.count import RULE_NAMES
from unionvote.i18n import N_, _

# ERS97 5.3.9-5.3.10: the difference left by rounding a transfer value down is non-transferable.
# Meek keeps no separate line either: what rounding up holds back stays in its remainder.
ROUNDING_IS_NON_TRANSFERABLE = {"ers97-stv", "meek-stv"}
KIND_WORDS = {
    "first preferences": N_("Stage %(number)s: First preferences"),
    "surplus": N_("Stage %(number)s: Surplus of %(subject)s"),
    "exclusion": N_("Stage %(number)s: Exclusion of %(subject)s"),
    "round": N_("Stage %(number)s: Round ending with %(subject)s"),
}


@dataclass
class SheetRow:
    name: str
    cells: list[tuple[str, str]]  # (transfer, total) per stage; "" where nothing moved
    outcome: str  # "Elected at stage 3", "Excluded at stage 2", ""


@dataclass
class Sheet:
    rule: str
    seats: int
    quota: str | None
    total_valid: str
    headings: list[str]
    transfer_values: list[str]
    rows: list[SheetRow]
    non_transferable: list[tuple[str, str]]  # (transfer, running total) per stage
    lost_to_fractions: list[str]  # empty where the rule puts rounding on the non-transferable line
    quotas: list[str] = field(default_factory=list)  # per stage, only when the quota changes during the count
    notes: list[str] = field(default_factory=list)
    elected: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)


def build_sheet(record: dict[str, Any], names: dict[str, str]) -> Sheet:
    def name(key: str) -> str:
        return names.get(key, key)

    stages = record["stages"]
    headings = []
    for stage in stages:
        subject = ", ".join(name(k) for k in stage["subject"])
        kind = KIND_WORDS.get(stage["kind"])
        headings.append(_(kind) % {"number": stage["number"], "subject": subject} if kind
                        else f"{stage['number']}: {stage['kind']}")
    outcome: dict[str, str] = {}
    notes: list[str] = []
    for stage in stages:
        for key in stage["elected"]:
            outcome[key] = _("Elected at stage %(number)s") % {"number": stage["number"]}
        for key in stage["excluded"]:
            outcome[key] = _("Excluded at stage %(number)s") % {"number": stage["number"]}
        if stage["deferred"]:
            notes.append(_("Stage %(number)s: surplus of %(names)s deferred (it could not change who is excluded).")
                         % {"number": stage["number"], "names": ", ".join(name(k) for k in stage["deferred"])})
        for tie in stage["tie_breaks"]:
            said = {"number": stage["number"], "tied": ", ".join(name(k) for k in tie["tied"]),
                    "purpose": tie["purpose"], "chosen": name(tie["chosen"]), "back": tie.get("decided_at_stage")}
            notes.append((_("Stage %(number)s: %(tied)s were tied (%(purpose)s); %(chosen)s chosen by looking back "
                            "to stage %(back)s.") if tie["method"] == "look-back"
                          else _("Stage %(number)s: %(tied)s were tied (%(purpose)s); %(chosen)s chosen by lot "
                                 "(a SHA-256 draw anyone can repeat).")) % said)
        if stage["note"]:
            notes.append(_("Stage %(number)s: %(note)s") % {"number": stage["number"], "note": stage["note"]})
        kept = [f"{name(k)} {v}" for k, v in stage.get("keep_values", {}).items() if Decimal(v) not in (0, 1)]
        if kept:
            notes.append(_("Stage %(number)s: keep values %(values)s.") % {"number": stage["number"],
                                                                             "values": ", ".join(kept)})
    rows = []
    non_transferable = []
    previous = "0"
    for stage in stages:
        moved = Decimal(stage["non_transferable"]) - Decimal(previous)
        non_transferable.append((f"{moved:+f}" if moved else "", stage["non_transferable"]))
        previous = stage["non_transferable"]
    quotas = [stage.get("quota") or "" for stage in stages]
    for key in record["candidates"]:
        cells = []
        for stage in stages:
            moved = stage["transfers"].get(key, "")
            if moved and not moved.startswith("-"):
                moved = "+" + moved
            cells.append((moved, stage["votes"].get(key, "")))
        rows.append(SheetRow(name(key), cells, outcome.get(key, "")))
    return Sheet(
        rule=_(RULE_NAMES[record["rule"]]) if record["rule"] in RULE_NAMES else record["rule"],
        seats=record["seats"], quota=record["quota"],
        total_valid=record["total_valid"], headings=headings,
        transfer_values=[s["transfer_value"] or "" for s in stages], rows=rows,
        non_transferable=non_transferable,
        lost_to_fractions=[] if record["rule"] in ROUNDING_IS_NON_TRANSFERABLE
        else [s["lost_to_fractions"] for s in stages],
        quotas=quotas if len(set(quotas)) > 1 else [], notes=notes,
        elected=[name(k) for k in record["elected"]], withdrawn=[name(k) for k in record["withdrawn"]],
    )
