"""Compiles the translation catalogues (locale/*/LC_MESSAGES/messages.po → .mo) whenever the package is built,
editable installs included, so a new install serves every language with nothing more to run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CompileCatalogues(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in sorted(Path(self.root, "src", "unionvote", "locale").glob("*/LC_MESSAGES/messages.po")):
            language = po.parent.parent.name
            with po.open("rb") as source:
                catalogue = read_po(source, locale=language)
            with po.with_suffix(".mo").open("wb") as compiled:
                write_mo(compiled, catalogue, use_fuzzy=False)
            build_data.setdefault("artifacts", []).append(str(po.with_suffix(".mo").relative_to(self.root)))
