"""Coverage past the 60-result cap: share of the area's businesses found, Text Search requests
and estimated cost per 100 places, against the single query (BASELINE), in one run.

    .venv/bin/python -m bench.coverage

The product's own code path (`search.coverage.cover_area` with the `PlacesClient`, as the
`places_results` asset runs it) against the sandbox's Places server, over territories of
several shapes; the sandbox's own world is the truth. Then a refresh of the first
territory after three businesses open: from the remembered plan, against the discovery.
"""

from dataclasses import dataclass

from bench.common import Report, progress
from bench.tiling_simulation import run_quadtree
from leadgen_pipeline.clients.places import PlacesClient
from leadgen_pipeline.clients.resilience import RetrySettings
from leadgen_pipeline.domain.area import AREA_FIELD_MASK, AREA_LOOKUP_PAGE_SIZE, resolve_area
from leadgen_pipeline.domain.places import SEARCH_FIELD_MASK
from leadgen_pipeline.domain.tiling import (
    FoundPlace,
    KnownTile,
    Rectangle,
    TilingSettings,
    found_places,
)
from leadgen_pipeline.search.coverage import CoverageRun, KnownPlan, cover_area
from leadgen_sandbox import Sandbox
from leadgen_sandbox.dataset import parse_query
from leadgen_sandbox.geography import city_viewport

# (keyword, location): a 500+ territory with service-area businesses, the small known one,
# a dense office tower (a point past the cap), and 2,000 businesses in one city.
TERRITORIES = (
    ("plumber", "Houston, TX"),
    ("plumber", "Austin, TX"),
    ("lawyer", "New York, NY"),
    ("dentist #bulk2000", "Chicago, IL"),
)


@dataclass(frozen=True)
class Measured:
    found: set[str]
    requests: int
    cost_usd: float


def truth(sandbox: Sandbox, keyword: str, location: str) -> set[str]:
    """The sandbox's businesses of the query inside the location's viewport."""
    query = f"{keyword} in {location}"
    viewport = city_viewport(parse_query(query).city)
    return {
        business.place_id
        for business in sandbox.dataset.businesses_for_query(query)
        if not business.pure_service_area
        and viewport.contains(business.latitude, business.longitude)
    }


def client_for(sandbox: Sandbox) -> PlacesClient:
    return PlacesClient(
        api_key="bench-key", base_url=sandbox.places_url, retry=RetrySettings(max_attempts=3)
    )


def single_query(sandbox: Sandbox, keyword: str, location: str) -> Measured:
    """BASELINE: what the product did before coverage (and does with coverage "top")."""
    client = client_for(sandbox)
    pages = list(client.search_text_pages(f"{keyword} in {location}", SEARCH_FIELD_MASK))
    found = {place["id"] for page in pages for place in page.places}
    return Measured(found, len(pages), client.usage.snapshot()["cost_usd"])


def full_coverage(
    sandbox: Sandbox, keyword: str, location: str, known: KnownPlan | None = None
) -> tuple[Measured, CoverageRun]:
    client = client_for(sandbox)
    run = cover_area(client, keyword, location, f"{keyword} in {location}", TilingSettings(), known)
    found = {
        place["id"]
        for page in [*run.area_pages, *(page for _, page in run.tile_pages)]
        for place in page.places
    }
    return Measured(
        found, sum(run.requests_by_kind.values()), client.usage.snapshot()["cost_usd"]
    ), run


