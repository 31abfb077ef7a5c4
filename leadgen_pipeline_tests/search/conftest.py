"""Dagster-level fixtures: a throwaway instance and resources pointed at the sandbox."""

from collections.abc import Iterator

import dagster as dg
import pytest

from leadgen_pipeline.resources import DatabaseResource, LLMResource, PlacesResource

PLACES_KEY = "places-key-DO-NOT-LEAK-7f3a"
LLM_KEY = "llm-key-DO-NOT-LEAK-91bc"


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test() as test_instance:
        yield test_instance


@pytest.fixture
def resources(database_url, sandbox, tmp_path, monkeypatch) -> dict[str, dg.ConfigurableResource]:
    """Production resources, keys from the environment, endpoints at the sandbox."""
    monkeypatch.setenv("LEADGEN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TEST_PLACES_KEY", PLACES_KEY)
    monkeypatch.setenv("TEST_LLM_KEY", LLM_KEY)
    database = DatabaseResource(url=database_url)
    fast = {"backoff_base_seconds": 0.01, "backoff_max_seconds": 0.05, "max_attempts": 3}
    return {
        "database": database,
        "places": PlacesResource(
            api_key=dg.EnvVar("TEST_PLACES_KEY"),
            base_url=sandbox.places_url,
            database=database,
            max_requests=50,
            **fast,
        ),
        "llm": LLMResource(
            api_key=dg.EnvVar("TEST_LLM_KEY"),
            base_url=sandbox.llm_url,
            database=database,
            max_requests=50,
            **fast,
        ),
    }
