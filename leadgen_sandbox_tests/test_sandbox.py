"""The Sandbox lifecycle and the foreground runner."""

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from leadgen_sandbox import FaultConfig, Sandbox


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
        # One web host stands for every business's server: politeness opened up.
        "LEADGEN_WEB_MAX_IN_FLIGHT_PER_HOST": "16",
        "LEADGEN_WEB_HOST_REQUESTS_PER_SECOND": "1000",
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


def test_serve_forever_prints_exports_and_stops_on_sigterm(tmp_path: Path) -> None:
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
        # A `dg dev` started with only the URLs exported failed every run: the
        # resources read their keys through EnvVar.
        assert set(exports) == {
            "GOOGLE_PLACES_API_KEY",
            "OPENAI_API_KEY",
            "LEADGEN_PLACES_BASE_URL",
            "LEADGEN_LLM_BASE_URL",
            "LEADGEN_WEB_ALLOWED_HOSTS",
            "LEADGEN_WEB_MAX_IN_FLIGHT_PER_HOST",
            "LEADGEN_WEB_HOST_REQUESTS_PER_SECOND",
            "LEADGEN_DNS_RESOLVER",
        }
        with requests.Session() as http:
            http.trust_env = False
            robots = http.get(f"{exports['LEADGEN_WEB_ALLOWED_HOSTS']}/robots.txt", timeout=5)
        assert robots.status_code == 200
        # With what it printed exported, the product uses it rather than a sandbox of its own.
        command = ["quote", "roofer", "Portland, OR", "--probe", "--json"]
        quote = subprocess.run(
            [sys.executable, "-m", "leadgen_pipeline.cli", *command],
            env={
                **os.environ,
                **exports,
                "LEADGEN_DATA_DIR": str(tmp_path),
                "LEADGEN_DATABASE_URL": f"sqlite:///{tmp_path}/leadgen.sqlite3",
            },
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert quote.returncode == 0, quote.stderr
        assert "sandbox" not in quote.stderr
        assert json.loads(quote.stdout)["probe"]["places"] > 0
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_many_web_hosts_spread_the_sites_and_share_faults_and_stats() -> None:
    with Sandbox(web_hosts=4) as sandbox:
        hosts = sandbox.web_urls
        assert len(hosts) == 4 and hosts[0] == sandbox.web_url
        assert len({url.rsplit(":", 1)[1] for url in hosts}) == 1  # one port
        assert all(re.fullmatch(r"http://127\.0\.[01]\.\d+:\d+", url) for url in hosts)
        env = sandbox.env()
        assert env["LEADGEN_WEB_ALLOWED_HOSTS"] == ",".join(hosts)
        assert "LEADGEN_WEB_HOST_REQUESTS_PER_SECOND" not in env  # real per-host politeness
        businesses = sandbox.dataset.businesses_for_query("plumber in Austin, TX")
        sites = [b.website_uri for b in businesses if b.website_uri]
        used = {next(h for h in hosts if site.startswith(f"{h}/")) for site in sites}
        assert used == set(hosts)
        page = requests.get(sites[0], timeout=5)
        assert page.status_code == 200
        sandbox.set_faults("web", FaultConfig(error_rate=1.0))
        assert requests.get(sites[1], timeout=5).status_code in (500, 503)
        assert sandbox.stats("web").requests_total == 2
