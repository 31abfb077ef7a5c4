"""A database holding two real searches' collections (PostgreSQL and SQLite), and the API on it."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from leadgen_pipeline.api.app import create_app
from leadgen_pipeline.api.settings import ApiSettings
from leadgen_pipeline_tests.support.databases import empty_database
from leadgen_pipeline_tests.support.searches import (
    DENTISTS_DENVER,
    ROOFERS_PORTLAND,
    run_searches,
)


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
def directory_database_url(
    request: pytest.FixtureRequest, sandbox, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """Dentists in Denver and roofers in Portland, searched, enriched and collected."""
    data_dir = tmp_path_factory.mktemp("directory")
    if request.param == "postgresql":
        url = empty_database(request.getfixturevalue("postgres_url"))
    else:
        url = f"sqlite:///{data_dir / 'leadgen.sqlite3'}"
    run_searches(url, sandbox, data_dir, [DENTISTS_DENVER, ROOFERS_PORTLAND])
    return url


@pytest.fixture(scope="module")
def directory_client(directory_database_url: str) -> Iterator[TestClient]:
    settings = ApiSettings(database_url=directory_database_url)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client
