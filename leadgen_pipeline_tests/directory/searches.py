"""Real searches, run in-process on the sandbox, to fill a database for directory and API tests."""

from collections.abc import Sequence
from pathlib import Path

import dagster as dg
import sqlalchemy as sa

from leadgen_pipeline.definitions import build_definitions
from leadgen_pipeline.domain.search_request import parse_search_request
from leadgen_pipeline.partitions import search_partitions
from leadgen_pipeline.storage import (
    api_schema,  # noqa: F401  (registers the API's tables, so they are emptied too)
    schema,
)
from leadgen_pipeline.storage import repository as repo
from leadgen_pipeline.storage.database import engine_for
from leadgen_sandbox import Sandbox
from leadgen_sandbox.environment import patched_environ, sandbox_environ

# Small populations (see the sandbox's README), so a search takes seconds.
DENTISTS_DENVER = ("dentist", "Denver, CO")
ROOFERS_PORTLAND = ("roofer", "Portland, OR")


def empty_database(url: str) -> str:
    """Delete every row (the PostgreSQL session database is shared by the whole suite)."""
    engine = engine_for(url)
    with engine.begin() as conn:
        for table in reversed(schema.metadata.sorted_tables):
            conn.execute(sa.delete(table))
    return url


def run_searches(
    database_url: str, sandbox: Sandbox, data_dir: Path, searches: Sequence[tuple[str, str]]
) -> list[str]:
    """Run the search job for each (keyword, location) as `leadgen search` does; their ids."""
    environment = {
        **sandbox_environ(sandbox),
        "LEADGEN_DATABASE_URL": database_url,
        "LEADGEN_DATA_DIR": str(data_dir),
    }
    search_ids = []
    with patched_environ(environment), dg.instance_for_test() as instance:
        job = build_definitions().resolve_job_def("search")
        for keyword, location in searches:
            request = parse_search_request(keyword, location)
            repo.register_search(engine_for(database_url), request, requested_by="test")
            instance.add_dynamic_partitions(search_partitions.name, [request.partition_key])
            job.execute_in_process(instance=instance, partition_key=request.partition_key)
            search_ids.append(request.partition_key)
    return search_ids
