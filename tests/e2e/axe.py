"""axe-core (vendored from the npm registry, see vendor/) run inside the page at WCAG 2.2 AA."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE_SOURCE = Path(__file__).parent / "vendor" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = {"serious", "critical"}

# Runs in the page. Evaluated through the browser's debugging protocol, so our
# Content-Security-Policy (scripts from /static only) stays on while axe works.
_RUN = """async (tags) => {
  const result = await window.axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, url: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html.slice(0, 200), why: n.failureSummary}))
  }));
}"""


@cache
def _source() -> str:
    return AXE_SOURCE.read_text(encoding="utf-8")


def violations(page: Page) -> list[dict[str, Any]]:
    """Every WCAG 2.2 A/AA violation axe finds on the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_source())
    return page.evaluate(_RUN, WCAG_22_AA)  # type: ignore[no-any-return]


def describe(found: list[dict[str, Any]], where: str) -> str:
    lines = [f"{len(found)} accessibility violation(s) on {where}:"]
    for violation in found:
        lines.append(f"- [{violation['impact']}] {violation['id']}: {violation['help']} ({violation['url']})")
        for node in violation["nodes"]:
            lines.append(f"    at {node['target']}: {node['html']}")
            lines.extend(f"      {line}" for line in (node["why"] or "").splitlines())
    return "\n".join(lines)


def assert_accessible(page: Page, where: str, minor_log: Path | None = None) -> None:
    """No serious or critical WCAG 2.2 AA violation; the message lists each one and the nodes at fault.

    Minor and moderate ones do not fail the journey; they are appended to `minor_log` to be fixed in turn.
    """
    found = violations(page)
    blocking = [v for v in found if v["impact"] in BLOCKING]
    assert not blocking, describe(blocking, where)
    if found and minor_log is not None:
        with minor_log.open("a", encoding="utf-8") as log:
            log.write(describe(found, where) + "\n\n")
