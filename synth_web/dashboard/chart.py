"""The runs-per-day chart's geometry, drawn by the template as inline SVG.

Only numbers live here (positions in the SVG's own units); colours come from
classes in app.css, so the chart follows the light and dark themes and needs no
style attribute (the CSP forbids them) and no JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass

from synth_web.dashboard.figures import DayCount

WIDTH, HEIGHT = 700, 270
LEFT, RIGHT, TOP, BASELINE = 40, 692, 14, 234
BAR_SHARE = 0.64
TICKS = 4


@dataclass(frozen=True)
class Bar:
    """One day's stacked bar: success at the bottom, failure on top."""

    day: DayCount
    href: str
    x: float
    width: float
    ok_y: float
    ok_height: float
    bad_y: float
    bad_height: float
    slot_x: float
    slot_width: float
    is_today: bool
    # Phones label every other day, always today's.
    is_minor: bool

    @property
    def center(self) -> float:
        """Return the middle of the bar, where its day label goes."""
        return round(self.x + self.width / 2, 2)

    @property
    def short(self) -> str:
        """Return the axis label: weekday and day of the month."""
        return f"{self.day.day:%a} {self.day.day.day}"


@dataclass(frozen=True)
class Tick:
    """A horizontal grid line with its value."""

    y: float
    value: int


@dataclass(frozen=True)
class Chart:
    """Everything the template needs to draw the chart."""

    bars: list[Bar]
    ticks: list[Tick]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = RIGHT
    top: int = TOP
    baseline: int = BASELINE

    @property
    def plot_height(self) -> int:
        """Return the height of the area bars may fill."""
        return self.baseline - self.top

    @property
    def label_y(self) -> int:
        """Return where the day labels sit, below the baseline."""
        return self.baseline + 22


def nice_step(largest: int, ticks: int = TICKS) -> int:
    """Return a round step (1, 2 or 5 times a power of ten) for the y axis."""
    rough = max(1, -(-largest // ticks))
    power = 1
    while True:
        for factor in (1, 2, 5):
            if factor * power >= rough:
                return factor * power
        power *= 10


def build_chart(days: list[DayCount], hrefs: list[str]) -> Chart:
    """Lay out one stacked bar per day and the grid lines behind them."""
    step = nice_step(max((day.total for day in days), default=0))
    top_value = step * max(1, -(-max((d.total for d in days), default=0) // step))
    scale = (BASELINE - TOP) / top_value
    slot = (RIGHT - LEFT) / max(1, len(days))
    width = slot * BAR_SHARE
    bars = []
    last = len(days) - 1
    for index, (day, href) in enumerate(zip(days, hrefs, strict=True)):
        ok_height = day.succeeded * scale
        bad_height = day.failed * scale
        x = LEFT + index * slot + (slot - width) / 2
        bars.append(
            Bar(
                day=day,
                href=href,
                x=round(x, 2),
                width=round(width, 2),
                ok_y=round(BASELINE - ok_height, 2),
                ok_height=round(ok_height, 2),
                bad_y=round(BASELINE - ok_height - bad_height, 2),
                bad_height=round(bad_height, 2),
                slot_x=round(LEFT + index * slot, 2),
                slot_width=round(slot, 2),
                is_today=index == last,
                is_minor=(last - index) % 2 == 1,
            )
        )
    ticks = [
        Tick(round(BASELINE - value * scale, 2), value)
        for value in range(0, top_value + 1, step)
    ]
    return Chart(bars, ticks)
