"""Prospects (one per Google place), the searches that list them, and their contacts."""

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, Row

from leadgen_pipeline.domain.enrichment import ContactValue
from leadgen_pipeline.domain.places import Prospect
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.base import upsert, utcnow

# Listing fields a new search result refreshes; enrichment state is left alone.
PROSPECT_LISTING_COLUMNS = (
    "name",
    "formatted_address",
    "latitude",
    "longitude",
    "primary_type",
    "types",
    "business_status",
    "phone_e164",
    "national_phone",
    "website",
    "google_maps_uri",
    "rating",
    "user_rating_count",
    "country_code",
)

# Written with every listing: how old it is (retention measures from it) and not cleared.
LISTING_WRITE_COLUMNS = ("updated_at", "places_cleared_at")


_PROSPECT_FIELDS = tuple(field.name for field in fields(Prospect))


def prospect_row(prospect: Prospect, now: datetime) -> dict[str, Any]:
    # A shallow copy: dataclasses.asdict deep-copies every value, and was a third
    # of the time a 100-prospect upsert took (docs/benchmarks.md, scale).
    row = {name: getattr(prospect, name) for name in _PROSPECT_FIELDS}
    row["types"] = list(prospect.types)
    # A listing written now is as Places gives it: no longer cleared by retention.
    return {**row, "first_seen_at": now, "updated_at": now, "places_cleared_at": None}


def store_search_prospects(engine: Engine, search_id: str, ranked: Sequence[Prospect]) -> None:
    """Upsert the places as prospects and make them, at their ranks, the search's results
    (one transaction: a search's results are stored whole or not at all)."""
    counts = Counter(p.place_id for p in ranked)
    repeated = sorted(place_id for place_id, listed in counts.items() if listed > 1)
    if repeated:
        raise ValueError(f"a search's results list a place more than once: {', '.join(repeated)}")
    now = utcnow()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(
                _STORE_SEARCH_RESULTS, _search_results_parameters(search_id, ranked, now)
            )
            return
        upsert(
            conn,
            t.prospects,
            [prospect_row(p, now) for p in ranked],
            ["place_id"],
            update_columns=[*PROSPECT_LISTING_COLUMNS, *LISTING_WRITE_COLUMNS],
        )
        links = t.search_prospects
        conn.execute(
            sa.delete(links).where(
                links.c.search_id == search_id,
                links.c.place_id.not_in([p.place_id for p in ranked]),
            )
        )
        upsert(
            conn,
            links,
            [
                {"search_id": search_id, "place_id": p.place_id, "rank": rank, "seen_at": now}
                for rank, p in enumerate(ranked, start=1)
            ],
            ["search_id", "place_id"],
        )


# PostgreSQL stores a search's results in one statement: the listings arrive as one JSON
# document (json_to_recordset; psycopg dumps a column as an array in Python, 3x slower),
# the stale links go, the links are upserted at their ranks. One round trip, planned once
# per connection (psycopg prepares it from its fifth run), no temporary table
# (docs/benchmarks.md, scale). The links' foreign keys see the prospects this statement
# inserts: they are checked at its end. Rows are written in place-id order (as
# base.upsert writes): overlapping searches stored at once wait, never deadlock.
_RECORD_TYPES = {sa.Text: "text", sa.Float: "float8", sa.Integer: "int4", sa.JSON: "jsonb"}
_LISTING_COLUMNS = ("place_id", *PROSPECT_LISTING_COLUMNS)


def _record_type(column: str) -> str:
    kind = type(t.prospects.c[column].type)
    return next(name for base, name in _RECORD_TYPES.items() if issubclass(kind, base))


_LISTING_RECORD = ", ".join(f"{c} {_record_type(c)}" for c in _LISTING_COLUMNS)
_LISTING_LIST = ", ".join(_LISTING_COLUMNS)
_REFRESHED = ", ".join(
    f"{c} = excluded.{c}" for c in (*PROSPECT_LISTING_COLUMNS, *LISTING_WRITE_COLUMNS)
)
_STORE_SEARCH_RESULTS = f"""
WITH listing AS (
    SELECT * FROM json_to_recordset(%(listings)s::json) AS listing (rank int4, {_LISTING_RECORD})
), stored AS (
    INSERT INTO prospects ({_LISTING_LIST}, first_seen_at, updated_at, places_cleared_at)
    SELECT {_LISTING_LIST}, %(now)s, %(now)s, NULL FROM listing ORDER BY place_id COLLATE "C"
    ON CONFLICT (place_id) DO UPDATE SET {_REFRESHED}
), unlisted AS (
    DELETE FROM search_prospects
    WHERE search_id = %(search_id)s AND place_id NOT IN (SELECT place_id FROM listing)
)
INSERT INTO search_prospects (search_id, place_id, rank, seen_at)
SELECT %(search_id)s, place_id, rank, %(now)s FROM listing ORDER BY place_id COLLATE "C"
ON CONFLICT (search_id, place_id) DO UPDATE SET rank = excluded.rank, seen_at = excluded.seen_at
"""


def _search_results_parameters(
    search_id: str, ranked: Sequence[Prospect], now: datetime
) -> dict[str, Any]:
    listings = [
        {
            **{column: getattr(p, column) for column in _LISTING_COLUMNS},
            "types": list(p.types),
            "rank": rank,
        }
        for rank, p in enumerate(ranked, start=1)
    ]
    # allow_nan=False: JSON has no NaN; PostgreSQL would refuse the document anyway.
    document = json.dumps(listings, ensure_ascii=False, allow_nan=False)
    return {"listings": document, "search_id": search_id, "now": now}


