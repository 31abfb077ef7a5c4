"""The sandbox the CLI starts when no key is set."""

import os
import socket

import pytest

from leadgen_sandbox.environment import STABLE_WEB_PORT, running_sandbox, services_from_environment


def port_taken(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_the_websites_keep_their_origin_from_one_cli_run_to_the_next(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # On a new port each run, a re-run of a search recorded every website as changed.
    if port_taken(STABLE_WEB_PORT):
        pytest.skip(f"port {STABLE_WEB_PORT} is taken on this machine")
    monkeypatch.delenv("GOOGLE_PLACES_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    origins = []
    for _ in range(2):
        with services_from_environment():
            origins.append(os.environ["LEADGEN_WEB_ALLOWED_HOSTS"])
    assert origins == [f"http://127.0.0.1:{STABLE_WEB_PORT}"] * 2
    # The port taken, a sandbox still starts, on another one.
    with running_sandbox() as first, running_sandbox() as second:
        assert first.web_url == origins[0] and second.web_url != first.web_url
