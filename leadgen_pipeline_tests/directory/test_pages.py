"""The directory's HTML pages: content, escaping of scraped data, and how they look in a browser."""

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline_tests.support.browser import png_size, screenshot, serve_directory

DENTISTS = "dentist@denver-co"
PHONE = (390, 844)
DESKTOP = (1280, 800)


def test_the_directory_lists_collections_with_stats(directory_client):
    page = directory_client.get("/directory")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "dentist" in html and "Denver, CO" in html and "roofer" in html
    assert 'href="/directory/dentist@denver-co"' in html
    assert 'name="viewport"' in html
    # Nothing loads from anywhere else: no external scripts, styles, fonts or images.
    assert "http://" not in html.split("<main>")[0] and "https://" not in html
    filtered = directory_client.get("/directory", params={"location": "portland"}).text
    assert "roofer" in filtered and "Denver, CO" not in filtered
    nothing = directory_client.get("/directory", params={"location": "Atlantis"}).text
    assert "No collections yet" in nothing and "Atlantis" in nothing


def test_a_collection_page_shows_its_leads_a_page_at_a_time(directory_client):
    total = directory_client.get(f"/api/collections/{DENTISTS}/leads").json()["total"]
    first = directory_client.get(f"/directory/{DENTISTS}", params={"pageSize": 10}).text
    assert f"Page 1 of {-(-total // 10)}" in first and f"{total} leads" in first
    assert first.count("<tr>") == 1 + 10  # the header and ten leads
    assert "page=2" in first and "Download CSV" in first
    missing = directory_client.get("/directory/nope@nowhere")
    assert missing.status_code == 404 and "no collection" in missing.text.lower()


@pytest.fixture
def hostile_lead(directory_database_url) -> Iterator[str]:
    """A lead whose scraped name and website try to run script in a visitor's browser."""
    engine = engine_for(directory_database_url)
    members = t.lead_collection_members
    with engine.begin() as conn:
        place_id, name, website = conn.execute(
            sa.select(t.leads.c.place_id, t.leads.c.name, t.leads.c.website)
            .join(members, members.c.place_id == t.leads.c.place_id)
            .where(members.c.collection_id == DENTISTS, members.c.rank == 1)
        ).one()
        conn.execute(
            sa.update(t.leads)
            .where(t.leads.c.place_id == place_id)
            .values(name="<script>alert('x')</script>", website="javascript:alert(1)")
        )
    yield place_id
    with engine.begin() as conn:
        conn.execute(
            sa.update(t.leads)
            .where(t.leads.c.place_id == place_id)
            .values(name=name, website=website)
        )


def test_scraped_values_are_escaped_and_only_web_addresses_are_links(
    directory_client, hostile_lead
):
    html = directory_client.get(f"/directory/{DENTISTS}").text
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html


@pytest.fixture(scope="module")
def directory_server(directory_database_url) -> Iterator[str]:
    """The app on a real HTTP server on loopback, for a browser."""
    with serve_directory(directory_database_url) as url:
        yield url


@pytest.mark.slow
@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("path", ["/directory", f"/directory/{DENTISTS}"], ids=["list", "leads"])
def test_the_pages_render_in_a_browser_at_phone_and_desktop_widths(
    directory_server, path, size, tmp_path
):
    shot = screenshot(
        f"{directory_server}{path}", size, tmp_path / "page.png", tmp_path / "profile"
    )
    assert png_size(shot) == size
    # A blank or error page compresses to a few kilobytes; a rendered one does not.
    assert shot.stat().st_size > 15_000
