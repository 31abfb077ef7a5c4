"""The `leadgen` command: run searches, quotes, the demo, exports, outbound webhooks and the
sandbox from a terminal."""

import argparse
import json
import os
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy.engine import Engine

from leadgen_pipeline.domain.budget import InvalidBudget
from leadgen_pipeline.domain.contacts import display_phone
from leadgen_pipeline.domain.search_request import (
    COVERAGE_MODES,
    DEFAULT_COVERAGE,
    InvalidSearchRequest,
    parse_search_request,
)
from leadgen_pipeline.search.tags import STOPPED_TAG
from leadgen_pipeline.storage import lead_store, search_store, spend_store, territory_store
from leadgen_pipeline.storage.base import as_utc
from leadgen_pipeline.storage.database import database_url_from_env, engine_for

console = Console(stderr=True, width=None if sys.stderr.isatty() else 160)
PLACES_KEY_ENV = "GOOGLE_PLACES_API_KEY"
LLM_KEY_ENV = "OPENAI_API_KEY"
# The first names its target loosely, to show the fuzzy match ("&" vs "and").
DEMO_SEARCHES = (
    ("plumber", "Austin, TX", "Okafor and Sons Plumbing"),
    ("dentist", "Denver, CO", None),
)

# The demo's database is gone when it ends: `leadgen export plumber@austin-tx` right after
# it would answer "no collection" without this word.
DEMO_NOTE = (
    "The demo ran in a throwaway database, now deleted; your data/ is untouched. To keep "
    'a search: leadgen search plumber "Austin, TX", then leadgen export plumber@austin-tx, '
    "leadgen changes, or the directory (make dev)."
)


class CliError(Exception):
    """A failure to report in one line, with exit status 1."""

    exit_status = 1


class Stopped(CliError):
    """Work a budget stopped cleanly (what was fetched is kept): exit status 3."""

    exit_status = 3


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
    max_cost: str | None = None,
) -> str:
    """Register the search, add its partition and run the search job, showing progress."""
    from dagster import DagsterEventType

    from leadgen_pipeline.definitions import build_definitions
    from leadgen_pipeline.steps import search_partitions

    request = parse_search_request(keyword, location, target, coverage, max_cost)
    stored = search_store.register_search(
        engine_for(database_url_from_env()), request, requested_by="cli"
    )
    if "requested_as" in stored:
        console.print(
            f"[yellow]{stored['requested_as']!r} is the search {request.partition_key!r}, "
            f"first requested as {stored['text_query']!r}: it runs as that[/]"
        )
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
        if instance.get_run_by_id(run_id).tags.get(STOPPED_TAG) == "budget":
            # The step's own reason ("budget reached: ..."), not Dagster's summary of it.
            reasons = [
                str(e.step_failure_data.user_failure_data.description).removeprefix("stopped: ")
                for e in result.all_events
                if e.event_type == DagsterEventType.STEP_FAILURE
                and e.step_failure_data.user_failure_data is not None
            ]
            raise Stopped(
                f"search {request.partition_key!r} stopped (run {run_id}): {'; '.join(reasons)}"
            )
        raise CliError(
            f"search {request.partition_key!r} failed (run {run_id}): {'; '.join(failures)}"
        )
    console.print(f"[green]search {request.partition_key!r} done[/] (run {run_id})")
    console.print(run_summary(result, engine_for(database_url_from_env())))
    return request.partition_key


def _stdout_console() -> Console:
    # Piped output (make demo in CI, a log file) gets a width a lead fits in.
    return Console(width=None if sys.stdout.isatty() else 160)


def leads_table(collection_id: str) -> Table:
    with engine_for(database_url_from_env()).connect() as conn:
        _, rows = lead_store.collection_leads(conn, collection_id)
    return leads_table_of(collection_id, rows)


