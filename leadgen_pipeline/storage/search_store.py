"""Searches (one per keyword + location) and their raw Places pages."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, Row

from leadgen_pipeline.domain.search_request import SearchRequest
from leadgen_pipeline.domain.tiling import KnownTile, Rectangle, TileRecord
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
        "coverage": request.coverage,
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


def known_search_ids(conn: Connection, search_ids: Sequence[str]) -> set[str]:
    """Those of `search_ids` that have a searches row."""
    found: set[str] = set()
    for start in range(0, len(search_ids), 1000):
        chunk = list(search_ids[start : start + 1000])
        found |= set(
            conn.execute(sa.select(t.searches.c.id).where(t.searches.c.id.in_(chunk))).scalars()
        )
    return found


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


# A stored page: (request, response), or (request, response, kind, tile key) where kind
# is "locate" (the location look-up), "area" (the whole-area query) or "tile".
StoredPage = (
    tuple[dict[str, Any], dict[str, Any]] | tuple[dict[str, Any], dict[str, Any], str, str | None]
)
RANKED_KINDS = ("area", "tile")


@dataclass(frozen=True)
class CoverageRecord:
    """What a coverage run adds to the search row, and its tile plan."""

    status: str  # "complete" or "incomplete (why)"
    report: dict[str, Any]
    area_name: str | None = None
    area: Rectangle | None = None
    country_code: str | None = None
    language_code: str | None = None
    tiles: Sequence[TileRecord] | None = None  # None: keep the stored plan


def save_search_pages(
    engine: Engine,
    search_id: str,
    pages: Sequence[StoredPage],
    run_id: str | None,
    result_count: int,
    capped: bool,
    coverage: CoverageRecord | None = None,
) -> None:
    """Replace a search's raw pages (and its tile plan) with this run's, in one transaction."""
    now = utcnow()
    rows = []
    for number, page in enumerate(pages, start=1):
        request, response = page[0], page[1]
        kind, tile_key = (page[2], page[3]) if len(page) == 4 else ("area", None)
        rows.append(
            {
                "search_id": search_id,
                "page_number": number,
                "request": request,
                "response": response,
                "place_count": len(response.get("places", [])),
                "fetched_at": now,
                "run_id": run_id,
                "request_kind": kind,
                "tile_key": tile_key,
            }
        )
    values: dict[str, Any] = {
        "status": "searched",
        "last_run_id": run_id,
        "last_searched_at": now,
        "pages_fetched": len(rows),
        "result_count": result_count,
        "result_capped": capped,
        "last_error": None,
    }
    if coverage is not None:
        values |= {
            "coverage_status": coverage.status,
            "coverage_report": coverage.report,
            "area_name": coverage.area_name,
            "country_code": coverage.country_code,
            "language_code": coverage.language_code,
        }
        if coverage.area is not None:
            values |= {f"area_{side}": value for side, value in coverage.area.as_dict().items()}
    with engine.begin() as conn:
        conn.execute(sa.delete(t.places_results).where(t.places_results.c.search_id == search_id))
        if rows:
            conn.execute(sa.insert(t.places_results), rows)
        conn.execute(sa.update(t.searches).where(t.searches.c.id == search_id).values(**values))
        if coverage is not None and coverage.tiles is not None:
            _replace_tiles(conn, search_id, coverage.tiles, run_id, now)


def _replace_tiles(
    conn: Connection,
    search_id: str,
    tiles: Sequence[TileRecord],
    run_id: str | None,
    now: datetime,
) -> None:
    conn.execute(sa.delete(t.search_tiles).where(t.search_tiles.c.search_id == search_id))
    rows = [
        {
            "search_id": search_id,
            "tile_key": tile.key,
            **tile.rectangle.as_dict(),
            "depth": tile.depth,
            "result_count": tile.result_count,
            "saturated": tile.saturated,
            "dense_point": tile.dense_point,
            "leaf": tile.leaf,
            "pages": tile.pages,
            "requests": tile.pages,  # one billed request a page
            "searched_at": now,
            "run_id": run_id,
        }
        for tile in tiles
    ]
    if rows:
        conn.execute(sa.insert(t.search_tiles), rows)


def load_search_pages(conn: Connection, search_id: str) -> list[dict[str, Any]]:
    """The responses that rank places, in rank order: the whole-area query's, then tiles'."""
    query = (
        sa.select(t.places_results.c.response)
        .where(
            t.places_results.c.search_id == search_id,
            t.places_results.c.request_kind.in_(RANKED_KINDS),
        )
        .order_by(t.places_results.c.page_number)
    )
    return list(conn.execute(query).scalars())


def search_area(row: Mapping[str, Any]) -> Rectangle | None:
    """The area stored on a searches row, if a coverage run resolved one."""
    corners = [row.get(f"area_{side}") for side in ("south", "west", "north", "east")]
    if any(corner is None for corner in corners):
        return None
    return Rectangle(*corners)


def search_tiles(conn: Connection, search_id: str) -> list[dict[str, Any]]:
    """The tile plan of a search's last coverage run, in the order the tiles were asked."""
    tiles = t.search_tiles
    query = (
        sa.select(tiles)
        .where(tiles.c.search_id == search_id)
        .order_by(tiles.c.searched_at, tiles.c.depth, tiles.c.tile_key)
    )
    return [dict(row._mapping) for row in conn.execute(query)]


def known_tiles(conn: Connection, search_id: str) -> list[KnownTile]:
    """The leaf tiles of the stored plan: where a re-run starts."""
    return [
        KnownTile(
            tile["tile_key"],
            Rectangle(tile["south"], tile["west"], tile["north"], tile["east"]),
            tile["result_count"],
            tile["dense_point"],
        )
        for tile in search_tiles(conn, search_id)
        if tile["leaf"]
    ]


def tile_request_history(conn: Connection) -> tuple[int, int]:
    """(tile requests, places found) over the searches that were tiled: a quote's rate of
    tile requests per place for a territory past the cap with no plan of its own."""
    tiles = t.search_tiles
    per_search = (
        sa.select(tiles.c.search_id, sa.func.sum(tiles.c.requests).label("requests"))
        .group_by(tiles.c.search_id)
        .subquery()
    )
    query = sa.select(
        sa.func.coalesce(sa.func.sum(per_search.c.requests), 0),
        sa.func.coalesce(sa.func.sum(t.searches.c.result_count), 0),
    ).join_from(per_search, t.searches, t.searches.c.id == per_search.c.search_id)
    requests, places = conn.execute(query).one()
    return int(requests), int(places)


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


def coverage_map(conn: Connection, search_id: str) -> dict[str, Any] | None:
    """What the coverage map draws: the area, the tile plan, where the places are; None for
    a search without a resolved area (coverage "top", or never run)."""
    search = get_search(conn, search_id)
    # A "top" run keeps the plan for a later "full" one, but its results are not tiled.
    if search is None or search.coverage != "full":
        return None
    if (area := search_area(search._mapping)) is None:
        return None
    links, places = t.search_prospects, t.prospects
    located = conn.execute(
        sa.select(places.c.latitude, places.c.longitude)
        .join(links, links.c.place_id == places.c.place_id)
        .where(
            links.c.search_id == search_id,
            places.c.latitude.is_not(None),
            places.c.longitude.is_not(None),
        )
    ).all()
    return {
        "area": area,
        "area_name": search.area_name,
        "status": search.coverage_status or "unknown",
        "report": search.coverage_report or {},
        "tiles": search_tiles(conn, search_id),
        "places": [(row.latitude, row.longitude) for row in located],
    }
