"""The turnout-over-time chart as server-rendered SVG: no script, no library, integer coordinates."""

from __future__ import annotations

from datetime import datetime

WIDTH, HEIGHT, PAD = 600, 200, 30


def turnout_svg(points: list[tuple[datetime, int]], entitled: int, threshold_percent: int) -> dict[str, object]:
    """What the template needs to draw: the polyline, the threshold line, and axis labels."""
    if not points or entitled == 0:
        return {"empty": True}
    start, end = points[0][0], points[-1][0]
    span = max(int((end - start).total_seconds()), 1)
    inner_w, inner_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD

    def x(at: datetime) -> int:
        return PAD + int((at - start).total_seconds()) * inner_w // span

    def y(count: int) -> int:
        return HEIGHT - PAD - count * inner_h // entitled

    line = " ".join(f"{x(at)},{y(count)}" for at, count in [(start, 0), *points])
    threshold_y = HEIGHT - PAD - threshold_percent * inner_h // 100
    return {"empty": False, "width": WIDTH, "height": HEIGHT, "pad": PAD, "line": line, "threshold_y": threshold_y,
            "start": start, "end": end, "last": points[-1][1], "entitled": entitled,
            "threshold_percent": threshold_percent, "right": WIDTH - PAD, "bottom": HEIGHT - PAD}