def prospect_from_row(row: Mapping[str, Any]) -> Prospect:
    fields = {name: row[name] for name in Prospect.__dataclass_fields__}
    return Prospect(**{**fields, "types": tuple(fields["types"] or ())})


def ranked_search_prospects(conn: Connection, search_id: str) -> list[Prospect]:
    query = (
        sa.select(t.prospects)
        .join(t.search_prospects, t.search_prospects.c.place_id == t.prospects.c.place_id)
        .where(t.search_prospects.c.search_id == search_id)
        .order_by(t.search_prospects.c.rank)
    )
    return [prospect_from_row(row._mapping) for row in conn.execute(query)]


def get_prospects(conn: Connection, place_ids: Sequence[str]) -> list[Prospect]:
    query = sa.select(t.prospects).where(t.prospects.c.place_id.in_(list(place_ids)))
    return [prospect_from_row(row._mapping) for row in conn.execute(query)]


def known_place_ids(conn: Connection, place_ids: Sequence[str]) -> set[str]:
    query = sa.select(t.prospects.c.place_id).where(t.prospects.c.place_id.in_(list(place_ids)))
    return set(conn.execute(query).scalars())


def contacts_by_place(conn: Connection, place_ids: Sequence[str]) -> dict[str, list[ContactValue]]:
    """Each prospect's contact values with their provenance, best first within each kind."""
    contacts = t.prospect_contacts
    query = (
        sa.select(contacts)
        .where(contacts.c.place_id.in_(list(place_ids)))
        .order_by(contacts.c.place_id, contacts.c.kind, contacts.c.position)
    )
    found: dict[str, list[ContactValue]] = {}
    for row in conn.execute(query):
        found.setdefault(row.place_id, []).append(
            ContactValue(
                row.kind, row.value, row.source, row.url, row.detail, row.contact_type, row.signals
            )
        )
    return found


def search_enrichment_statuses(conn: Connection, search_id: str) -> dict[str, int]:
    query = (
        sa.select(t.prospects.c.enrichment_status, sa.func.count())
        .join(t.search_prospects, t.search_prospects.c.place_id == t.prospects.c.place_id)
        .where(t.search_prospects.c.search_id == search_id)
        .group_by(t.prospects.c.enrichment_status)
    )
    return dict(sorted((status, count) for status, count in conn.execute(query)))


def searches_with_repeated_ranks(conn: Connection, search_id: str) -> list[str]:
    """[search_id] if the search gives one rank to two places, else []."""
    links = t.search_prospects
    query = (
        sa.select(links.c.search_id)
        .where(links.c.search_id == search_id)
        .group_by(links.c.search_id)
        .having(sa.func.count(sa.distinct(links.c.rank)) != sa.func.count())
        .order_by(links.c.search_id)
    )
    return list(conn.execute(query).scalars())


def llm_extracted_owners(
    conn: Connection, search_id: str
) -> Iterable[tuple[str, str, dict | None]]:
    """(place id, owner, enrichment report) of the search's prospects whose owner the LLM
    named."""
    contacts = t.prospect_contacts
    links = t.search_prospects
    query = (
        sa.select(contacts.c.place_id, contacts.c.value, t.prospects.c.enrichment_report)
        .join(links, links.c.place_id == contacts.c.place_id)
        .join(t.prospects, t.prospects.c.place_id == contacts.c.place_id)
        .where(links.c.search_id == search_id)
        .where(contacts.c.kind == "owner", contacts.c.source.like("llm:%"))
        .order_by(contacts.c.place_id)
    )
    for row in conn.execution_options(yield_per=500).execute(query):
        yield row.place_id, row.value, row.enrichment_report


def page_text(conn: Connection, place_id: str) -> str:
    """The text of the prospect's pages its enrichment kept: what the LLM was shown."""
    report = conn.execute(
        sa.select(t.prospects.c.enrichment_report).where(t.prospects.c.place_id == place_id)
    ).scalar()
    return ((report or {}).get("llm") or {}).get("text") or ""


def enrichment_states(conn: Connection, place_ids: Sequence[str]) -> dict[str, Row]:
    """Place id -> (enrichment_status, enrichment_error) for the prospects that exist."""
    query = sa.select(
        t.prospects.c.place_id, t.prospects.c.enrichment_status, t.prospects.c.enrichment_error
    ).where(t.prospects.c.place_id.in_(list(place_ids)))
    return {row.place_id: row for row in conn.execute(query)}


def enrichment_history(conn: Connection) -> dict[str, int]:
    """What past enrichment needed, over every prospect it reached: how many it reached,
    bought Place Details for, asked the LLM for, and the LLM's tokens (a quote's ratios)."""
    p = t.prospects
    report = p.c.enrichment_report
    # The sources list as JSON text on both back ends (->> on PostgreSQL, json_extract on
    # SQLite); the product writes it, so a quoted name is an exact match.
    sources = report["sources"].as_string()
    prompt = report[("llm", "prompt_tokens")].as_integer()
    completion = report[("llm", "completion_tokens")].as_integer()
    query = sa.select(
        sa.func.count(),
        sa.func.count(sa.case((sources.like('%"place_details"%'), 1))),
        sa.func.count(prompt),
        sa.func.coalesce(sa.func.sum(prompt), 0),
        sa.func.coalesce(sa.func.sum(completion), 0),
    ).where(p.c.enrichment_status.in_(["enriched", "skipped"]), report.is_not(None))
    reached, details, llm_calls, prompt_tokens, completion_tokens = conn.execute(query).one()
    return {
        "prospects": int(reached),
        "place_details": int(details),
        "llm_calls": int(llm_calls),
        "prompt_tokens": int(prompt_tokens),
        "completion_tokens": int(completion_tokens),
    }
