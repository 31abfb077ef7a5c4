"""The sandbox's own tests: one sandbox for the session, and a plain HTTP session."""

from collections.abc import Iterator

import pytest
import requests

pytest_plugins = ["leadgen_sandbox.pytest_fixtures"]


@pytest.fixture
def http() -> Iterator[requests.Session]:
    """A requests session that ignores proxy settings: the sandbox is on loopback."""
    with requests.Session() as session:
        session.trust_env = False
        yield session
