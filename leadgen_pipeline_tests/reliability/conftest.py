"""Reliability fixtures: fresh PostgreSQL databases, tuned production resources, clean runs.

Everything here is real: a PostgreSQL database per run that must be compared,
the product's resources and clients pointed at the session sandbox, Dagster
instances on disk. Nothing of ours is mocked.
"""

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa

from leadgen_pipeline_tests.support.databases import PG_ADMIN_URL
from leadgen_pipeline_tests.support.dbdump import Dump, normalised_dump
from leadgen_pipeline_tests.support.fake_keys import LLM_KEY, PLACES_KEY
from leadgen_pipeline_tests.support.pipeline import run_search, sandbox_resources
from leadgen_pipeline_tests.support.searches import (
    register_search,
)
from leadgen_sandbox import SERVER_NAMES, FaultConfig, Sandbox

FreshDatabase = Callable[[str], str]


class DatabaseFactory:
    """Creates empty PostgreSQL databases (migrated on first use) and drops them at close.

    The session database of the main conftest is shared by the whole suite; a
    comparison needs databases nothing else writes to.
    """

    def __init__(self) -> None:
        self._admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        self._created: list[str] = []

    def __call__(self, label: str) -> str:
        name = f"leadgen_rel_{label}_{uuid.uuid4().hex[:8]}"
        try:
            with self._admin.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        except sa.exc.OperationalError as error:
            pytest.skip(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {error.orig}")
        self._created.append(name)
        url = sa.engine.make_url(PG_ADMIN_URL).set(database=name)
        return url.render_as_string(hide_password=False)

    def close(self) -> None:
        with self._admin.connect() as conn:
            for name in self._created:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._admin.dispose()


@pytest.fixture
def fresh_pg() -> Iterator[FreshDatabase]:
    """A factory of fresh PostgreSQL databases for one test."""
    factory = DatabaseFactory()
    yield factory
    factory.close()


@pytest.fixture(scope="module")
def module_pg() -> Iterator[str]:
    """One fresh PostgreSQL database shared by a module's tests (each writes its own search)."""
    factory = DatabaseFactory()
    yield factory("module")
    factory.close()


@pytest.fixture(scope="module")
def module_instance() -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test() as instance:
        yield instance


@pytest.fixture
def keys_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The recognisable fake keys in the environment, read by the resources through EnvVar."""
    monkeypatch.setenv("TEST_PLACES_KEY", PLACES_KEY)
    monkeypatch.setenv("TEST_LLM_KEY", LLM_KEY)
    monkeypatch.setenv("LEADGEN_DATA_DIR", str(tmp_path / "data"))


def assert_sandbox_clean(sandbox: Sandbox) -> None:
    for name in SERVER_NAMES:
        assert sandbox.faults(name) == FaultConfig(), f"{name} has faults set"


@pytest.fixture(scope="session")
def _reference_cache() -> dict[tuple[str, str, str | None], Dump]:
    return {}


@pytest.fixture
def clean_reference(
    _reference_cache: dict[tuple[str, str, str | None], Dump],
    fresh_pg: FreshDatabase,
    sandbox: Sandbox,
    keys_env: None,
) -> Callable[..., Dump]:
    """The normalised dump of an uninterrupted, fault-free run of a search in its own database.

    Computed once per search and session (a clean run is deterministic: the
    sandbox's world is seeded, the LLM answers by rule), before any fault is set.
    """

    def reference(keyword: str, location: str, target: str | None = None) -> Dump:
        cache_key = (keyword, location, target)
        if cache_key not in _reference_cache:
            assert_sandbox_clean(sandbox)
            url = fresh_pg("clean")
            with dg.instance_for_test() as instance:
                key = register_search(instance, url, keyword, location, target)
                result = run_search(
                    instance, sandbox_resources(url, sandbox), key, raise_on_error=False
                )
                assert result.success, "the clean reference run failed"
            _reference_cache[cache_key] = normalised_dump(url)
        return _reference_cache[cache_key]

    return reference
