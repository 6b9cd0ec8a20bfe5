"""A line chart's geometry for the timeline page, worked out in Python so that the page draws it as SVG.

The timeline page works without JavaScript: the server writes the chart as
SVG, its points as links to each period's results. This module turns a
timeline's numbers into what the template draws: each line's path and
points in the chart's coordinates, the count or share axis with round
ticks, and a few period names along the bottom. It knows nothing of HTML
or of the index: numbers in, coordinates out, tested alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 40
"""The drawing area's margins: the count axis's labels on the left, the periods' below."""
X_LABELS = 6
"""Period names along the bottom, at most."""
POINTS_DRAWN = 400
"""Above this many periods a line is drawn without a point (a link) per period."""


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: float
    index: int
    """The period's place in the timeline."""


@dataclass(frozen=True)
class Line:
    number: int
    """Which query (its colour)."""
    path: str
    """An SVG path through every point."""
    points: tuple[Point, ...]
    """The points to draw and link; none when there are too many periods to point at."""


@dataclass(frozen=True)
class Tick:
    at: float
    """x or y in the chart's coordinates."""
    value: float
    index: int = -1
    """For an x tick, the period's place."""


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    lines: tuple[Line, ...]
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]
    top: float
    """The value at the top of the axis."""
    left: int = LEFT
    bottom: int = HEIGHT - BOTTOM
    right: int = WIDTH - RIGHT


def nice_top(largest: float) -> tuple[float, float]:
    """A round top for an axis reaching ``largest``, and the step between its ticks (1, 2 or 5 × 10^n)."""
    if largest <= 0:
        return 1.0, 0.25
    raw = largest / 4
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return step * math.ceil(largest / step - 1e-9), step


def _x(index: int, count: int) -> float:
    span = WIDTH - RIGHT - LEFT
    return LEFT + (span / 2 if count == 1 else span * index / (count - 1))


def line_chart(series: list[list[float]]) -> Chart:
    """The chart of ``series`` (one list of values per line, one value per period)."""
    count = max((len(values) for values in series), default=0)
    top, step = nice_top(max((max(values, default=0) for values in series), default=0))
    bottom = HEIGHT - BOTTOM

    def y(value: float) -> float:
        return bottom - (bottom - TOP) * value / top

    lines = []
    for number, values in enumerate(series):
        points = [Point(round(_x(i, count), 2), round(y(v), 2), v, i) for i, v in enumerate(values)]
        path = " ".join(f"{'M' if i == 0 else 'L'}{p.x},{p.y}" for i, p in enumerate(points))
        lines.append(Line(number, path, tuple(points) if count <= POINTS_DRAWN else ()))
    y_ticks = tuple(Tick(round(y(step * k), 2), step * k) for k in range(int(round(top / step)) + 1))
    every = max(1, math.ceil(count / X_LABELS))
    x_ticks = tuple(Tick(round(_x(i, count), 2), 0, i) for i in range(0, count, every))
    return Chart(WIDTH, HEIGHT, tuple(lines), y_ticks, x_ticks, top)
