"""A normalised dump of the business-meaningful content of the application database.

Two runs of the same search (one under faults, killed or cut off from its
database, then retried; one clean) must leave the same business data. What
legitimately differs between two correct runs is left out, column by column,
each with the reason; every other column, including any column added later,
is compared. JSON values are compared as canonical JSON text, rows as sorted
lists, so neither key order nor row order matters.
"""

import json
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.database import engine_for

Row = tuple[tuple[str, Any], ...]
Dump = dict[str, list[Row]]

# Column -> why two correct runs of the same search may store different values.
WHEN = "a wall-clock time: when the row was written, not what it says"
RUN = "which Dagster run wrote the row: a retry or re-execution is another run"
EXCLUDED: dict[str, dict[str, str]] = {
    "searches": {
        "requested_at": WHEN,
        "last_searched_at": WHEN,
        "last_run_id": RUN,
        "territory_observed_at": WHEN,
    },
    "places_results": {
        "fetched_at": WHEN,
        "run_id": RUN,
        # Raw pages hold page tokens minted per request; the page number, its
        # place count and the place ids it listed (see _normalise) are compared.
        "request": "holds the page token of the previous page, minted per request",
        "response": "holds page tokens; the ids it lists are compared through place_ids",
    },
    "prospects": {
        "first_seen_at": WHEN,
        "updated_at": WHEN,
        "enriched_at": WHEN,
        "next_attempt_at": "a retry time, derived from the clock (None once enriched: checked)",
        "enrichment_run_id": RUN,
        "enrichment_attempts": "an attempt counter: a fault costs an attempt, by design",
    },
    "search_prospects": {"seen_at": WHEN},
    "prospect_contacts": {"found_at": WHEN},
    "ai_intelligence": {
        "created_at": WHEN,
        "run_id": RUN,
        # The LLM bills the prompt and answer tokens of the call that succeeded;
        # they and the cost are spend, not business data.
        "prompt_tokens": "spend, not business data",
        "completion_tokens": "spend, not business data",
        "cost_usd": "spend, not business data",
    },
    "leads": {
        "promoted_at": WHEN,
        "updated_at": WHEN,
        # Counts the changes a CRM was told of: a run retried after faults first
        # promotes a lead with what it had, then updates it.
        "version": "how many times the lead changed on its way, not what it says",
    },
    "lead_collections": {"updated_at": WHEN},
    "lead_collection_members": {},
}
COMPARED_TABLES = tuple(EXCLUDED)

# The enrichment report records what the last attempt did. Kept: the sources
# used, which pages were fetched with their HTTP status, and what the LLM was
# shown and whether its owner was discarded. Left out: byte counts, truncation
# flags and error texts of pages (a slow page is cut by whichever of the read
# timeout and the page deadline trips first, a race), and the LLM's tokens and
# cost (spend).
_REPORT_PAGE_KEYS = ("url", "status")
_REPORT_LLM_KEYS = ("text", "discarded_owner")


def _normalise_report(report: Mapping[str, Any] | None) -> Any:
    if report is None:
        return None
    normal: dict[str, Any] = {"sources": report.get("sources")}
    if "pages" in report:
        normal["pages"] = [{k: page.get(k) for k in _REPORT_PAGE_KEYS} for page in report["pages"]]
    if "llm" in report:
        normal["llm"] = {k: report["llm"].get(k) for k in _REPORT_LLM_KEYS}
    return normal


def _canonical(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return value


def _normalise(table: str, row: Mapping[str, Any]) -> Row:
    kept = {k: v for k, v in row.items() if k not in EXCLUDED[table]}
    if table == "prospects":
        kept["enrichment_report"] = _normalise_report(kept["enrichment_report"])
    if table == "places_results":
        kept["place_ids"] = [p.get("id") for p in row["response"].get("places", [])]
    return tuple(sorted((k, _canonical(v)) for k, v in kept.items()))


def check_exclusions_match_schema() -> None:
    """Every excluded column exists: a renamed column must not silently escape comparison."""
    for table, columns in EXCLUDED.items():
        missing = set(columns) - set(t.metadata.tables[table].columns.keys())
        assert not missing, f"{table}: excluded columns {missing} are not in the schema"


def normalised_dump(database_url: str) -> Dump:
    """Every compared table as a sorted list of normalised rows."""
    check_exclusions_match_schema()
    dump: Dump = {}
    with engine_for(database_url).connect() as conn:
        for name in COMPARED_TABLES:
            rows = conn.execute(sa.select(t.metadata.tables[name])).mappings()
            dump[name] = sorted((_normalise(name, row) for row in rows), key=repr)
    return dump


def dump_differences(actual: Dump, expected: Dump, limit: int = 6) -> str:
    """A readable account of how two dumps differ (empty when equal)."""
    lines = []
    for table in COMPARED_TABLES:
        got, want = actual.get(table, []), expected.get(table, [])
        if got == want:
            continue
        only_got = [row for row in got if row not in want]
        only_want = [row for row in want if row not in got]
        lines.append(
            f"{table}: {len(got)} rows vs {len(want)} in the clean run; "
            f"{len(only_got)} only here, {len(only_want)} only in the clean run"
        )
        by_key = {_row_key(table, row): row for row in only_want}
        for row in only_got[:limit]:
            other = by_key.get(_row_key(table, row))
            if other is None:
                lines.append(f"  extra: {dict(row)}")
                continue
            changed = {
                column: (value, dict(other).get(column))
                for column, value in row
                if dict(other).get(column) != value
            }
            lines.append(f"  {_row_key(table, row)}: (here, clean) {changed}")
        for row in only_want[:limit]:
            if _row_key(table, row) not in {_row_key(table, r) for r in only_got}:
                lines.append(f"  missing: {dict(row)}")
    return "\n".join(lines)


_KEYS = {
    "searches": ("id",),
    "places_results": ("search_id", "page_number"),
    "prospects": ("place_id",),
    "search_prospects": ("search_id", "place_id"),
    "prospect_contacts": ("place_id", "kind", "value"),
    "ai_intelligence": ("search_id",),
    "leads": ("place_id",),
    "lead_collections": ("id",),
    "lead_collection_members": ("collection_id", "place_id"),
}


def _row_key(table: str, row: Row) -> tuple[Any, ...]:
    values = dict(row)
    return tuple(values.get(column) for column in _KEYS[table])


def assert_same_business_data(actual_url: str, expected: Dump) -> None:
    actual = normalised_dump(actual_url)
    assert actual == expected, "the database differs from the clean run:\n" + dump_differences(
        actual, expected
    )


def assert_no_leftover_work(database_url: str) -> None:
    """Nothing queued or claimed, nothing running, no retry pending for finished prospects."""
    with engine_for(database_url).connect() as conn:
        queued = conn.execute(sa.select(sa.func.count()).select_from(t.enrichment_queue))
        assert queued.scalar_one() == 0, "work is left in the enrichment queue"
        unfinished = conn.execute(
            sa.select(t.prospects.c.place_id, t.prospects.c.enrichment_status).where(
                t.prospects.c.enrichment_status.not_in(["enriched", "skipped"])
            )
        ).all()
        assert not unfinished, f"prospects not finished: {unfinished[:5]}"
        pending_retry = conn.execute(
            sa.select(t.prospects.c.place_id).where(t.prospects.c.next_attempt_at.is_not(None))
        ).all()
        assert not pending_retry, f"finished prospects with a retry pending: {pending_retry[:5]}"
