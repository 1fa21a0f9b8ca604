"""Reads the reference count reports in tests/data/stv into stage snapshots to compare with ours."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "data" / "stv"
WARDS = ["Calton-2007", "Govan-2007", "Hillhead-2007", "Linn-2007", "Partick-West-2007"]
# The report actions after which the votes stand at the end of a stage.
STAGE_ACTIONS = ("Begin Count", "Surplus transferred", "Transfer defeated")
_CANDIDATE = re.compile(r"^\t(Elected|Hopeful|Pending):\s+(.+) \((-?\d+\.\d+)\)$")
_TOTAL = re.compile(r"^\t(Nontransferable votes|Residual): (-?\d+\.\d+)$")


@dataclass
class Snapshot:
    action: str
    votes: dict[str, Decimal] = field(default_factory=dict)
    non_transferable: Decimal = Decimal(0)
    residual: Decimal = Decimal(0)


@dataclass
class Report:
    quota: Decimal
    snapshots: list[Snapshot]
    elected: set[str]


def read_report(ward: str) -> Report:
    text = (DATA / f"{ward}.expected-report.txt").read_text()
    quota = Decimal(re.search(r"Quota: (\d+\.\d+)", text).group(1))
    snapshots: list[Snapshot] = []
    current: Snapshot | None = None
    for line in text.splitlines():
        if line.startswith("Action: "):
            current = Snapshot(line[len("Action: "):].split(":")[0])
            snapshots.append(current)
        elif current is not None and (match := _CANDIDATE.match(line)):
            current.votes[match.group(2)] = Decimal(match.group(3))
        elif current is not None and (match := _TOTAL.match(line)):
            if match.group(1) == "Residual":
                current.residual = Decimal(match.group(2))
            else:
                current.non_transferable = Decimal(match.group(2))
    final = snapshots[-1]
    assert final.action == "Count Complete"
    complete = text.split("Action: Count Complete", 1)[1]
    elected = {line.split(":", 1)[1].strip().rsplit(" (", 1)[0]
               for line in complete.splitlines() if line.startswith("\tElected:")}
    return Report(quota, [s for s in snapshots if s.action in STAGE_ACTIONS], elected)
