"""The API on a real HTTP server on loopback, and headless Chromium (Debian's) to look at it.

The browser may reach loopback only: every other host name resolves to nothing,
so a page that loads anything from outside shows it as a failure.
"""

import os
import shutil
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn

from leadgen_pipeline.api.app import create_app
from leadgen_pipeline.api.settings import ApiSettings
from leadgen_pipeline_tests.support.api import free_port
from leadgen_pipeline_tests.support.paths import PROJECT_ROOT

SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
# Every name resolves to nothing except the loopback literals the tests use.
LOOPBACK_ONLY = "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"


@contextmanager
def served_api(settings: ApiSettings) -> Iterator[str]:
    """The app on uvicorn on a free loopback port; yields its base URL."""
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=free_port(), log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
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


def _browser(profile: Path, *arguments: str) -> subprocess.CompletedProcess[bytes]:
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
        f"--host-resolver-rules={LOOPBACK_ONLY}",
        f"--user-data-dir={profile}",
        *arguments,
    ]
    return subprocess.run(command, check=True, capture_output=True, timeout=90)


def screenshot(url: str, size: tuple[int, int], target: Path, profile: Path) -> Path:
    """A PNG of `url` at `size` (the window; a taller page is cut at its height)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    _browser(
        profile,
        f"--window-size={size[0]},{size[1]}",
        f"--screenshot={target}",
        "--virtual-time-budget=5000",
        url,
    )
    return target


def rendered_dom(url: str, profile: Path, budget_ms: int = 10_000) -> str:
    """The page's DOM once its scripts have run (virtual time), as HTML."""
    return _browser(profile, f"--virtual-time-budget={budget_ms}", "--dump-dom", url).stdout.decode(
        "utf-8", "replace"
    )


def print_to_pdf(url: str, work: Path) -> bytes:
    """The page as the browser prints it (its print stylesheet), A4-ish, as PDF bytes."""
    target = work / "page.pdf"
    _browser(
        work / "print-profile",
        "--no-pdf-header-footer",
        "--virtual-time-budget=5000",
        f"--print-to-pdf={target}",
        url,
    )
    return target.read_bytes()


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", header[16:24])