class PlacesOracle:
    """The sandbox's Places server behind the simulation's oracle interface, so the
    simulation's BASELINE quadtree (`bench/tiling_simulation.py`) runs on it unchanged."""

    def __init__(self, sandbox: Sandbox, keyword: str, location: str) -> None:
        self.client = client_for(sandbox)
        self.keyword, self.text_query = keyword, f"{keyword} in {location}"
        locate = self.client.search_text_page(location, AREA_FIELD_MASK, AREA_LOOKUP_PAGE_SIZE)
        self.area = resolve_area(location, locate.places)
        self.requests = 1
        self.found: set[str] = set()

    def search(self, rectangle: Rectangle | None) -> list[FoundPlace]:
        if rectangle is None:
            pages = self.client.search_text_pages(
                self.text_query,
                SEARCH_FIELD_MASK,
                location_bias=self.area.rectangle,
                include_pure_service_area=True,
            )
        else:
            pages = self.client.search_text_pages(
                self.keyword, SEARCH_FIELD_MASK, location_restriction=rectangle
            )
        places = [place for page in pages for place in page.places]
        self.requests += max(1, -(-len(places) // 20))
        self.found |= {place["id"] for place in places}
        return found_places(places)

    @staticmethod
    def pages(count: int) -> int:
        return max(1, -(-count // 20))


def quadtree(sandbox: Sandbox, keyword: str, location: str) -> Measured:
    """BASELINE: a plain split-when-saturated quadtree, from the same look-up and ranking."""
    oracle = PlacesOracle(sandbox, keyword, location)
    run_quadtree(oracle, oracle.area.rectangle)  # type: ignore[arg-type]
    return Measured(oracle.found, oracle.requests, oracle.client.usage.snapshot()["cost_usd"])


def per_100(value: float, places: int) -> float:
    return 100 * value / max(places, 1)


def run() -> list[Report]:
    report = Report("coverage", "share of the area found, requests and cost per 100 places")
    with Sandbox() as sandbox:
        for keyword, location in TERRITORIES:
            label = f"{keyword} in {location}"
            progress(f"covering {label}")
            inside = truth(sandbox, keyword, location)
            baseline = single_query(sandbox, keyword, location)
            measured, coverage_run = full_coverage(sandbox, keyword, location)
            quartered = quadtree(sandbox, keyword, location)
            strategies = (
                ("full", measured, (">= 0.99", "<= 12")),
                ("quadtree (BASELINE)", quartered, ("", "")),
                ("single query (BASELINE)", baseline, ("", "")),
            )
            for name, outcome, (coverage_target, requests_target) in strategies:
                found = len(outcome.found)
                report.ratio(
                    f"{label}: coverage, {name}",
                    len(inside & outcome.found) / len(inside),
                    coverage_target,
                )
                report.ratio(
                    f"{label}: requests / 100 places, {name}",
                    per_100(outcome.requests, found),
                    requests_target,
                )
                report.ratio(f"{label}: USD / 100 places, {name}", per_100(outcome.cost_usd, found))
            report.add_raw(
                {
                    f"{label}: businesses inside the area": len(inside),
                    f"{label}: places found, full / single": (
                        f"{len(measured.found)} / {len(baseline.found)}"
                    ),
                    f"{label}: requests, full (locate, area, tiles)": f"{measured.requests} "
                    f"{tuple(coverage_run.requests_by_kind.values())}",
                    f"{label}: status": coverage_run.status,
                }
            )
        keyword, location = TERRITORIES[0]
        progress(f"refreshing {keyword} in {location} after three businesses open")
        first, first_run = full_coverage(sandbox, keyword, location)
        assert first_run.report is not None
        opened = {
            sandbox.dataset.add_business(f"{keyword} in {location}", latitude, longitude).place_id
            for latitude, longitude in ((29.61, -95.60), (29.76, -95.37), (29.98, -95.10))
        }
        leaves = [
            KnownTile(t.key, t.rectangle, t.result_count, t.dense_point)
            for t in first_run.report.tiles
            if t.leaf
        ]
        known = KnownPlan(first_run.area.rectangle, leaves)
        refresh, _ = full_coverage(sandbox, keyword, location, known)
        report.ratio("refresh / discovery, requests", refresh.requests / first.requests, "< 1")
        report.ratio(
            "new businesses found by the refresh", len(opened & refresh.found) / len(opened), "1"
        )
        report.add_raw({"discovery requests": first.requests, "refresh requests": refresh.requests})
    report.note(
        "requests = Text Search requests (pages), the look-up and the whole-area query "
        "included; cost at the list prices of domain/pricing.py"
    )
    return [report]


if __name__ == "__main__":
    for result in run():
        result.print()
