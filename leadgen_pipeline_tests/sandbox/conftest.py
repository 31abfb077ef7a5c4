"""The sandbox's own tests share the session sandbox (see the top-level conftest)."""

from collections.abc import Iterator

import pytest
import requests

PLUMBERS_AUSTIN = "plumber in Austin, TX"


@pytest.fixture
def http() -> Iterator[requests.Session]:
    """A requests session that ignores proxy settings: the sandbox is on loopback."""
    with requests.Session() as session:
        session.trust_env = False
        yield session
