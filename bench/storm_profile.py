"""A sampling profile of the server during one storm: py-spy attached to the worker processes, and a summary.

py-spy (`pip install py-spy` into the venv) records every worker's Python stacks from the ballot's opening
to the last receipt, without pausing them (`--nonblocking`). The raw file keeps one line per distinct stack
("frame;frame;... count"); the summary lists the functions that were running themselves (self) and those
on the stack at all (inclusive), as shares of all samples.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

RATE = 100  # samples a second


class Profile:
    def __init__(self, pid: int, out: Path) -> None:
        beside = Path(sys.executable).parent / "py-spy"  # installed into the same environment
        spy = str(beside) if beside.exists() else shutil.which("py-spy") or "py-spy"
        self.out = out
        self.process = subprocess.Popen(  # noqa: S603 - our own command line
            [spy, "record", "--pid", str(pid), "--subprocesses", "--nonblocking", "--rate", str(RATE),
             "--format", "raw", "--output", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self, top: int = 25) -> dict[str, Any]:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return summary(self.out, top) if self.out.exists() else {"error": "py-spy wrote nothing"}


def _frame_name(frame: str) -> str:
    """'cast_vote (unionvote/voting/casting.py:72)' -> 'unionvote/voting/casting.py:cast_vote'."""
    name, _, where = frame.partition(" (")
    path = where.rsplit(":", 1)[0].rstrip(")")
    for marker in ("site-packages/", "/src/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{path}:{name}"


def summary(raw: Path, top: int = 25) -> dict[str, Any]:
    own: Counter[str] = Counter()
    anywhere: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_frame_name(f) for f in stack.split(";") if f and not f.startswith("process ")]
        frames = [f for f in frames if not f.endswith(":<module>")] or frames
        if not frames:
            continue
        total += count
        own[frames[-1]] += count
        for name in set(frames):
            anywhere[name] += count

    def share(counter: Counter[str]) -> list[list[Any]]:
        return [[name, round(100 * n / total, 1)] for name, n in counter.most_common(top)]

    return {"samples": total, "raw": str(raw), "self_percent": share(own), "inclusive_percent": share(anywhere)}
