"""Fixtures every test package shares: a real PostgreSQL database, the embedded SQLite one,
the sandbox, a throwaway Dagster instance, production resources on the sandbox."""

import os
from collections.abc import Iterator
from contextlib import ExitStack

# Step retries wait seconds in production; here the failure paths should not.
os.environ.setdefault("LEADGEN_STEP_RETRY_DELAY_SECONDS", "0.05")

import dagster as dg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline_tests.support.databases import PG_ADMIN_URL, truncate_all
from leadgen_pipeline_tests.support.fake_keys import LLM_KEY, PLACES_KEY
from leadgen_pipeline_tests.support.pipeline import sandbox_resources
from leadgen_sandbox.postgres import throwaway_postgres_database

pytest_plugins = ["leadgen_sandbox.pytest_fixtures"]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for the session, dropped afterwards.

    Outside CI a machine without PostgreSQL skips these tests; in CI (CI=true)
    that is a failure.
    """
    with ExitStack() as stack:
        try:
            url = stack.enter_context(throwaway_postgres_database(PG_ADMIN_URL, "leadgen_test"))
        except sa.exc.OperationalError as error:
            message = f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {error.orig}"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
        yield url


@pytest.fixture(params=["postgresql", "sqlite"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """An empty, migrated application database on each back end."""
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
        truncate_all(engine_for(url))
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'leadgen.sqlite3'}"


@pytest.fixture
def pg_url(postgres_url: str) -> str:
    """The PostgreSQL database alone, emptied, for tests that need only the production back end."""
    truncate_all(engine_for(postgres_url))
    return postgres_url


@pytest.fixture
def engine(database_url: str) -> Engine:
    return engine_for(database_url)


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
    return sandbox_resources(
        database_url, sandbox, max_attempts=3, backoff_base_seconds=0.01, backoff_max_seconds=0.05
    )
