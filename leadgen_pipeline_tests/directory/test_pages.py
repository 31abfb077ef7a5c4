"""The directory's HTML pages: content, escaping of scraped data, and how they look in a browser."""

import os
import shutil
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
import uvicorn

from leadgen_pipeline.api.app import create_app
from leadgen_pipeline.api.settings import ApiSettings
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.database import engine_for

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
    app = create_app(ApiSettings(database_url=directory_database_url))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def chromium() -> str:
    """The browser; only a developer machine without it skips (CI must have it)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        message = "chromium is not installed (apt-get install -y chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def screenshot(url: str, size: tuple[int, int], target: Path, profile: Path) -> Path:
    """A PNG of `url` at `size` by headless Chromium, which may only reach loopback."""
    command = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        f"--window-size={size[0]},{size[1]}",
        f"--screenshot={target}",
        url,
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=60)
    return target


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", header[16:24])


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
