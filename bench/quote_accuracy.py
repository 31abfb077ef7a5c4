"""How close a quote comes to what the run then spends, on the sandbox.

    .venv/bin/python -m bench.quote_accuracy

Each case quotes a search (`search.quote.quote_search`, as `leadgen quote` does) and
then runs it (the `search` job of the real Definitions, in process); the spend is the
run's rows in the spend ledger, as `leadgen search` prints it (`cli.run_cost_usd`). One
database for all cases, in order, so later quotes read the history earlier runs left.
"""

import tempfile
from datetime import timedelta
from typing import Any

import dagster as dg

from bench.common import Report, progress, throwaway_database
from leadgen_pipeline.cli import run_cost_usd
from leadgen_pipeline.clients.places import PlacesClient
from leadgen_pipeline.definitions import build_definitions
from leadgen_pipeline.domain.enrichment import STALE_AFTER_DAYS
from leadgen_pipeline.domain.search_request import parse_search_request
from leadgen_pipeline.search.quote import quote_search
from leadgen_pipeline.steps import search_partitions
from leadgen_pipeline.storage import search_store
from leadgen_pipeline.storage.base import utcnow
from leadgen_pipeline.storage.database import engine_for
from leadgen_sandbox import Sandbox
from leadgen_sandbox.environment import patched_environ, sandbox_environ

MODEL = "gpt-4o-mini"
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
# Every prospect stale: the run enriches them all again (the quote is dated past the limit).
RE_ENRICH = {**QUIET, "ops": {"enriched_prospects": {"config": {"stale_after_days": 0}}}}
# (label, keyword, location, coverage, probe, quote dated this many days on, run config)
CASES: tuple[tuple[str, str, str, str, bool, int, dict[str, Any]], ...] = (
    ("first run, no probe", "plumber", "Austin, TX", "full", False, 0, QUIET),
    ("re-run, fresh prospects", "plumber", "Austin, TX", "full", False, 0, QUIET),
    ("re-run, every prospect stale", "plumber", "Austin, TX", "full", False, 31, RE_ENRICH),
    ("first run, probed (below the cap)", "electrician", "Austin, TX", "full", True, 0, QUIET),
    ("first run, probed (below the cap)", "dentist", "Denver, CO", "full", True, 0, QUIET),
    ("first run, probed, coverage top", "roofer", "Portland, OR", "top", True, 0, QUIET),
    ("first run, probed (at the cap)", "plumber", "Houston, TX", "full", True, 0, QUIET),
    ("re-run, fresh prospects", "plumber", "Houston, TX", "full", False, 0, QUIET),
)


def run() -> list[Report]:
    report = Report("quote_accuracy", "a quote against what the run then spends, sandbox")
    rows = []
    with (
        # The sandbox in process, at Places' cap of 60 (the benchmarks' own process lifts it).
        Sandbox() as sandbox,
        throwaway_database("quote") as database_url,
        tempfile.TemporaryDirectory(prefix="leadgen-bench-quote-") as data_dir,
        patched_environ(
            {
                **sandbox_environ(sandbox),
                "LEADGEN_DATABASE_URL": database_url,
                "LEADGEN_DATA_DIR": data_dir,
                # Quotas pace a run, they do not change what it spends.
                "LEADGEN_PLACES_REQUESTS_PER_SECOND": "1000",
                "LEADGEN_LLM_REQUESTS_PER_SECOND": "1000",
            }
        ),
        dg.instance_for_test() as instance,
    ):
        engine = engine_for(database_url)
        places = PlacesClient(api_key="bench-places-key", base_url=sandbox.places_url)
        job = build_definitions().resolve_job_def("search")
        for label, keyword, location, coverage, probe, days_on, run_config in CASES:
            request = parse_search_request(keyword, location, None, coverage)
            quoted = quote_search(
                engine,
                request,
                MODEL,
                places if probe else None,
                now=utcnow() + timedelta(days=days_on),
            )
            search_store.register_search(engine, request, requested_by="bench")
            instance.add_dynamic_partitions(search_partitions.name, [request.partition_key])
            result = job.execute_in_process(
                instance=instance, partition_key=request.partition_key, run_config=run_config
            )
            spent = run_cost_usd(engine, result.run_id)
            cost = quoted.cost_usd
            name = f"{keyword} in {location} ({coverage}), {label}"
            progress(f"{name}: quoted ${cost.expected:.4f}, spent ${spent:.4f}")
            report.ratio(f"quoted / spent: {name}", cost.expected / spent)
            in_range = "yes" if cost.low <= spent <= cost.high else "no"
            rows.append(
                f"| {keyword} in {location} ({coverage}) | {label} "
                f"| {quoted.inputs.places.source} | ${cost.expected:.4f} "
                f"(${cost.low:.4f} to ${cost.high:.4f}) | ${spent:.4f} "
                f"| {cost.expected / spent:.2f} | {in_range} |"
            )
        report.add_raw({"probe requests (IDs only, $0)": places.usage.calls})
    report.note(f"prospects go stale after {STALE_AFTER_DAYS} days; LLM prices of {MODEL}")
    print("\n".join(rows))
    return [report]


if __name__ == "__main__":
    for finished in run():
        finished.print()
