"""Covering a search's area past the 60-result cap: the loop between Places and the planner.

1. The location is resolved to an area with one Text Search for its name (a Pro-tier
   mask, no contact fields); a location that resolves to nothing stops here.
2. The whole-area query ("keyword in location", biased to the area, pure
   service-area businesses included) gives the relevance ranking, ranks 1..60.
3. Below the cap, that answer is every match. At the cap, the planner
   (`domain.tiling`) hands out `locationRestriction` rectangles until none is
   saturated; a remembered plan of the same area starts from its leaf tiles.

Every request asks for the search's field mask: tile answers are the places the
search keeps, and the Enterprise fields on them cost $3 per 1,000 requests more
than Pro, against $20 per 1,000 *places* to buy them later through Place Details.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from leadgen_pipeline.clients.places import PlacesClient, SearchPage
from leadgen_pipeline.domain.area import (
    AREA_FIELD_MASK,
    AREA_LOOKUP_PAGE_SIZE,
    SearchArea,
    resolve_area,
)
from leadgen_pipeline.domain.places import SEARCH_FIELD_MASK, Prospect
from leadgen_pipeline.domain.tiling import (
    RESULT_CAP,
    CoveragePlanner,
    CoverageReport,
    KnownTile,
    Rectangle,
    TilingSettings,
    found_places,
    refresh_plan,
)
from leadgen_pipeline.storage.search_store import StoredPage

SERVICE_AREA_NOTE = (
    "pure service-area businesses (no public location) come from the whole-area query "
    "only: no rectangle can place them"
)


@dataclass(frozen=True)
class KnownPlan:
    """The leaf tiles of an earlier run, valid for the area they were planned over."""

    area: Rectangle
    leaves: Sequence[KnownTile]


@dataclass
class CoverageRun:
    area: SearchArea
    locate_page: SearchPage
    area_pages: list[SearchPage]
    tile_pages: list[tuple[str, SearchPage]] = field(default_factory=list)
    report: CoverageReport | None = None  # None: the whole-area answer was below the cap
    reused_plan: bool = False

    def stored_pages(self) -> list[StoredPage]:
        """(request, response, kind, tile key) in ranking order: look-up, area, tiles."""
        return [
            (self.locate_page.request, self.locate_page.response, "locate", None),
            *((p.request, p.response, "area", None) for p in self.area_pages),
            *((p.request, p.response, "tile", key) for key, p in self.tile_pages),
        ]

    @property
    def requests_by_kind(self) -> dict[str, int]:
        return {
            "locate": 1,
            "area": len(self.area_pages),
            "tiles": len(self.tile_pages),
        }

    @property
    def status(self) -> str:
        return self.report.status if self.report else "complete"


def collect(
    pages: Iterable[SearchPage],
    fetched: list[StoredPage],
    kind: str,
    tile_key: str | None = None,
) -> list[SearchPage]:
    """Every page of a query, each also added to `fetched` as it comes: a budget that stops
    the search half way through a query keeps what was paid for."""
    collected = []
    for page in pages:
        fetched.append((page.request, page.response, kind, tile_key))
        collected.append(page)
    return collected


def cover_area(
    client: PlacesClient,
    keyword: str,
    location: str,
    text_query: str,
    settings: TilingSettings,
    known: KnownPlan | None = None,
    max_pages: int = 10,
    fetched: list[StoredPage] | None = None,
) -> CoverageRun:
    """Resolve, rank and tile; raises UnresolvedLocation before any search is paid for.

    `fetched` gets every page as it arrives (look-up, area, tiles), in the order
    `CoverageRun.stored_pages` gives them.
    """
    fetched = [] if fetched is None else fetched
    locate = client.search_text_page(location, AREA_FIELD_MASK, AREA_LOOKUP_PAGE_SIZE)
    fetched.append((locate.request, locate.response, "locate", None))
    area = resolve_area(location, locate.places)
    where = {"language_code": area.language_code, "region_code": area.region_code}
    area_pages = collect(
        client.search_text_pages(
            text_query,
            SEARCH_FIELD_MASK,
            max_pages=max_pages,
            location_bias=area.rectangle,
            include_pure_service_area=True,
            **where,
        ),
        fetched,
        "area",
    )
    whole = found_places(place for page in area_pages for place in page.places)
    run = CoverageRun(area, locate, area_pages)
    saturated = len({place.place_id for place in whole}) >= RESULT_CAP
    if not saturated:
        return run
    reuse = known is not None and known.area == area.rectangle and bool(known.leaves)
    start_from = refresh_plan(area.rectangle, known.leaves) if reuse and known else []
    planner = CoveragePlanner(area.rectangle, settings, known_leaves=start_from)
    run.reused_plan = reuse
    planner.start(whole, saturated=True)
    while (query := planner.next_query()) is not None:
        pages = collect(
            client.search_text_pages(
                keyword,
                SEARCH_FIELD_MASK,
                max_pages=max_pages,
                location_restriction=query.rectangle,
                **where,
            ),
            fetched,
            "tile",
            query.key,
        )
        run.tile_pages += [(query.key, page) for page in pages]
        planner.record(
            query, found_places(p for page in pages for p in page.places), pages=len(pages)
        )
    run.report = planner.report()
    return run


def coverage_report(
    run: CoverageRun, ranked: Sequence[Prospect], usage: Mapping[str, Any]
) -> dict[str, Any]:
    """The figures a person checks a coverage run by (metadata, the searches row, the map)."""
    report = run.report
    rectangle = run.area.rectangle
    located = [p for p in ranked if p.latitude is not None and p.longitude is not None]
    inside = sum(1 for p in located if rectangle.contains(p.latitude, p.longitude))  # type: ignore[arg-type]
    searches = sum(run.requests_by_kind.values())
    return {
        "coverage": "full",
        "status": run.status,
        "area": {
            "name": run.area.name,
            "rectangle": rectangle.as_list(),
            "country_code": run.area.country_code,
            "language_code": run.area.language_code,
        },
        "reused_plan": run.reused_plan,
        "tiles_searched": report.tile_queries if report else 0,
        "tiles_saturated": report.saturated_tiles if report else 0,
        "dense_points": report.dense_points if report else 0,
        "places_found": len(ranked),
        "places_in_area": inside,
        "service_area_businesses": len(ranked) - len(located),
        "requests_by_kind": run.requests_by_kind,
        "text_search_requests": searches,
        "requests_per_100_places": round(100 * searches / max(len(ranked), 1), 2),
        "requests_by_sku": usage.get("requests_by_sku", {}),
        "estimated_cost_usd": usage.get("cost_usd", 0.0),
        "notes": [SERVICE_AREA_NOTE],
    }
