"""ERS97 and Meek recounts written from docs/audit-format.md ("Elections: counting rules") alone.

What a scrutineer could write with the standard library, sharing no code with unionvote: given an
`election.declared` payload (rule, seats, candidates, papers, election id) it returns the stage
record the page says the count must produce. Every field but `note` is compared by the callers.
"""

from __future__ import annotations

import hashlib
from typing import Any


def recount(payload: dict[str, Any]) -> dict[str, Any]:
    rule = payload["rule"]
    if rule == "ers97-stv":
        return Ers97(payload).count()
    if rule == "meek-stv":
        return Meek(payload).count()
    raise ValueError(f"this recount knows ERS97 and Meek, not {rule}")


def up(numerator: int, denominator: int) -> int:
    """Divide, rounding up."""
    return -(-numerator // denominator)


def text(value: int, places: int) -> str:
    sign = "-" if value < 0 else ""
    whole, part = divmod(abs(value), 10**places)
    return f"{sign}{whole}.{part:0{places}d}"


class Count:
    places = 0

    def __init__(self, payload: dict[str, Any]) -> None:
        self.seed = f"election:{payload['election']}"
        self.seats = payload["seats"]
        self.names = [str(c) for c in payload["candidates"]]
        self.order = {name: i for i, name in enumerate(self.names)}
        self.papers = [(n, [str(c) for c in prefs]) for n, prefs in payload["papers"] if prefs]
        self.valid = sum(n for n, _ in self.papers)
        self.stages: list[dict[str, Any]] = []
        self.elected: list[str] = []

    def listing(self, names) -> list[str]:
        return sorted(names, key=self.order.__getitem__)

    def lot(self, tied: list[str], purpose: str) -> str:
        stage = len(self.stages) + 1
        return min(tied, key=lambda name: hashlib.sha256(f"{self.seed}|{stage}|{purpose}|{name}".encode())
                   .hexdigest())

    def record(self, quota: int) -> dict[str, Any]:
        return {"rule": self.rule, "seats": self.seats, "candidates": self.names, "withdrawn": [],
                "total_valid": text(self.valid * 10**self.places, self.places), "quota": text(quota, self.places),
                "places": self.places, "elected": self.elected, "stages": self.stages}


class Ers97(Count):
    rule, places = "ers97-stv", 2

    def count(self) -> dict[str, Any]:
        self.votes = dict.fromkeys(self.names, 0)
        self.piles: dict[str, list[list]] = {name: [] for name in self.names}
        self.batch: dict[str, list[list]] = {}
        for n, prefs in self.papers:
            paper = [n, prefs, 0, 100]  # papers, preferences, position, value
            self.piles[prefs[0]].append(paper)
            self.votes[prefs[0]] += 100 * n
        for name in self.names:
            self.batch[name] = list(self.piles[name])
        self.continuing = set(self.names)
        self.waiting: list[str] = []  # elected with a surplus not yet moved
        self.held = 0  # votes of candidates being excluded, not yet moved
        self.lost = 0
        self.points: list[tuple[int, dict[str, int]]] = []
        self.quota = self.q(self.valid * 100)
        self.open_stage()
        self.point()
        self.deem()
        self.close("first preferences", [], {})
        while self.seats - len(self.elected) > 0:
            places = self.seats - len(self.elected)
            if len(self.continuing) <= places:
                rest = sorted(self.continuing, key=lambda c: (-self.votes[c], self.order[c]))
                self.elected += rest
                self.stages[-1]["elected"] += rest
                self.continuing.clear()
                break
            if self.waiting and not self.deferred():
                self.surplus()
                continue
            group = self.group()
            if len(self.continuing) - len(group) == places:
                rest = sorted(self.continuing - set(group), key=lambda c: (-self.votes[c], self.order[c]))
                self.elected += rest
                self.stages[-1]["elected"] += rest
                self.stages[-1]["tie_breaks"] += self.ties
                break
            self.exclude(group)
        return self.record(self.quota)

    def q(self, votes: int) -> int:
        whole, rest = divmod(votes, self.seats + 1)
        return whole + (1 if rest else 0)

    def open_stage(self) -> None:
        self.new_elected: list[str] = []
        self.ties: list[dict[str, Any]] = []

    def point(self) -> None:
        self.points.append((len(self.stages) + 1, dict(self.votes)))

    def close(self, kind: str, subject: list[str], before: dict[str, int], **more: Any) -> None:
        self.stages.append({
            "number": len(self.stages) + 1, "kind": kind, "subject": subject,
            "transfer_value": more.get("transfer_value"),
            "transfers": {c: text(self.votes[c] - before.get(c, 0), 2) for c in self.names
                          if self.votes[c] != before.get(c, 0)},
            "votes": {c: text(self.votes[c], 2) for c in self.names},
            "non_transferable": text(self.lost, 2), "lost_to_fractions": "0.00",
            "elected": self.new_elected, "excluded": more.get("excluded", []), "deferred": more.get("deferred", []),
            "tie_breaks": self.ties, "quota": text(self.quota, 2), "keep_values": {},
        })
        self.open_stage()

    def earliest(self, tied: list[str], lowest: bool) -> tuple[list[str], int | None]:
        left, at = list(tied), None
        for stage, votes in self.points:
            best = (min if lowest else max)(votes[c] for c in left)
            narrower = [c for c in left if votes[c] == best]
            if len(narrower) < len(left):
                left, at = narrower, stage
                if len(left) == 1:
                    break
        return left, at

    def choose(self, tied: list[str], lowest: bool, purpose: str) -> str:
        tied = self.listing(tied)
        if len(tied) == 1:
            return tied[0]
        left, at = self.earliest(tied, lowest)
        if len(left) == 1:
            self.ties.append({"purpose": purpose, "tied": tied, "method": "look-back", "chosen": left[0],
                              "decided_at_stage": at})
            return left[0]
        chosen = self.lot(left, purpose)
        self.ties.append({"purpose": purpose, "tied": tied, "method": "lot", "chosen": chosen,
                          "decided_at_stage": None})
        return chosen

    def surplus_total(self) -> int:
        return sum(self.votes[c] - self.quota for c in self.waiting)

    def deem(self) -> None:
        while self.seats - len(self.elected) > 0 and self.continuing:
            places = self.seats - len(self.elected)
            active = sum(self.votes[c] for c in self.continuing) + self.held + sum(
                self.votes[c] - self.quota for c in self.waiting if self.votes[c] > self.quota)
            top = max(self.votes[c] for c in self.continuing)
            if not (top >= self.quota or (top > 0 and top * (places + 1) >= active)):
                return
            tied = [c for c in self.continuing if self.votes[c] == top]
            if len(tied) > places and len(self.earliest(self.listing(tied), False)[0]) > places:
                return
            chosen = self.choose(tied, False, "election order")
            self.continuing.discard(chosen)
            self.elected.append(chosen)
            self.new_elected.append(chosen)
            if self.votes[chosen] > self.quota:
                self.waiting.append(chosen)

    def ascending(self) -> list[int]:
        return sorted(self.votes[c] for c in self.continuing)

    def deferred(self) -> bool:
        s, low = self.surplus_total(), self.ascending()
        places = self.seats - len(self.elected)
        if len(low) > 1 and s <= low[1] - low[0]:
            return True
        return any(s <= low[m] - sum(low[:m]) for m in range(2, len(low) - places + 1))

    def next_of(self, paper: list) -> str | None:
        prefs = paper[1]
        for i in range(paper[2] + 1, len(prefs)):
            if prefs[i] in self.continuing:
                paper[2] = i
                return prefs[i]
        paper[2] = len(prefs)
        return None

    def receive(self, gains: dict[str, list[list]]) -> None:
        for c, papers in gains.items():
            self.piles[c] += papers
            self.votes[c] += sum(p[0] * p[3] for p in papers)
            self.batch[c] = papers

    def surplus(self) -> None:
        top = max(self.votes[c] for c in self.waiting)
        source = self.choose([c for c in self.waiting if self.votes[c] == top], False, "surplus order")
        self.waiting.remove(source)
        before = dict(self.votes)
        surplus = self.votes[source] - self.quota
        batch = self.batch[source]
        going = [(target, p) for p in batch if (target := self.next_of(p)) is not None]
        count = sum(p[0] for _, p in going)
        worth = sum(p[0] * p[3] for _, p in going)
        value = batch[0][3] if batch else 100
        if worth > surplus:
            value = surplus // count
        self.lost += surplus - value * count
        leaving = {id(p) for _, p in going}
        self.piles[source] = [p for p in self.piles[source] if id(p) not in leaving]
        self.votes[source] = self.quota
        gains: dict[str, list[list]] = {}
        for target, p in going:
            p[3] = value
            gains.setdefault(target, []).append(p)
        self.receive(gains)
        self.point()
        self.deem()
        self.close("surplus", [source], before, transfer_value=text(value, 2))

    def group(self) -> list[str]:
        s, low = self.surplus_total(), self.ascending()
        places = self.seats - len(self.elected)
        size = max([m for m in range(2, len(low) - places + 1) if sum(low[:m]) + s <= low[m]], default=1)
        edge = low[size - 1]
        group = [c for c in self.continuing if self.votes[c] < edge]
        level = [c for c in self.continuing if self.votes[c] == edge]
        if len(group) + len(level) <= size:
            group += level
        while len(group) < size:
            chosen = self.choose(level, True, "exclusion")
            level.remove(chosen)
            group.append(chosen)
        return sorted(group, key=lambda c: (self.votes[c], self.order[c]))

    def exclude(self, group: list[str]) -> None:
        deferred = list(self.waiting)
        before = dict(self.votes)
        self.continuing -= set(group)
        held = [(c, p) for c in group for p in self.piles[c]]
        self.held = sum(self.votes[c] for c in group)
        values = sorted({p[3] for _, p in held}, reverse=True)
        for value in values:
            if len(self.elected) == self.seats:
                break
            gains: dict[str, list[list]] = {}
            for owner, p in held:
                if p[3] != value:
                    continue
                self.votes[owner] -= p[0] * p[3]
                self.held -= p[0] * p[3]
                target = self.next_of(p)
                if target is None:
                    self.lost += p[0] * p[3]
                else:
                    gains.setdefault(target, []).append(p)
            self.receive(gains)
            if not self.elected and self.lost > 0:
                self.quota = self.q(self.valid * 100 - self.lost)
            self.point()
            self.deem()
        self.held = 0
        self.close("exclusion", group, before, excluded=group, deferred=deferred,
                   transfer_value=text(values[0], 2) if len(values) == 1 else None)


class Meek(Count):
    rule, places = "meek-stv", 9
    ONE = 10**9

    def count(self) -> dict[str, Any]:
        one = self.ONE
        self.keep = dict.fromkeys(self.names, one)
        self.hopeful = set(self.names)
        self.votes = dict.fromkeys(self.names, 0)
        self.shown = dict.fromkeys(self.names, 0)
        self.quota = self.valid * one // (self.seats + 1) + 1
        while len(self.hopeful) > self.seats - len(self.elected) > 0:
            elected, s = self.iterate()
            if elected:
                self.close(elected, [], [])
                continue
            low = min(self.votes[c] for c in self.hopeful)
            tied = self.listing(c for c in self.hopeful if self.votes[c] <= low + s)
            ties = []
            if len(tied) > 1:
                chosen = self.lot(tied, "exclusion")
                ties = [{"purpose": "exclusion", "tied": tied, "method": "lot", "chosen": chosen,
                         "decided_at_stage": None}]
            else:
                chosen = tied[0]
            self.hopeful.discard(chosen)
            self.keep[chosen] = 0
            self.close([], [chosen], ties)
        rest = sorted(self.hopeful, key=lambda c: (-self.votes[c], self.order[c]))
        if not self.stages:
            self.distribute()
            self.close([], [], [])
        if rest and len(self.elected) < self.seats:
            self.elected += rest
            self.stages[-1]["elected"] += rest
        else:
            for c in rest:
                self.stages[-1]["keep_values"][c] = text(0, 9)
        return self.record(self.quota)

    def distribute(self) -> None:
        one = self.ONE
        self.votes = dict.fromkeys(self.names, 0)
        for n, prefs in self.papers:
            weight = one
            for c in prefs:
                if self.keep[c] and weight > 0:
                    share = up(weight * self.keep[c], one)
                    self.votes[c] += share * n
                    weight -= share
        self.quota = sum(self.votes.values()) // (self.seats + 1) + 1

    def iterate(self) -> tuple[list[str], int]:
        one, last = self.ONE, None
        while True:
            self.distribute()
            reached = [c for c in self.hopeful if self.votes[c] >= self.quota]
            if reached:
                reached.sort(key=lambda c: (-self.votes[c], self.order[c]))
                self.elected += reached
                self.hopeful -= set(reached)
                return reached, 0
            s = max(0, sum(self.votes[c] - self.quota for c in self.elected))
            if s < 1000 or (last is not None and s >= last):
                return [], s
            last = s
            for c in self.elected:
                self.keep[c] = up(up(self.keep[c] * self.quota, one) * one, self.votes[c])

    def close(self, elected: list[str], excluded: list[str], ties: list[dict[str, Any]]) -> None:
        number = len(self.stages) + 1
        self.stages.append({
            "number": number, "kind": "first preferences" if number == 1 else "round",
            "subject": [] if number == 1 else elected + excluded, "transfer_value": None,
            "transfers": {c: text(self.votes[c] - self.shown[c], 9) for c in self.names
                          if self.votes[c] != self.shown[c]},
            "votes": {c: text(self.votes[c], 9) for c in self.names},
            "non_transferable": text(self.valid * self.ONE - sum(self.votes.values()), 9),
            "lost_to_fractions": text(0, 9), "elected": elected, "excluded": excluded, "deferred": [],
            "tie_breaks": ties, "quota": text(self.quota, 9),
            "keep_values": {c: text(self.keep[c], 9) for c in self.names},
        })
        self.shown = dict(self.votes)
