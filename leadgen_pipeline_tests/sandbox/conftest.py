"""One sandbox for the module's tests; every test leaves its faults and stats clean."""

from collections.abc import Iterator

import pytest
import requests

from leadgen_pipeline.sandbox import SERVER_NAMES, FaultConfig, Sandbox

PLUMBERS_AUSTIN = "plumber in Austin, TX"


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as running:
        yield running


@pytest.fixture(autouse=True)
def clean_sandbox(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "sandbox" in request.fixturenames:
        running: Sandbox = request.getfixturevalue("sandbox")
        for name in SERVER_NAMES:
            running.set_faults(name, FaultConfig())
        running.reset_stats()


@pytest.fixture
def http() -> Iterator[requests.Session]:
    """A requests session that ignores proxy settings: the sandbox is on loopback."""
    with requests.Session() as session:
        session.trust_env = False
        yield session
