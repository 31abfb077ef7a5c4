"""Fixtures of the search stage's tests."""

from collections.abc import Iterator

import pytest

from leadgen_pipeline_tests.support.fake_keys import LLM_KEY, PLACES_KEY
from leadgen_sandbox import Sandbox


@pytest.fixture
def world(monkeypatch, tmp_path) -> Iterator[Sandbox]:
    """A sandbox of its own: these tests change its world."""
    monkeypatch.setenv("LEADGEN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TEST_PLACES_KEY", PLACES_KEY)
    monkeypatch.setenv("TEST_LLM_KEY", LLM_KEY)
    with Sandbox() as sandbox:
        yield sandbox
