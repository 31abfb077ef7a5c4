"""The sandbox as pytest fixtures, for every test package that talks to it.

from leadgen_sandbox.pytest_fixtures import clean_sandbox, sandbox  # in a conftest.py
"""

from collections.abc import Iterator

import pytest

from leadgen_sandbox.faults import FaultConfig
from leadgen_sandbox.sandbox import SERVER_NAMES, Sandbox


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    """One sandbox for the session; tests that inject faults reset them (see `clean_sandbox`)."""
    with Sandbox() as running:
        yield running


@pytest.fixture(autouse=True)
def clean_sandbox(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a test that used the sandbox: no faults left switched on, stats from zero."""
    yield
    if "sandbox" in request.fixturenames:
        running: Sandbox = request.getfixturevalue("sandbox")
        for name in SERVER_NAMES:
            running.set_faults(name, FaultConfig())
        running.reset_stats()
