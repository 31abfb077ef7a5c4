"""The Sandbox lifecycle and the foreground runner."""

import os
import re
import signal
import subprocess
import sys

import pytest
import requests

from leadgen_sandbox import Sandbox


def test_binds_to_loopback_only() -> None:
    with pytest.raises(ValueError):
        Sandbox(host="0.0.0.0")


def test_urls_and_environment(sandbox: Sandbox) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", sandbox.places_url)
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v1", sandbox.llm_url)
    assert sandbox.env() == {
        "LEADGEN_PLACES_BASE_URL": sandbox.places_url,
        "LEADGEN_LLM_BASE_URL": sandbox.llm_url,
        "LEADGEN_WEB_ALLOWED_HOSTS": sandbox.web_url,
        "LEADGEN_DNS_RESOLVER": sandbox.dns_address,
    }
    assert re.fullmatch(r"127\.0\.0\.1:\d+", sandbox.dns_address)


def test_not_started_and_restarted() -> None:
    sandbox = Sandbox()
    with pytest.raises(RuntimeError):
        _ = sandbox.places_url
    sandbox.start()
    sandbox.stop()
    with pytest.raises(RuntimeError):
        sandbox.start()


def test_serve_forever_prints_exports_and_stops_on_sigterm() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "leadgen_sandbox"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        exports: dict[str, str] = {}
        for line in process.stdout:
            if line.startswith("export "):
                name, _, value = line.removeprefix("export ").strip().partition("=")
                exports[name] = value
            if line.startswith("Press Ctrl+C"):
                break
        assert set(exports) == {
            "LEADGEN_PLACES_BASE_URL",
            "LEADGEN_LLM_BASE_URL",
            "LEADGEN_WEB_ALLOWED_HOSTS",
            "LEADGEN_DNS_RESOLVER",
        }
        with requests.Session() as http:
            http.trust_env = False
            robots = http.get(f"{exports['LEADGEN_WEB_ALLOWED_HOSTS']}/robots.txt", timeout=5)
        assert robots.status_code == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
