"""The report's SVG chart: one point per rated business, the target marked, nothing fetched."""

import lxml.etree

from leadgen_pipeline.directory.chart import ChartPoint, rating_review_chart

POINTS = [
    ChartPoint("Top Pipes", 1, 4.9, 300, "closest"),
    ChartPoint("<script>alert(1)</script>", 2, 4.1, 40, "target"),
    ChartPoint("Budget Rooter", 3, 3.2, 0, "closest"),
    ChartPoint("Far Away Plumbing", 9, 4.5, 2500, "other"),
]


def svg(**options) -> lxml.etree._Element:
    markup = rating_review_chart(
        POINTS, average_rating=4.2, median_review_count=40, **({"unrated": 0} | options)
    )
    assert "http" not in markup and "<script" not in markup and "href" not in markup
    return lxml.etree.fromstring(markup)


def circle(chart: lxml.etree._Element, rank: int) -> lxml.etree._Element:
    [found] = [c for c in chart.iter("circle") if c.findtext("title").startswith(f"#{rank} ")]
    return found


def test_every_rated_business_is_a_point_and_the_target_is_marked():
    chart = svg()
    circles = list(chart.iter("circle"))
    assert len(circles) == len(POINTS)
    [target] = [c for c in circles if "target" in c.get("class")]
    assert target.findtext("title") == "#2 <script>alert(1)</script>: ★ 4.1, 40 reviews"
    assert circles[-1] is target  # drawn last, on top
    labels = [t.text for t in chart.iter("text")]
    assert "<script>alert(1)</script>" in labels  # escaped in the markup, text in the chart
    assert {"#1", "#3"} <= set(labels) and "#9" not in labels


def test_the_axes_place_points_by_rating_and_log_review_count():
    chart = svg()
    top, target, budget, far = (circle(chart, rank) for rank in (1, 2, 3, 9))

    def x(c):
        return float(c.get("cx"))

    def y(c):
        return float(c.get("cy"))

    assert y(top) < y(far) < y(target) < y(budget)  # higher rating, higher up
    assert x(budget) < x(target) < x(top) < x(far)  # more reviews, further right
    # Log scale: 40 -> 300 reviews spans about as far as 300 -> 2,500.
    assert abs((x(top) - x(target)) - (x(far) - x(top))) < 0.15 * (x(far) - x(target))
    ticks = [t.text for t in chart.iter("text") if t.get("class") == "tick"]
    assert [t for t in ticks if "," in t or t.isdigit()] == ["1", "10", "100", "1,000", "10,000"]
    assert "3.0" in ticks and "5.0" in ticks and "2.5" not in ticks


def test_the_field_average_and_median_are_drawn_and_unrated_businesses_counted():
    labels = [t.text for t in svg(unrated=3).iter("text")]
    assert "field average 4.20" in labels
    assert "median 40 reviews" in labels
    assert "3 without a rating not shown" in labels
