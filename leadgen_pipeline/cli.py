"""The `leadgen` command: run searches, the demo, exports and the sandbox from a terminal."""

import argparse
import os
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from leadgen_pipeline.domain.search_request import (
    COVERAGE_MODES,
    DEFAULT_COVERAGE,
    InvalidSearchRequest,
    parse_search_request,
)
from leadgen_pipeline.storage import lead_store, search_store
from leadgen_pipeline.storage.database import database_url_from_env, engine_for

console = Console(stderr=True, width=None if sys.stderr.isatty() else 160)
PLACES_KEY_ENV = "GOOGLE_PLACES_API_KEY"
LLM_KEY_ENV = "OPENAI_API_KEY"
# The first names its target loosely, to show the fuzzy match ("&" vs "and").
DEMO_SEARCHES = (
    ("plumber", "Austin, TX", "Okafor and Sons Plumbing"),
    ("dentist", "Denver, CO", None),
)


class CliError(Exception):
    """A failure to report in one line, with exit status 1."""


def _instance(dagster_home: Path | None = None) -> Any:
    from dagster import DagsterInstance

    home = dagster_home or Path(os.environ.get("DAGSTER_HOME") or Path.cwd() / ".dagster_home")
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text("telemetry:\n  enabled: false\n")
    os.environ["DAGSTER_HOME"] = str(home)
    return DagsterInstance.get()


def run_search(
    keyword: str,
    location: str,
    target: str | None,
    instance: Any,
    coverage: str = DEFAULT_COVERAGE,
) -> str:
    """Register the search, add its partition and run the search job, showing progress."""
    from dagster import DagsterEventType

    from leadgen_pipeline.definitions import build_definitions
    from leadgen_pipeline.steps import search_partitions

    request = parse_search_request(keyword, location, target, coverage)
    search_store.register_search(engine_for(database_url_from_env()), request, requested_by="cli")
    instance.add_dynamic_partitions(search_partitions.name, [request.partition_key])
    job = build_definitions().resolve_job_def("search")
    steps = [node.name for node in job.nodes_in_topological_order]
    run_id = str(uuid.uuid4())  # Dagster's own run-id format
    outcome: dict[str, Any] = {}

    def execute() -> None:
        try:
            outcome["result"] = job.execute_in_process(
                instance=instance,
                partition_key=request.partition_key,
                run_id=run_id,
                raise_on_error=False,
                tags={"leadgen/requested_by": "cli"},
                # The progress line speaks for the run; warnings still show.
                run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
            )
        except Exception as error:  # reported below, in the main thread
            outcome["error"] = error

    worker = threading.Thread(target=execute, daemon=True)
    worker.start()
    done: set[str] = set()
    with console.status(f"searching {request.text_query!r}") as status:
        while worker.is_alive():
            worker.join(0.5)
            records = instance.get_records_for_run(
                run_id, of_type=DagsterEventType.STEP_SUCCESS
            ).records
            done = {r.event_log_entry.step_key for r in records}
            status.update(f"{request.text_query!r}: {len(done)}/{len(steps)} steps done")
    if "error" in outcome:
        raise CliError(f"search run crashed: {outcome['error']}")
    result = outcome["result"]
    if not result.success:
        failures = [
            e.message for e in result.all_events if e.event_type == DagsterEventType.STEP_FAILURE
        ]
        raise CliError(
            f"search {request.partition_key!r} failed (run {run_id}): {'; '.join(failures)}"
        )
    console.print(f"[green]search {request.partition_key!r} done[/] (run {run_id})")
    console.print(run_summary(result))
    return request.partition_key


def _stdout_console() -> Console:
    # Piped output (make demo in CI, a log file) gets a width a lead fits in.
    return Console(width=None if sys.stdout.isatty() else 160)


def leads_table(collection_id: str) -> Table:

    with engine_for(database_url_from_env()).connect() as conn:
        _, rows = lead_store.collection_leads(conn, collection_id)
    table = Table(title=f"leads in {collection_id} ({len(rows)})")
    widths = {"business": (28, 34), "email": (20, 38), "owner": (14, 22), "socials": (10, 36)}
    for column in ("#", "business", "phone", "email", "owner", "socials", "score"):
        low, high = widths.get(column, (None, None))
        table.add_column(column, no_wrap=True, overflow="ellipsis", min_width=low, max_width=high)
    for row in rows:
        table.add_row(
            str(row["rank"]),
            row["name"],
            row["phone_e164"] or "",
            row["email"] or "",
            row["owner_name"] or "",
            ", ".join(sorted(row["socials"] or {})),
            str(row["quality_score"]),
        )
    return table


def run_summary(result: Any) -> str:
    """One line on what the run found, enriched and cost, from its materialisation metadata."""
    nodes = ("places_results", "ai_intelligence", "enriched_prospects")
    meta: dict[str, dict[str, Any]] = {node: {} for node in nodes}
    for node in nodes:
        for event in result.asset_materializations_for_node(node):
            meta[node] |= {key: value.value for key, value in event.metadata.items()}
    search, ai, enrichment = (meta[node] for node in nodes)
    cost = (
        search.get("api_cost_usd", 0)
        + ai.get("llm_cost_usd", 0)
        + enrichment.get("api_cost_usd", 0)
    )
    return (
        f"{search.get('results', 0)} places ({search.get('coverage', '?')}); enrichment: "
        f"{enrichment.get('enriched', 0)} enriched, {enrichment.get('skipped', 0)} skipped, "
        f"{enrichment.get('failed', 0)} failed, LLM needed for {enrichment.get('llm_needed', 0)}, "
        f"{enrichment.get('website_fetches', 0)} pages fetched; estimated API cost ${cost:.4f}"
    )