def leads_table_of(collection_id: str, rows: Sequence[Mapping[str, Any]]) -> Table:
    """The leads as a table that fits the piped width (160). Rich narrows every column
    alike when a table is too wide (a rank then reads "…" from 10 on), so the text
    columns' bounds leave room for the rank, phone and score, which are never cut."""
    cells = [
        (
            str(row["rank"]),
            row["name"],
            display_phone(row["phone_e164"], row["country_code"]) or "",
            row["email"] or "",
            row["owner_name"] or "",
            ", ".join(sorted(row["socials"] or {})),
            str(row["quality_score"]),
        )
        for row in rows
    ]
    table = Table(title=f"leads in {collection_id} ({len(rows)})")
    widths = {"business": (20, 30), "email": (20, 34), "owner": (12, 20), "socials": (10, 26)}
    columns = ("#", "business", "phone", "email", "owner", "socials", "score")
    for index, column in enumerate(columns):
        # A column without bounds must show whole: as wide as its widest cell or header.
        whole = max([len(column), *(len(cell[index]) for cell in cells)])
        low, high = widths.get(column, (whole, whole))
        table.add_column(
            column,
            no_wrap=True,
            overflow="ellipsis",
            min_width=low,
            max_width=high,
            justify="right" if column in ("#", "score") else "left",
        )
    for cell in cells:
        table.add_row(*cell)
    return table


SPENDING_STEPS = ("places_results", "ai_intelligence", "enriched_prospects")


def _run_metadata(result: Any) -> tuple[dict[str, Any], ...]:
    """The metadata of a search run's spending steps, in SPENDING_STEPS order."""
    meta: dict[str, dict[str, Any]] = {node: {} for node in SPENDING_STEPS}
    for node in SPENDING_STEPS:
        for event in result.asset_materializations_for_node(node):
            meta[node] |= {key: value.value for key, value in event.metadata.items()}
    return tuple(meta[node] for node in SPENDING_STEPS)


def run_cost_usd(engine: Engine, run_id: str) -> float:
    """What a run spent at list price (Places and the LLM), from the spend ledger."""
    with engine.connect() as conn:
        return spend_store.spend_summary(conn, run_id=run_id)["cost_usd"]


