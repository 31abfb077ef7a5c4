"""The coverage map of a search: its area, the tiles asked, the places found, as inline SVG.

Drawn by the product itself: no map tiles, fonts or scripts from elsewhere. The
projection is equirectangular, with longitudes shrunk by the cosine of the area's
middle latitude so a city keeps its shape; an area across the antimeridian is
measured from its west edge.
"""

import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from leadgen_pipeline.domain.tiling import Rectangle

WIDTH = 640
MARGIN = 8
COLOURS = {
    "area": "#eef3f8",
    "area_edge": "#36506b",
    "tile": "#8a9bb0",
    "split": "#d9822b",
    "dense": "#c0392b",
    "place": "#1f5fa8",
    "outside": "#9aa7b5",
}


def render_coverage_map(
    area: Rectangle,
    tiles: Sequence[Mapping[str, Any]],
    places: Sequence[tuple[float, float]],
    status: str,
) -> str:
    """An <svg> element: `tiles` are search_tiles rows, `places` (latitude, longitude)."""
    mid_latitude = math.radians((area.south + area.north) / 2)
    span_x = area.width_degrees * max(math.cos(mid_latitude), 0.05)
    span_y = area.height_degrees
    # The area's box plus a little room for places just outside it.
    pad_x, pad_y = span_x * 0.04, span_y * 0.04
    scale = (WIDTH - 2 * MARGIN) / (span_x + 2 * pad_x)
    height = round((span_y + 2 * pad_y) * scale + 2 * MARGIN)

    def point(latitude: float, longitude: float) -> tuple[float, float]:
        offset = area.longitude_offset(longitude)
        if offset > area.width_degrees + (360.0 - area.width_degrees) / 2:
            offset -= 360.0  # just west of the area, not far east of it
        x = MARGIN + (offset * max(math.cos(mid_latitude), 0.05) + pad_x) * scale
        y = MARGIN + (area.north - latitude + pad_y) * scale
        return round(x, 1), round(y, 1)

    def box(rectangle: Rectangle, **attributes: str) -> str:
        x1, y1 = point(rectangle.north, rectangle.west)
        x2 = x1 + rectangle.width_degrees * max(math.cos(mid_latitude), 0.05) * scale
        y2 = y1 + rectangle.height_degrees * scale
        extra = " ".join(
            f'{name.replace("_", "-")}="{value}"' for name, value in attributes.items()
        )
        return (
            f'<rect x="{x1}" y="{y1}" width="{round(max(x2 - x1, 0.6), 1)}" '
            f'height="{round(max(y2 - y1, 0.6), 1)}" {extra}/>'
        )

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" aria-labelledby="coverage-title" class="coverage-map">',
        f'<title id="coverage-title">Coverage: {escape(status)}; {len(tiles)} tiles, '
        f"{len(places)} places</title>",
        box(area, fill=COLOURS["area"], stroke=COLOURS["area_edge"], stroke_width="1.5"),
    ]
    # Split tiles shade the area (deeper splits, darker: where the places crowd), leaf
    # outlines go over the shading, and the split tiles' dashed edges over those.
    ordered = sorted(tiles, key=lambda tile: tile["depth"])
    split = [tile for tile in ordered if tile["saturated"] and not tile["dense_point"]]
    leaves = [tile for tile in ordered if not tile["saturated"] or tile["dense_point"]]
    for tile in split:
        parts.append(box(_rectangle(tile), fill=COLOURS["split"], fill_opacity="0.08"))
    for tile in leaves:
        if tile["dense_point"]:
            kind = "dense point"
            style = {"fill": COLOURS["dense"], "fill_opacity": "0.35", "stroke": COLOURS["dense"]}
        else:
            kind = "tile"
            style = {"fill": "none", "stroke": COLOURS["tile"], "stroke_width": "0.7"}
        label = f"{kind}: {tile['result_count']} places, {tile['requests']} requests"
        parts.append(f"<g><title>{escape(label)}</title>{box(_rectangle(tile), **style)}</g>")
    for tile in split:
        label = f"at the cap ({tile['result_count']} returned), split"
        style = {"fill": "none", "stroke": COLOURS["split"], "stroke_dasharray": "4 3"}
        parts.append(f"<g><title>{escape(label)}</title>{box(_rectangle(tile), **style)}</g>")
    for latitude, longitude in places:
        inside = area.contains(latitude, longitude)
        x, y = point(latitude, longitude)
        colour = COLOURS["place"] if inside else COLOURS["outside"]
        parts.append(f'<circle cx="{x}" cy="{y}" r="2" fill="{colour}" fill-opacity="0.8"/>')
    parts.append("</svg>")
    return "".join(parts)


def _rectangle(tile: Mapping[str, Any]) -> Rectangle:
    return Rectangle(tile["south"], tile["west"], tile["north"], tile["east"])


# (colour, meaning) for the page's legend.
LEGEND = (
    (COLOURS["area_edge"], "the search's area (its Places viewport)"),
    (COLOURS["tile"], "tile searched, below the cap"),
    (COLOURS["split"], "tile at the 60 cap, split (shaded, dashed)"),
    (COLOURS["dense"], "dense point: at the cap at the minimum size"),
    (COLOURS["place"], "place found"),
)