@contextmanager
def outside_services() -> Iterator[list[str]]:
    """The real APIs whose keys are set; the local sandbox for the others.

    The sandbox ships with a development install only (`pip install -e '.[dev]'`),
    so a production install without keys is told which ones to set.
    """
    if os.environ.get(PLACES_KEY_ENV) and os.environ.get(LLM_KEY_ENV):
        yield []
        return
    try:
        from leadgen_sandbox.environment import services_from_environment
    except ImportError:
        raise CliError(
            f"set {PLACES_KEY_ENV} and {LLM_KEY_ENV}; the local sandbox that stands in "
            "for them is part of a development install (pip install -e '.[dev]')"
        ) from None
    with services_from_environment() as notes:
        yield notes


def _sandbox_module() -> Any:
    try:
        import leadgen_sandbox
    except ImportError:
        raise CliError(
            "the sandbox is part of a development install: pip install -e '.[dev]' in a checkout"
        ) from None
    return leadgen_sandbox


def cmd_search(args: argparse.Namespace) -> None:
    with outside_services() as notes:
        for note in notes:
            console.print(f"[yellow]{note}[/]")
        key = run_search(args.keyword, args.location, args.target, _instance(), args.coverage)
    _stdout_console().print(leads_table(key))


def cmd_demo(args: argparse.Namespace) -> None:
    _sandbox_module()
    from leadgen_sandbox.environment import patched_environ, services_from_environment

    # A throwaway Dagster instance and database, so the demo is repeatable and
    # leaves the user's own data alone.
    with tempfile.TemporaryDirectory(prefix="leadgen-demo-") as tmp:
        env = {
            "LEADGEN_DATA_DIR": tmp,
            "LEADGEN_DATABASE_URL": f"sqlite:///{tmp}/leadgen-demo.sqlite3",
            "GOOGLE_PLACES_API_KEY": "",
            "OPENAI_API_KEY": "",
        }
        with patched_environ(env), services_from_environment():
            instance = _instance(Path(tmp) / "dagster_home")
            out = _stdout_console()
            for keyword, location, target in DEMO_SEARCHES:
                key = run_search(keyword, location, target, instance)
                out.print(leads_table(key))


def cmd_export(args: argparse.Namespace) -> None:
    from leadgen_pipeline.directory.export import to_csv, to_json

    with engine_for(database_url_from_env()).connect() as conn:
        if lead_store.get_collection(conn, args.collection) is None:
            known = sorted(c["id"] for c in lead_store.list_collections(conn))
            listing = ", ".join(known) or "none yet"
            raise CliError(f"no collection {args.collection!r}; collections: {listing}")
        _, rows = lead_store.collection_leads(conn, args.collection)
    sys.stdout.write(to_csv(rows) if args.format == "csv" else to_json(rows) + "\n")


def cmd_sandbox(args: argparse.Namespace) -> None:
    _sandbox_module().serve_forever(args.host, args.places_port, args.llm_port, args.web_port)


def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    uvicorn.run(
        "leadgen_pipeline.api.app:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="leadgen", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="run two searches on the sandbox and print their leads")
    demo.set_defaults(handler=cmd_demo)

    search = commands.add_parser("search", help="request a search and run it now")
    search.add_argument("keyword", help='what the businesses do, e.g. "plumber"')
    search.add_argument("location", help='where, e.g. "Austin, TX"')
    search.add_argument("--target", help="a business to profile (default: the top result)")
    search.add_argument(
        "--coverage",
        choices=COVERAGE_MODES,
        default=DEFAULT_COVERAGE,
        help="full: every business in the area, past the 60-result cap (default); "
        "top: the single query's 60 most relevant",
    )
    search.set_defaults(handler=cmd_search)

    export = commands.add_parser("export", help="a collection's leads as CSV or JSON on stdout")
    export.add_argument("collection", help="collection id (the search key, e.g. plumber@austin-tx)")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.set_defaults(handler=cmd_export)

    serve = commands.add_parser("serve", help="the HTTP API and directory pages (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(handler=cmd_serve)

    sandbox = commands.add_parser("sandbox", help="run the local API servers in the foreground")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--places-port", type=int, default=8701)
    sandbox.add_argument("--llm-port", type=int, default=8702)
    sandbox.add_argument("--web-port", type=int, default=8703)
    sandbox.set_defaults(handler=cmd_sandbox)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    started = time.monotonic()
    try:
        args.handler(args)
    except (CliError, InvalidSearchRequest) as error:
        console.print(f"[red]error:[/] {escape(str(error))}")
        return 1
    except KeyboardInterrupt:
        console.print("[red]interrupted[/]")
        return 130
    if args.command in ("demo", "search"):
        console.print(f"done in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
