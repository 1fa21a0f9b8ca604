"""Running the `unionvote` command in a child process, the way an operator or returning officer does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

UNIONVOTE = [sys.executable, "-m", "unionvote.cli"]


def clean_env(**overrides: str) -> dict[str, str]:
    """This process's environment without any UNIONVOTE_* setting, plus `overrides`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("UNIONVOTE_")}
    env.update(overrides)
    return env


def unionvote(*args: str, env: dict[str, str], cwd: Path | None = None, stdin: str | None = None,
              timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run `unionvote ARGS...`; standard input is `stdin`, or empty so nothing ever waits on a terminal."""
    feed = {"input": stdin} if stdin is not None else {"stdin": subprocess.DEVNULL}
    return subprocess.run([*UNIONVOTE, *args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, check=False, **feed)
