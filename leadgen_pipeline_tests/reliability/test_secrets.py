"""Scenario 5: the API keys, recognisable fakes in the environment read through EnvVar,
reach nothing a person or a log collector can read.

A search runs end to end out of process (the product's own Definitions, as
`dagster` runs them), then the enrichment queue drains in process, then the
collection is exported as CSV and JSON. Faults make the error paths run too,
since error messages are where keys usually leak. Then every place a key
could land is read back: the command lines of the processes, Python logging
and the standard streams, the run's own output, every file of the Dagster
instance (run and event storage, compute logs), run configs, run tags and
asset metadata through the instance's API, every row of every table in the
application database, and the exports.
"""

import logging
import time
from pathlib import Path

import dagster as dg
import sqlalchemy as sa

from leadgen_pipeline.cli import main
from leadgen_pipeline.definitions import build_definitions
from leadgen_pipeline.storage import prospect_store, queue_store
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline_tests.support.fake_keys import LLM_KEY, PLACES_KEY
from leadgen_pipeline_tests.support.processes import (
    command_lines,
    descendants,
    kill_process_group,
    product_environment,
    start_search_process,
)
from leadgen_pipeline_tests.support.search_process import prepare_dagster_home
from leadgen_pipeline_tests.support.searches import register_search
from leadgen_sandbox import FaultConfig

ROOFERS = ("roofer", "Portland, OR", None)  # 12 places
SECRETS = {"places key": PLACES_KEY, "LLM key": LLM_KEY}
# Errors on every service, so failure messages are produced, stored and logged.
FAULTS = {
    "places": FaultConfig(error_rate=0.15, seed=51),
    "llm": FaultConfig(error_rate=0.25, seed=52),
    "web": FaultConfig(error_rate=0.1, seed=53),
}
RUN_DEADLINE_S = 120.0


def files_under(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): path.read_bytes().decode("utf-8", "replace")
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def every_row(database_url: str) -> str:
    """Every row of every table of the public schema (ours, the rate limiter's, the API's)."""
    engine = engine_for(database_url)
    lines = []
    with engine.connect() as conn:
        for name in sa.inspect(engine).get_table_names():
            table = sa.Table(name, sa.MetaData(), autoload_with=conn)
            lines += [f"{name}: {tuple(row)}" for row in conn.execute(sa.select(table))]
    return "\n".join(lines)


def instance_records(instance: dg.DagsterInstance) -> str:
    """Run configs, tags and every event (materialisation metadata included) via the API."""
    parts = []
    for run in instance.get_runs():
        parts += [repr(run.run_config), repr(run.tags)]
        records = instance.get_records_for_run(run.run_id, limit=100_000).records
        parts += [repr(record.event_log_entry) for record in records]
    return "\n".join(parts)


def test_no_key_reaches_logs_storage_processes_or_exports(
    sandbox, fresh_pg, tmp_path, monkeypatch, caplog, capfd
):
    url = fresh_pg("secrets")
    home = prepare_dagster_home(tmp_path / "dagster_home")
    environment = product_environment(sandbox, url, home, tmp_path / "data")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    caplog.set_level(logging.DEBUG)
    for server, faults in FAULTS.items():
        sandbox.set_faults(server, faults)
    places_calls_before = sandbox.stats("places").requests_total

    sources: dict[str, str] = {}
    with dg.DagsterInstance.get() as instance:
        key = register_search(instance, url, *ROOFERS)

        # 1. The search, as a separate process; its command lines sampled while it runs.
        log = tmp_path / "search.log"
        process = start_search_process(environment, key, log)
        seen: dict[int, str] = {}
        try:
            deadline = time.monotonic() + RUN_DEADLINE_S
            while process.poll() is None and time.monotonic() < deadline:
                seen |= command_lines(descendants(process.pid))
                time.sleep(0.05)
        finally:
            kill_process_group(process)  # a no-op once it has exited
        assert process.returncode == 0, log.read_text()[-3000:]
        sources["process command lines"] = "\n".join(seen.values())
        sources["search process output"] = log.read_text()

        # 2. The enrichment queue, drained in process by the product's own job.
        engine = engine_for(url)
        with engine.connect() as conn:
            place_ids = [p.place_id for p in prospect_store.ranked_search_prospects(conn, key)]
        assert queue_store.enqueue_enrichment(engine, place_ids, "high", "secrets-test") == 12
        drain = (
            build_definitions()
            .resolve_job_def("enrich_queue")
            .execute_in_process(instance=instance, raise_on_error=False)
        )
        assert drain.success

        # 3. The collection exported, as a person would.
        assert main(["export", key]) == 0
        assert main(["export", key, "--format", "json"]) == 0

        sources["instance runs, tags, events and metadata"] = instance_records(instance)
    streams = capfd.readouterr()
    sources["stdout (exports, console logs)"] = streams.out
    sources["stderr (console logs, events)"] = streams.err
    sources["python logging"] = "\n".join(
        f"{record.name} {record.getMessage()} {record.args!r} {record.exc_text or ''}"
        for record in caplog.records
    )
    sources |= {f"instance file {name}": text for name, text in files_under(home).items()}
    sources["application database"] = every_row(url)

    # The keys were really in use, and each source really holds what it should.
    assert sandbox.stats("places").requests_total > places_calls_before
    assert sandbox.stats("llm").requests_total > 0
    assert (
        "roofer-portland" in sources["search process output"]
        or key in sources["search process output"]
    )
    assert key in sources["instance runs, tags, events and metadata"]
    assert "place_id" in sources["stdout (exports, console logs)"]
    assert key in sources["application database"]
    assert any("storage" in name for name in sources), sorted(sources)

    leaks = [
        f"{what} in {where}"
        for where, text in sources.items()
        for what, secret in SECRETS.items()
        if secret in text
    ]
    assert not leaks, leaks
