"""A check of a member-ballot export written only from docs/audit-format.md agrees with `unionvote audit verify`."""

from __future__ import annotations

import ast
import hashlib
import json
import shutil
from pathlib import Path

import pytest

from tests.integration.ballots import independent_member_check as independent
from tests.integration.ballots.test_member_export import exported

__all__ = ["exported"]


def test_the_independent_member_check_shares_no_code_with_unionvote() -> None:
    tree = ast.parse(Path(independent.__file__).read_text(encoding="utf-8"))
    imported = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert not any(name.split(".")[0] == "unionvote" for name in imported)


def test_a_check_written_from_the_page_agrees_with_the_export(exported: Path, tmp_path: Path) -> None:
    assert independent.check(exported) == "OK"
    for name, old, new in (("sealed.jsonl", '"employer":"Acme"', '"employer":"Globex"'),
                           ("result.json", '"voted":7', '"voted":8'),
                           ("participation.jsonl", '{"member":1}', '{"member":9}')):
        copy = tmp_path / name
        shutil.copytree(exported, copy)
        text = (copy / name).read_text()
        assert old in text, (name, old)
        (copy / name).write_text(text.replace(old, new, 1))
        manifest = json.loads((copy / "manifest.json").read_text())  # as a forger would: the manifest agrees
        manifest["files"][name] = hashlib.sha256((copy / name).read_bytes()).hexdigest()
        (copy / "manifest.json").write_text(json.dumps(manifest))
        with pytest.raises(independent.Disagreement, match=name):
            independent.check(copy)