def run_summary(result: Any, engine: Engine) -> str:
    """One line on what the run found and enriched (its materialisation metadata) and what
    it spent (the ledger)."""
    search, _, enrichment = _run_metadata(result)
    cost = run_cost_usd(engine, result.run_id)
    return (
        f"{search.get('results', 0)} places ({search.get('coverage', '?')}); enrichment: "
        f"{enrichment.get('enriched', 0)} enriched, {enrichment.get('skipped', 0)} skipped, "
        f"{enrichment.get('failed', 0)} failed, LLM needed for {enrichment.get('llm_needed', 0)}, "
        f"{enrichment.get('website_fetches', 0)} pages fetched; spent ${cost:.4f} at list price"
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
        key = run_search(
            args.keyword, args.location, args.target, _instance(), args.coverage, args.max_cost
        )
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
    console.print(DEMO_NOTE)


def spend_table(by: str, since: datetime | None) -> Table:
    """The ledger's totals per search or per day (UTC), since a day, and their sum."""
    with engine_for(database_url_from_env()).connect() as conn:
        rows = spend_store.spend_totals(conn, by, since)
    table = Table(title=f"spend by {by}" + (f" since {since:%Y-%m-%d}" if since else ""))
    for column, justify in ((by, "left"), ("calls", "right"), ("cost USD", "right")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    table.add_column("LLM tokens", justify="right")
    table.add_column("in flight", justify="right")
    for row in rows:
        table.add_row(
            row["key"],
            str(row["calls"]),
            f"{row['cost_usd']:.4f}",
            str(row["tokens"]),
            str(row["in_flight"]),
        )
    table.add_section()
    table.add_row(
        "total",
        str(sum(row["calls"] for row in rows)),
        f"{sum(row['cost_usd'] for row in rows):.4f}",
        str(sum(row["tokens"] for row in rows)),
        str(sum(row["in_flight"] for row in rows)),
    )
    return table


def _day(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day (YYYY-MM-DD)") from None


def cmd_spend(args: argparse.Namespace) -> None:
    _stdout_console().print(spend_table(args.by, args.since))


def unknown_collection(conn: Any, collection_id: str) -> CliError:
    known = sorted(c["id"] for c in lead_store.list_collections(conn))
    listing = ", ".join(known) or "none yet"
    return CliError(f"no collection {collection_id!r}; collections: {listing}")


def since_date(text: str) -> datetime:
    """--since: a date or an ISO date-time; UTC when it names no zone."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date: give YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+HH:MM]"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def cmd_changes(args: argparse.Namespace) -> None:
    with engine_for(database_url_from_env()).connect() as conn:
        if search_store.get_search(conn, args.collection) is None:
            raise unknown_collection(conn, args.collection)
        rows = territory_store.territory_changes_since(conn, args.collection, args.since)
    if args.json:
        print(json.dumps(rows, default=str, ensure_ascii=False, indent=1))
        return
    table = Table(title=f"changes in {args.collection} ({len(rows)})")
    for column in ("observed", "kind", "place", "field", "before", "after"):
        table.add_column(column, overflow="fold")
    for row in rows:
        observed = as_utc(row["observed_at"])
        table.add_row(
            f"{observed:%Y-%m-%d %H:%M}" if observed else "",
            row["kind"],
            row["name"] or row["place_id"],
            row["field"],
            row["before"] or "",
            row["after"] or "",
        )
    _stdout_console().print(table)


def cmd_export(args: argparse.Namespace) -> None:
    from leadgen_pipeline.directory.export import ExportFormat, export_collection

    export_format = ExportFormat(args.format)
    if export_format is ExportFormat.XLSX and args.output is None and sys.stdout.isatty():
        raise CliError("an XLSX file is binary: give --output FILE, or redirect stdout to a file")
    with engine_for(database_url_from_env()).connect() as conn:
        collection = lead_store.get_collection(conn, args.collection)
        if collection is None:
            raise unknown_collection(conn, args.collection)
        _, rows = lead_store.collection_leads(conn, args.collection)
    content = export_collection(export_format, rows, collection, None)
    if args.output is None:
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
    else:
        args.output.write_bytes(content)
        console.print(f"{len(rows)} leads written to {args.output}")


WEB_ALLOWED_HOSTS_ENV = "LEADGEN_WEB_ALLOWED_HOSTS"


def _website_target(url: str, country: str | None) -> tuple[str, str | None]:
    """The URL and country of an enrich-website request, checked before anything is fetched."""
    import phonenumbers

    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CliError(f"{url!r} is not an http(s) URL with a host")
    if country is not None:
        country = country.strip().upper()
        if country not in phonenumbers.SUPPORTED_REGIONS:
            raise CliError(f"--country {country!r} is not an ISO 3166 country code (e.g. DE, GB)")
    return urlunsplit(parts._replace(path=parts.path or "/")), country


@contextmanager
def _website_llm(use_llm: bool) -> Iterator[Any]:
    """The LLM the waterfall asks for what the rules miss: the configured endpoint, the
    sandbox in a development install when no key is set, or none with --no-llm."""
    if not use_llm:
        yield None
        return
    from leadgen_pipeline.clients.llm import LLMClient
    from leadgen_pipeline.definitions import llm_model_from_env

    model = llm_model_from_env()
    if key := os.environ.get(LLM_KEY_ENV):
        yield LLMClient(api_key=key, model=model, base_url=os.environ.get("LEADGEN_LLM_BASE_URL"))
        return
    try:
        from leadgen_sandbox.sandbox import Sandbox
    except ImportError:
        raise CliError(
            f"the LLM step needs {LLM_KEY_ENV} (or run with --no-llm for the rules alone); "
            "the local sandbox that stands in for it is part of a development install"
        ) from None
    console.print(
        f"[yellow]no {LLM_KEY_ENV} set: the local sandbox's LLM stands in (development "
        "install); its answers are fictional. Set the key, or pass --no-llm.[/]"
    )
    with Sandbox() as sandbox:
        yield LLMClient(api_key="sandbox-llm-key", model=model, base_url=sandbox.llm_url)


def llm_not_used_because(enrichment: Any, llm_allowed: bool) -> str | None:
    """Why the LLM was not asked about a site, in words; None when it was."""
    if enrichment.report.get("llm") is not None:
        return None
    if reason := enrichment.report.get("llm_skipped"):
        return str(reason)
    if not llm_allowed:
        return "--no-llm"
    if enrichment.site is None:
        return "no page could be read"
    return "the rules found the owner"


def website_document(
    url: str, country: str, enrichment: Any, llm_allowed: bool = True
) -> dict[str, Any]:
    """What `leadgen enrich-website --json` prints (docs/extraction.md describes it)."""
    site = enrichment.site

    def provenance(contact: Any) -> dict[str, Any]:
        source, _, method = contact.source.partition(":")
        return {"source": source, "method": method, "page": contact.url}

    by_kind: dict[str, list[Any]] = {}
    for contact in enrichment.contacts:
        by_kind.setdefault(contact.kind.split(":")[0], []).append(contact)
    llm = enrichment.report.get("llm")
    return {
        "url": url,
        "country": country,
        "business_name": site.business_name if site else None,
        "site_domain": site.site_domain if site else None,
        "emails": [
            {"address": c.value, **dict(c.signals or {}), **provenance(c)}
            for c in by_kind.get("email", [])
        ],
        "other_emails": [
            {"address": c.value, "reason": c.detail, **dict(c.signals or {}), **provenance(c)}
            for c in by_kind.get("other_email", [])
        ],
        "phones": [
            {"number": c.value, "type": c.contact_type, **provenance(c)}
            for c in by_kind.get("phone", [])
        ],
        "socials": [
            {
                "network": c.kind.partition(":")[2],
                "url": c.value,
                "holder": c.contact_type or "business",
                **provenance(c),
            }
            for c in by_kind.get("social", [])
        ],
        "owners": [
            {"name": c.value, "title": c.detail, **provenance(c)} for c in by_kind.get("owner", [])
        ],
        "pages": [
            {key: page[key] for key in ("url", "reason", "status", "bytes", "error")}
            for page in enrichment.crawl.log
        ],
        "skipped": enrichment.crawl.skipped,
        "llm": {
            "used": llm is not None,
            "why_not": llm_not_used_because(enrichment, llm_allowed),
            "cost_usd": llm["cost_usd"] if llm else 0.0,
        },
    }


def _print_website_document(document: dict[str, Any]) -> None:
    out = _stdout_console()
    out.print(
        f"[bold]{document['business_name'] or document['url']}[/] "
        f"({document['url']}, phones read as {document['country']})"
    )
    sections = (
        ("emails", "address", lambda e: f"deliverable: {e['deliverable']}"),
        ("other_emails", "address", lambda e: e["reason"] or ""),
        ("phones", "number", lambda p: p["type"]),
        ("socials", "url", lambda s: s["holder"]),
        ("owners", "name", lambda o: o["title"] or ""),
    )
    for key, value_key, note in sections:
        table = Table(title=key.replace("_", " "), title_justify="left", show_edge=False)
        for column in ("value", "note", "method", "page"):
            table.add_column(column, overflow="fold")
        for item in document[key]:
            table.add_row(item[value_key], note(item), item["method"], item["page"] or "")
        out.print(table if document[key] else f"[dim]{key.replace('_', ' ')}: none found[/]")
    pages = Table(title="pages fetched", title_justify="left", show_edge=False)
    for column in ("url", "why", "result"):
        pages.add_column(column, overflow="fold")
    for page in document["pages"]:
        pages.add_row(page["url"], page["reason"], page["error"] or f"HTTP {page['status']}")
    out.print(pages)
    for skipped in document["skipped"]:
        out.print(f"[dim]not fetched: {skipped['url']}: {skipped['reason']}[/]")
    llm = document["llm"]
    out.print(
        f"LLM: used, ${llm['cost_usd']:.5f}" if llm["used"] else f"LLM: not used ({llm['why_not']})"
    )


def cmd_enrich_website(args: argparse.Namespace) -> None:
    from leadgen_pipeline.clients.dns import RESOLVER_ENV, InvalidResolver, MailDomainResolver
    from leadgen_pipeline.clients.web import (
        AddressGuard,
        BlockedAddress,
        WebsiteFetcher,
        parse_allowed_origins,
    )
    from leadgen_pipeline.enrichment.waterfall import WaterfallSettings, enrich_website

    url, country = _website_target(args.url, args.country)
    try:
        allowed = parse_allowed_origins(os.environ.get(WEB_ALLOWED_HOSTS_ENV, ""))
    except BlockedAddress as error:
        raise CliError(f"{WEB_ALLOWED_HOSTS_ENV}: {error}") from None
    try:
        # No resolver configured: no lookup, every email's deliverability is "unknown".
        mail_domains = MailDomainResolver.from_spec(os.environ.get(RESOLVER_ENV))
    except InvalidResolver as error:
        raise CliError(f"{RESOLVER_ENV}: {error}") from None
    fetcher = WebsiteFetcher(guard=AddressGuard(allowed_origins=allowed))
    settings = WaterfallSettings(max_pages_per_site=args.max_pages, use_llm=not args.no_llm)
    with _website_llm(not args.no_llm) as llm:
        enrichment = enrich_website(
            fetcher,
            llm,
            url,
            business_name=None,
            region=country,
            settings=settings,
            mail_domains=mail_domains,
        )
    document = website_document(url, enrichment.region, enrichment, llm_allowed=not args.no_llm)
    if args.json:
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    else:
        _print_website_document(document)


def cmd_webhooks(args: argparse.Namespace) -> None:
    """Outbound webhooks: subscriptions, dead letters, replays, and the delivery loop."""
    from leadgen_pipeline.domain.outbound_webhooks import InvalidSubscription
    from leadgen_pipeline.resources import outbound_webhooks_from_env
    from leadgen_pipeline.storage import outbound_webhook_store as store
    from leadgen_pipeline.webhooks.outbound import deliver_due, subscribe

    engine = engine_for(database_url_from_env())
    settings = outbound_webhooks_from_env()
    out = _stdout_console()
    if args.action == "add":
        try:
            subscription, secret = subscribe(
                engine, settings.guard, args.url, args.event, args.secret, args.description
            )
        except InvalidSubscription as error:
            raise CliError(str(error)) from None
        out.print(f"subscription {subscription['id']}: {args.url} <- {', '.join(args.event)}")
        # stdout only, and this once: the receiver needs it to verify signatures.
        out.print(f"secret (shown once, keep it with the receiver): {secret}", highlight=False)
    elif args.action == "list":
        with engine.connect() as conn:
            rows = store.list_subscriptions(conn)
        table = Table("id", "url", "events", "description", "created", title="subscriptions")
        for row in rows:
            table.add_row(
                row["id"],
                escape(row["url"]),
                ", ".join(row["events"]),
                escape(row["description"] or ""),
                f"{row['created_at']:%Y-%m-%d %H:%M}",
            )
        out.print(table)
    elif args.action == "remove":
        if not store.remove_subscription(engine, args.subscription):
            raise CliError(f"no subscription {args.subscription!r} in force")
        out.print(f"subscription {args.subscription} removed; what it was owed is cancelled")
    elif args.action == "dead":
        with engine.connect() as conn:
            rows = store.list_deliveries(conn, store.DEAD, args.subscription, args.limit)
        table = Table("delivery", "event", "url", "attempts", "last error", "dead since")
        for row in rows:
            table.add_row(
                row["id"],
                row["event_type"],
                escape(row["url"]),
                str(row["attempts"]),
                escape(row["last_error"] or ""),
                f"{row['dead_at']:%Y-%m-%d %H:%M}",
            )
        out.print(table)
    elif args.action == "replay":
        outcome = store.replay_delivery(engine, args.delivery)
        if outcome != "replayed":
            raise CliError(f"delivery {args.delivery!r} not replayed: {outcome.replace('_', ' ')}")
        out.print(f"delivery {args.delivery} is due again")
    else:  # deliver
        while True:
            report = deliver_due(engine, settings.sender, settings.settings())
            console.print(f"{time.strftime('%H:%M:%S')} {report}")
            if args.once:
                return
            time.sleep(args.interval)


def quote_document(keyword: str, location: str, coverage: str, probe: bool) -> dict[str, Any]:
    """What `leadgen quote --json` prints: the search it is for, and the quote
    (docs/operations.md, "Quotes"). Spends nothing billable; `probe` uses Places quota."""
    from leadgen_pipeline.clients.resilience import ProviderError
    from leadgen_pipeline.definitions import llm_model_from_env, places_client_from_env
    from leadgen_pipeline.search.quote import quote_search

    request = parse_search_request(keyword, location, None, coverage)
    engine = engine_for(database_url_from_env())
    if probe:
        try:
            with outside_services() as notes, places_client_from_env() as places:
                for note in notes:
                    console.print(f"[yellow]{note}[/]")
                quote = quote_search(engine, request, llm_model_from_env(), places)
        except ProviderError as error:
            raise CliError(f"the probe failed: {error}") from None
    else:
        quote = quote_search(engine, request, llm_model_from_env())
    return {
        "search_id": request.partition_key,
        "text_query": request.text_query,
        **quote.as_dict(),
    }


def _money(figure: dict[str, float]) -> list[str]:
    return [f"${figure[k]:.4f}" for k in ("expected", "low", "high")]


def _counts(figure: dict[str, float]) -> list[str]:
    return [f"{figure[k]:,.1f}".removesuffix(".0") for k in ("expected", "low", "high")]


def _print_quote(document: dict[str, Any]) -> None:
    out = _stdout_console()
    cost = document["cost_usd"]
    out.print(
        f"[bold]quote for {document['text_query']!r}[/] ({document['search_id']}, coverage "
        f"{document['coverage']}): [bold]${cost['expected']:.4f}[/] expected, "
        f"${cost['low']:.4f} to ${cost['high']:.4f}"
    )
    table = Table(title="what the run asks for", title_justify="left", show_edge=False)
    for column in ("", "expected", "low", "high"):
        table.add_column(column, justify="left" if not column else "right")
    requests = document["requests"]
    rows = [
        *((f"Text Search: {kind}", figure) for kind, figure in requests["text_search"].items()),
        ("Place Details", requests["place_details"]),
        *((f"LLM calls: {kind}", figure) for kind, figure in requests["llm"].items()),
        (f"LLM tokens ({document['llm_model']})", document["llm_tokens"]),
        ("places found", document["places"]),
        ("prospects enriched", document["prospects_enriched"]),
    ]
    for label, figure in rows:
        table.add_row(label, *_counts(figure))
    for part, figure in document["cost_by_part_usd"].items():
        table.add_row(f"cost: {part.replace('_', ' ')}", *_money(figure))
    out.print(table)
    inputs = Table(title="inputs", title_justify="left", show_edge=False)
    for column in ("input", "expected", "low", "high", "source", "note"):
        inputs.add_column(column, overflow="fold")
    for name, figure in document["inputs"].items():
        inputs.add_row(
            name,
            *(f"{figure[k]:.4g}" for k in ("expected", "low", "high")),
            figure.get("source", ""),
            figure.get("note", ""),
        )
    out.print(inputs)
    if probe := document["probe"]:
        out.print(
            f"probe: {probe['requests']} Text Search request(s) at {probe['sku']} ($0, "
            f"Places quota used), {probe['places']} places"
            + (" (at the cap)" if probe["saturated"] else "")
        )
    for note in document["notes"]:
        out.print(f"[dim]{note}[/]")


def cmd_quote(args: argparse.Namespace) -> None:
    document = quote_document(args.keyword, args.location, args.coverage, args.probe)
    if args.json:
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        _print_quote(document)


def cmd_sandbox(args: argparse.Namespace) -> None:
    ports = (args.places_port, args.llm_port, args.web_port)
    try:
        _sandbox_module().serve_forever(args.host, *ports)
    except OSError as error:
        # A port taken (another `leadgen sandbox`, or the one `make dev` or a search
        # started, whose websites take 8703 when free): one line, not a traceback.
        raise CliError(
            f"cannot serve on {args.host} ports {', '.join(map(str, ports))}: "
            f"{error.strerror or error}; choose others (--places-port, --llm-port, "
            "--web-port; 0 picks a free one)"
        ) from None


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
    search.add_argument(
        "--max-cost",
        metavar="USD",
        help="the search's spending cap in USD (Places and LLM calls); reached, the search "
        "stops (exit status 3) keeping what it fetched, and run again with a higher cap it "
        "resumes where it stopped",
    )
    search.set_defaults(handler=cmd_search)

    spend = commands.add_parser(
        "spend", help="what the billable calls cost, from the spend ledger, per day or search"
    )
    spend.add_argument("--since", type=_day, metavar="DATE", help="from this UTC day on")
    spend.add_argument("--by", choices=("day", "search"), default="day")
    spend.set_defaults(handler=cmd_spend)

    quote = commands.add_parser(
        "quote",
        help="what a search would ask for and cost, before running it (spends nothing)",
    )
    quote.add_argument("keyword", help='what the businesses do, e.g. "plumber"')
    quote.add_argument("location", help='where, e.g. "Austin, TX"')
    quote.add_argument("--coverage", choices=COVERAGE_MODES, default=DEFAULT_COVERAGE)
    quote.add_argument(
        "--probe",
        action="store_true",
        help="count the places of a search never run with an IDs-only Text Search "
        "($0, but up to 3 requests of Places quota)",
    )
    quote.add_argument("--json", action="store_true", help="a JSON document on stdout")
    quote.set_defaults(handler=cmd_quote)

    export = commands.add_parser(
        "export", help="a collection's leads as CSV, XLSX or JSON (columns: docs/exports.md)"
    )
    export.add_argument("collection", help="collection id (the search key, e.g. plumber@austin-tx)")
    export.add_argument("--format", choices=("csv", "xlsx", "json"), default="csv")
    export.add_argument(
        "--output", "-o", type=Path, help="write to this file (default: standard output)"
    )
    export.set_defaults(handler=cmd_export)

    changes = commands.add_parser(
        "changes", help="a collection's territory history: new, gone, closed, reopened, changed"
    )
    changes.add_argument("collection", help="collection id (the search key)")
    changes.add_argument(
        "--since", type=since_date, help="observed on or after this date (YYYY-MM-DD, UTC)"
    )
    changes.add_argument("--json", action="store_true", help="a JSON array on stdout")
    changes.set_defaults(handler=cmd_changes)

    serve = commands.add_parser("serve", help="the HTTP API and directory pages (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(handler=cmd_serve)

    website = commands.add_parser(
        "enrich-website",
        help="run the website part of the enrichment on one site and show what it found",
    )
    website.add_argument("url", help="the site's home page, e.g. https://www.example.de/")
    website.add_argument(
        "--country",
        help="ISO country code national phone numbers are read in (default: from the site)",
    )
    website.add_argument("--no-llm", action="store_true", help="rules only, no LLM call")
    website.add_argument("--json", action="store_true", help="a JSON document on stdout")
    website.add_argument(
        "--max-pages", type=int, default=6, help="pages fetched at most, home page included"
    )
    website.set_defaults(handler=cmd_enrich_website)

    webhooks = commands.add_parser(
        "webhooks", help="outbound webhooks: subscriptions, dead deliveries, replays, delivering"
    )
    actions = webhooks.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="subscribe a URL to events; prints its secret once")
    add.add_argument("url", help="where deliveries are POSTed, e.g. https://crm.example/hooks")
    add.add_argument(
        "--event",
        action="append",
        required=True,
        help="an event type to receive (repeat for more): lead.created, lead.updated, "
        "search.completed, search.failed, budget.reached",
    )
    add.add_argument("--secret", help="whsec_<base64> to sign with (default: a new one)")
    add.add_argument("--description", help="a note for people, e.g. which CRM")
    actions.add_parser("list", help="the subscriptions in force (never their secrets)")
    remove = actions.add_parser("remove", help="stop a subscription")
    remove.add_argument("subscription", help="its id (whs_...)")
    dead = actions.add_parser("dead", help="deliveries that failed their last try")
    dead.add_argument("--subscription", help="only this subscription's")
    dead.add_argument("--limit", type=int, default=100)
    replay = actions.add_parser("replay", help="send a dead delivery again")
    replay.add_argument("delivery", help="its id (dlv_...)")
    deliver = actions.add_parser(
        "deliver", help="send due deliveries in a loop (as the Dagster sensor does)"
    )
    deliver.add_argument("--once", action="store_true", help="one round, then exit")
    deliver.add_argument("--interval", type=float, default=15.0, help="seconds between rounds")
    webhooks.set_defaults(handler=cmd_webhooks)

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
    except Stopped as error:
        console.print(f"[yellow]{escape(str(error))}[/]")
        return error.exit_status
    except (CliError, InvalidSearchRequest, InvalidBudget) as error:
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
