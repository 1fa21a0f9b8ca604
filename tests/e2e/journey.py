"""One person's browser during a journey: visiting pages, checkpoints (accessibility + screenshot), the keyboard.

Every page a journey reaches through `goto`, `submit` or `checkpoint` is checked with axe-core
and screenshotted into tests/e2e/artifacts/. Pages must also never trip the
Content-Security-Policy (no inline scripts or styles), so refusals in the console fail the journey.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Response

from tests.e2e.axe import assert_accessible

VIEWPORTS = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
              "device_scale_factor": 2},
    "desktop": {"viewport": {"width": 1280, "height": 800}},
}


class Journey:
    def __init__(self, context: BrowserContext, base_url: str, artifacts: Path, who: str) -> None:
        self.context, self.base_url, self.artifacts, self.who = context, base_url, artifacts, who
        self.page: Page = context.new_page()
        self.checked: list[str] = []
        self.console_problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        # A page answered with 4xx on purpose is logged too; failed files are caught in _response.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.console_problems.append(message.text)

    def _response(self, response: Response) -> None:
        if response.request.resource_type != "document" and response.status >= 400:
            self.console_problems.append(f"{response.url} answered {response.status}")

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def path(self) -> str:
        return self.page.url.removeprefix(self.base_url)

    def goto(self, path: str, step: str) -> Response:
        response = self.page.goto(self.url(path))
        status = response.status if response is not None else None
        assert status is not None and status < 400, f"{self.who}: {path} answered {status}"
        self.checkpoint(step)
        return response  # type: ignore[return-value]

    def checkpoint(self, step: str) -> None:
        """The page as it is now: accessible, within the CSP, and kept as a screenshot."""
        self.page.wait_for_load_state("domcontentloaded")
        name = re.sub(r"[^a-z0-9]+", "-", f"{self.who}-{step}".lower()).strip("-")
        self.artifacts.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(self.artifacts / f"{name}.png"), full_page=True)
        assert_accessible(self.page, f"{self.who}'s '{step}' page ({self.path})",
                          minor_log=self.artifacts / "accessibility-minor.txt")
        assert not self.console_problems, f"{self.who} saw browser console errors: {self.console_problems}"
        self.checked.append(self.path)

    # ---- the keyboard alone ------------------------------------------------------------------
    def tab_to(self, selector: str, presses: int = 60) -> None:
        """Press Tab until the element matching `selector` has focus, and check the focus can be seen."""
        for _ in range(presses):
            self.page.keyboard.press("Tab")
            if self.page.evaluate("(s) => !!document.activeElement && document.activeElement.matches(s)", selector):
                assert self.focus_is_visible(), f"{self.who}: the focus on {selector} cannot be seen"
                return
        raise AssertionError(f"{self.who}: {presses} presses of Tab never reached {selector} on {self.path}")

    def focus_is_visible(self) -> bool:
        return bool(self.page.evaluate("""() => {
          const el = document.activeElement, style = getComputedStyle(el);
          const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
          return outline || style.boxShadow !== "none";
        }"""))
