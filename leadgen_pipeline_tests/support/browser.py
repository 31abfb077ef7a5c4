"""Pages in a real browser: the app on a loopback HTTP server, headless Chromium screenshots."""

import os
import shutil
import socket
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


@contextmanager
def serve_directory(database_url: str) -> Iterator[str]:
    """The app on a real HTTP server on loopback, for a browser; yields its base URL."""
    app = create_app(ApiSettings(database_url=database_url))
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
    try:
        yield f"http://127.0.0.1:{port}"
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
