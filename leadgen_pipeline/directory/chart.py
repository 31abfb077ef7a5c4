"""The search report's chart, drawn here as inline SVG: each business's rating against its
review count, the target marked, its closest competitors highlighted.

No script, no font and no image from anywhere: the page prints and works offline.
Review counts run from a handful to thousands, so that axis is logarithmic.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 640, 380
LEFT, RIGHT, TOP, BOTTOM = 52, 20, 20, 56
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM


@dataclass(frozen=True)
class ChartPoint:
    name: str
    rank: int
    rating: float
    review_count: int
    role: str  # "target", "closest" (a closest competitor) or "other"


def _line(x1: float, y1: float, x2: float, y2: float, css_class: str) -> str:
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" class="{css_class}"/>'


def _text(x: float, y: float, content: str, css_class: str, anchor: str = "start") -> str:
    """`content` is escaped here."""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" class="{css_class}" text-anchor="{anchor}">'
        f"{escape(content)}</text>"
    )


class _Labels:
    """Places point labels beside their points where no earlier label is: right, left,
    above, below (the first free spot; else the right)."""

    CHAR_W, LINE_H, GAP = 7.0, 13.0, 11.0

    def __init__(self) -> None:
        self._boxes: list[tuple[float, float, float, float]] = []

    def _free(self, box: tuple[float, float, float, float]) -> bool:
        left, top, right, bottom = box
        inside = left >= 0 and right <= WIDTH and top >= 0 and bottom <= HEIGHT
        return inside and all(
            right <= l2 or left >= r2 or bottom <= t2 or top >= b2 for l2, t2, r2, b2 in self._boxes
        )

    def place(self, px: float, py: float, text: str, css_class: str) -> str:
        width = self.CHAR_W * len(text) * (1.15 if css_class == "target-label" else 1.0)
        spots = [
            (px + self.GAP, py + 4, "start", px + self.GAP, px + self.GAP + width),
            (px - self.GAP, py + 4, "end", px - self.GAP - width, px - self.GAP),
            (px, py - self.GAP - 2, "middle", px - width / 2, px + width / 2),
            (px, py + self.GAP + 12, "middle", px - width / 2, px + width / 2),
        ]
        chosen = spots[0]
        for spot in spots:
            tx, ty, _, left, right = spot
            if self._free((left, ty - self.LINE_H + 3, right, ty + 3)):
                chosen = spot
                break
        tx, ty, anchor, left, right = chosen
        self._boxes.append((left, ty - self.LINE_H + 3, right, ty + 3))
        return _text(tx, ty, text, css_class, anchor)


def _x_ceiling(points: Sequence[ChartPoint]) -> int:
    """The review-count axis ends at the power of ten above the largest count (at least 100)."""
    largest = max((p.review_count for p in points), default=0)
    return max(100, 10 ** math.ceil(math.log10(largest + 1)))


def _y_floor(points: Sequence[ChartPoint]) -> float:
    """The rating axis starts a whole star below the lowest rating shown, at 1 at the lowest."""
    lowest = min((p.rating for p in points), default=5.0)
    return max(1.0, min(4.0, math.floor(lowest) - (1.0 if lowest == math.floor(lowest) else 0)))


def rating_review_chart(
    points: Sequence[ChartPoint],
    *,
    average_rating: float | None,
    median_review_count: float | None,
    unrated: int = 0,
) -> str:
    """The chart's SVG markup, sized by its viewBox (it scales to its container)."""
    x_max, y_min = _x_ceiling(points), _y_floor(points)

    def x(reviews: float) -> float:
        return LEFT + PLOT_W * math.log10(reviews + 1) / math.log10(x_max + 1)

    def y(rating: float) -> float:
        return TOP + PLOT_H * (5.0 - rating) / (5.0 - y_min)

    parts = [
        # Inline in HTML: no xmlns needed, and the page names no address at all.
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" class="chart" role="img" '
        'aria-labelledby="chart-title chart-desc">',
        '<title id="chart-title">Rating against number of reviews</title>',
        f'<desc id="chart-desc">{len(points)} businesses with a rating; the target is the '
        "large orange point, its closest competitors are blue.</desc>",
        f'<rect x="{LEFT}" y="{TOP}" width="{PLOT_W}" height="{PLOT_H}" class="plot"/>',
    ]
    steps = round((5.0 - y_min) * 2)
    for step in range(steps + 1):
        rating = y_min + step / 2
        parts.append(_line(LEFT, y(rating), LEFT + PLOT_W, y(rating), "grid"))
        parts.append(_text(LEFT - 8, y(rating) + 4, f"{rating:.1f}", "tick", "end"))
    tick = 1
    while tick <= x_max:
        parts.append(_line(x(tick), TOP, x(tick), TOP + PLOT_H, "grid"))
        parts.append(_text(x(tick), TOP + PLOT_H + 18, f"{tick:,}", "tick", "middle"))
        tick *= 10
    parts.append(_text(LEFT + PLOT_W / 2, HEIGHT - 10, "Reviews (log scale)", "axis", "middle"))
    middle = TOP + PLOT_H / 2
    parts.append(
        f'<text x="14" y="{middle:.1f}" class="axis" text-anchor="middle" '
        f'transform="rotate(-90 14 {middle:.1f})">Rating ★</text>'
    )
    if average_rating is not None and y_min <= average_rating <= 5:
        parts.append(_line(LEFT, y(average_rating), LEFT + PLOT_W, y(average_rating), "mark"))
        parts.append(
            _text(
                LEFT + PLOT_W - 4,
                y(average_rating) - 5,
                f"field average {average_rating:.2f}",
                "mark-label",
                "end",
            )
        )
    if median_review_count is not None:
        mx = x(median_review_count)
        parts.append(_line(mx, TOP, mx, TOP + PLOT_H, "mark"))
        parts.append(
            # At the foot of the line: the top is where the best-rated points crowd.
            _text(mx + 4, TOP + PLOT_H - 6, f"median {median_review_count:g} reviews", "mark-label")
        )
    # The target last, so it is drawn on top; labels after every point, so none is hidden.
    order = {"other": 0, "closest": 1, "target": 2}
    labels = _Labels()
    for point in sorted(points, key=lambda p: (order[p.role], -p.rank)):
        px, py = x(point.review_count), y(point.rating)
        label = escape(
            f"#{point.rank} {point.name}: ★ {point.rating:.1f}, {point.review_count:,} reviews"
        )
        radius = {"target": 8, "closest": 6, "other": 5}[point.role]
        parts.append(
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="{radius}" class="point {point.role}">'
            f"<title>{label}</title></circle>"
        )
    for point in sorted(points, key=lambda p: (-order[p.role], p.rank)):
        if point.role != "other":
            text = point.name if point.role == "target" else f"#{point.rank}"
            css = "target-label" if point.role == "target" else "rank"
            parts.append(labels.place(x(point.review_count), y(point.rating), text, css))
    if unrated:
        parts.append(_text(LEFT, HEIGHT - 10, f"{unrated} without a rating not shown", "tick"))
    parts.append("</svg>")
    return "\n".join(parts)
