"""Searches (one per keyword + location) and their raw Places pages."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, Row

from leadgen_pipeline.domain.search_request import SearchRequest
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.base import upsert, utcnow


def register_search(
    engine: Engine, request: SearchRequest, requested_by: str, status: str = "requested"
) -> dict[str, Any]:
    """Create or re-request a search; a new target replaces the old one.

    A caller that launches the run itself says so with another `status`, in
    the same write, so the search_requests sensor never launches it too.

    The first spelling owns the key: a request spelled differently that folds to
    the same key ("Zürich" after "Zurich") is the same search and keeps the
    stored keyword, location and query, so a re-run searches what the first run
    searched and no prospect of it is dropped. The stored row is returned, with
    `requested_as` (the new spelling's query) when the spellings differ.
    """
    row = {
        "id": request.partition_key,
        "keyword": request.keyword,
        "location": request.location,
        "text_query": request.text_query,
        "target_business": request.target_business,
        "status": status,
        "requested_at": utcnow(),
        "requested_by": requested_by,
    }
    with engine.begin() as conn:
        upsert(
            conn,
            t.searches,
            [row],
            ["id"],
            update_columns=["target_business", "status", "requested_at", "requested_by"],
        )
        stored = dict(
            conn.execute(sa.select(t.searches).where(t.searches.c.id == row["id"])).one()._mapping
        )
    if stored["text_query"] != request.text_query:
        stored["requested_as"] = request.text_query
    return stored


def get_search(conn: Connection, search_id: str) -> Row | None:
    return conn.execute(sa.select(t.searches).where(t.searches.c.id == search_id)).first()


def requested_searches(conn: Connection, after: datetime | None, limit: int) -> list[Row]:
    """Searches waiting for a run, oldest request first."""
    query = sa.select(t.searches).where(t.searches.c.status == "requested")
    if after is not None:
        query = query.where(t.searches.c.requested_at > after)
    return list(conn.execute(query.order_by(t.searches.c.requested_at).limit(limit)))


def set_search_status(
    engine: Engine, search_id: str, status: str, error: str | None = None
) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.update(t.searches)
            .where(t.searches.c.id == search_id)
            .values(status=status, last_error=error)
        )


def save_search_pages(
    engine: Engine,
    search_id: str,
    pages: Sequence[tuple[dict[str, Any], dict[str, Any]]],
    run_id: str | None,
    result_count: int,
    capped: bool,
) -> None:
    """Replace a search's raw pages with this run's (request, response) pairs."""
    now = utcnow()
    rows = [
        {
            "search_id": search_id,
            "page_number": number,
            "request": request,
            "response": response,
            "place_count": len(response.get("places", [])),
            "fetched_at": now,
            "run_id": run_id,
        }
        for number, (request, response) in enumerate(pages, start=1)
    ]
    with engine.begin() as conn:
        conn.execute(sa.delete(t.places_results).where(t.places_results.c.search_id == search_id))
        if rows:
            conn.execute(sa.insert(t.places_results), rows)
        conn.execute(
            sa.update(t.searches)
            .where(t.searches.c.id == search_id)
            .values(
                status="searched",
                last_run_id=run_id,
                last_searched_at=now,
                pages_fetched=len(rows),
                result_count=result_count,
                result_capped=capped,
                last_error=None,
            )
        )


def load_search_pages(conn: Connection, search_id: str) -> list[dict[str, Any]]:
    query = (
        sa.select(t.places_results.c.response)
        .where(t.places_results.c.search_id == search_id)
        .order_by(t.places_results.c.page_number)
    )
    return list(conn.execute(query).scalars())


def searches_due_for_refresh(conn: Connection, stale_before: datetime, limit: int) -> list[str]:
    """Searches last run before `stale_before`, oldest first."""
    s = t.searches
    query = (
        sa.select(s.c.id)
        .where(s.c.last_searched_at < stale_before)
        .order_by(s.c.last_searched_at)
        .limit(limit)
    )
    return list(conn.execute(query).scalars())


def search_result_counts(conn: Connection, search_id: str) -> dict[str, Any]:
    """How far a search got: its prospects, how many are enriched, and its target's lead id."""
    links = t.search_prospects
    prospect_count = conn.execute(
        sa.select(sa.func.count()).select_from(links).where(links.c.search_id == search_id)
    ).scalar_one()
    enriched_count = conn.execute(
        sa.select(sa.func.count())
        .select_from(links.join(t.prospects, t.prospects.c.place_id == links.c.place_id))
        .where(links.c.search_id == search_id, t.prospects.c.enrichment_status == "enriched")
    ).scalar_one()
    lead_id = conn.execute(
        sa.select(t.leads.c.place_id)
        .join(t.ai_intelligence, t.ai_intelligence.c.target_place_id == t.leads.c.place_id)
        .where(t.ai_intelligence.c.search_id == search_id)
    ).scalar_one_or_none()
    return {
        "searchId": search_id,
        "leadId": lead_id,
        "prospectCount": prospect_count,
        "enrichedCount": enriched_count,
    }
