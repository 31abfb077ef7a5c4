"""The coverage map: drawn by the product (inline SVG), on a collection's page, in a browser."""

import re

import pytest
from fastapi.testclient import TestClient

from leadgen_pipeline.api.app import create_app
from leadgen_pipeline.api.settings import ApiSettings
from leadgen_pipeline.directory.coverage_map import render_coverage_map
from leadgen_pipeline.domain.tiling import Rectangle
from leadgen_pipeline_tests.support.browser import png_size, screenshot, serve_directory
from leadgen_pipeline_tests.support.searches import run_searches

PLUMBERS = "plumber@austin-tx"


def tile(south, west, north, east, *, depth=1, saturated=False, dense=False, count=10):
    return {
        "south": south,
        "west": west,
        "north": north,
        "east": east,
        "depth": depth,
        "saturated": saturated,
        "dense_point": dense,
        "result_count": count,
        "requests": 1,
    }


def test_the_map_draws_the_area_its_tiles_and_places_and_escapes_text():
    area = Rectangle(30.0, -98.0, 30.4, -97.6)
    tiles = [
        tile(30.0, -98.0, 30.4, -97.6, depth=0, saturated=True, count=60),
        tile(30.0, -98.0, 30.2, -97.6),
        tile(30.2, -98.0, 30.4, -97.6, dense=True, saturated=True, count=60),
    ]
    svg = render_coverage_map(area, tiles, [(30.1, -97.9), (30.45, -97.7)], "incomplete (<b>)")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("<rect") == 1 + 2 + 2 * 1  # area, two leaves, the split tile twice
    assert svg.count("<circle") == 2
    assert 'stroke-dasharray="4 3"' in svg  # the saturated tile, split
    assert 'fill-opacity="0.35"' in svg  # the dense point
    assert "<b>" not in svg and "&lt;b&gt;" in svg
    assert "<script" not in svg and "href" not in svg


def test_an_area_across_the_antimeridian_keeps_both_sides_on_the_map():
    fiji = Rectangle(-19.0, 177.0, -16.0, -179.0)
    svg = render_coverage_map(fiji, [], [(-17.0, 179.5), (-17.0, -179.5)], "complete")
    xs = [float(x) for x in re.findall(r'cx="([-\d.]+)"', svg)]
    width = float(re.search(r'viewBox="0 0 ([\d.]+)', svg).group(1))
    assert all(0 < x < width for x in xs) and xs[0] < xs[1]


@pytest.fixture(scope="module")
def covered_database_url(sandbox, tmp_path_factory) -> str:
    """Austin's plumbers searched with coverage "full", enriched and collected (SQLite)."""
    data_dir = tmp_path_factory.mktemp("coverage-map")
    url = f"sqlite:///{data_dir / 'leadgen.sqlite3'}"
    run_searches(url, sandbox, data_dir, [("plumber", "Austin, TX")], coverage="full")
    return url


@pytest.fixture(scope="module")
def covered_client(covered_database_url):
    with TestClient(create_app(ApiSettings(database_url=covered_database_url))) as client:
        yield client


def test_a_collection_page_shows_its_coverage_map(covered_client):
    html = covered_client.get(f"/directory/{PLUMBERS}").text
    assert "Coverage: complete" in html
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'class="coverage-map"' in svg
    assert svg.count("<rect") >= 3  # the area and at least two tiles
    assert svg.count("<circle") >= 73  # every plumber inside Austin's viewport, located
    assert "https://" not in html and "<script" not in html
    assert "service-area" not in html  # Austin's plumbers all have an address


@pytest.mark.slow
def test_the_map_renders_in_a_browser(covered_database_url, tmp_path):
    """Headless Chromium draws the collection page with its map."""
    with serve_directory(covered_database_url) as url:
        shot = screenshot(
            f"{url}/directory/{PLUMBERS}", (1280, 900), tmp_path / "map.png", tmp_path / "p"
        )
    assert png_size(shot) == (1280, 900)
    # A blank or error page compresses to a few kilobytes; a drawn map of points does not.
    assert shot.stat().st_size > 40_000
