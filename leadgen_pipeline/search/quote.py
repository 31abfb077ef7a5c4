"""A quote for a search before it runs: its inputs gathered, the arithmetic in `domain.quote`.

History comes from the stores (one query per question): this search's last run (places,
tile plan, prospects due for enrichment), and what past runs needed (tile requests per
place, Place Details and LLM shares, tokens per call). A search never run is counted by an
optional *probe*: the query as a Text Search asking for place ids only, which Places bills
at $0 (`domain.pricing`) but counts against the quota (at most 3 requests, reported in the
quote). Nothing else is called: a quote spends nothing billable.
"""

from datetime import datetime, timedelta
from itertools import islice

from sqlalchemy.engine import Engine

from leadgen_pipeline.clients.places import PlacesClient
from leadgen_pipeline.domain.area import AREA_FIELD_MASK
from leadgen_pipeline.domain.enrichment import STALE_AFTER_DAYS
from leadgen_pipeline.domain.places import DETAILS_FIELD_MASK, SEARCH_FIELD_MASK
from leadgen_pipeline.domain.pricing import llm_prices, place_details_sku, text_search_sku
from leadgen_pipeline.domain.quote import (
    ProbeResult,
    Quote,
    QuoteDefaults,
    QuoteInputs,
    QuotePrices,
    history_places,
    learned_ratios,
    plan_requests,
    probed_places,
    quote_run,
)
from leadgen_pipeline.domain.search_request import SearchRequest
from leadgen_pipeline.domain.tiling import PAGE_SIZE, RESULT_CAP, refresh_groups
from leadgen_pipeline.storage import intelligence_store, prospect_store, queue_store, search_store
from leadgen_pipeline.storage.base import utcnow

# Place ids only: the Essentials (IDs Only) SKU, $0.
PROBE_FIELD_MASK = "places.id,nextPageToken"


def quote_prices(llm_model: str) -> QuotePrices:
    """List prices of what a search run asks for, by the field masks its steps send."""
    return QuotePrices(
        locate=text_search_sku(AREA_FIELD_MASK),
        search=text_search_sku(SEARCH_FIELD_MASK),
        place_details=place_details_sku(DETAILS_FIELD_MASK),
        llm_model=llm_model,
        llm_per_mtok=llm_prices(llm_model),
    )


def probe(places: PlacesClient, request: SearchRequest) -> ProbeResult:
    """Count the query's places as the run's first query would, with a mask billed at $0."""
    cap_pages = RESULT_CAP // PAGE_SIZE
    # Pages past the cap are not read (Places serves none; a server that did would only
    # confirm the saturation the first three show).
    pages = list(
        islice(
            places.search_text_pages(
                request.text_query,
                PROBE_FIELD_MASK,
                max_pages=cap_pages + 1,
                include_pure_service_area=request.coverage == "full",
            ),
            cap_pages,
        )
    )
    ids = {place.get("id") for page in pages for place in page.places}
    return ProbeResult(len(ids - {None}), len(pages), text_search_sku(PROBE_FIELD_MASK).name)


def quote_search(
    engine: Engine,
    request: SearchRequest,
    llm_model: str,
    places: PlacesClient | None = None,
    defaults: QuoteDefaults | None = None,
    now: datetime | None = None,
) -> Quote:
    """What running `request` now would ask for and cost. `places`: probe a search never run
    (without it, a search never run is quoted from the defaults)."""
    defaults = defaults or QuoteDefaults()
    stale_before = (now or utcnow()) - timedelta(days=STALE_AFTER_DAYS)
    key = request.partition_key
    with engine.connect() as conn:
        search = search_store.get_search(conn, key)
        ran = search is not None and search.result_count is not None
        leaves = search_store.known_tiles(conn, key) if ran else []
        known, due = queue_store.search_enrichment_due(conn, key, stale_before)
        tile_requests, tiled_places = search_store.tile_request_history(conn)
        enriched = prospect_store.enrichment_history(conn)
        intelligence = intelligence_store.intelligence_token_history(conn)
    notes: list[str] = []
    probed = None
    plan = None
    if ran and search is not None:
        found = history_places(search.result_count, bool(search.result_capped), defaults)
        area = search_store.search_area(search._mapping)
        if request.coverage == "full" and area is not None and leaves:
            groups = [count for _, count in refresh_groups(area, leaves)]
            plan = plan_requests(groups, defaults)
        if places is not None:
            notes.append("not probed: the search ran before, its last run tells more")
    elif places is not None:
        probed = probe(places, request)
        found = probed_places(probed, defaults)
    else:
        found = defaults.places
        notes.append(
            "never run and not probed: the places are the default; a probe (IDs-only "
            "Text Search, $0, up to 3 requests of Places quota) counts them"
        )
    inputs = QuoteInputs(
        coverage=request.coverage,
        places=found,
        known_prospects=known,
        due_prospects=due,
        tile_plan_requests=plan,
        **learned_ratios(tile_requests, tiled_places, enriched, intelligence, defaults),
    )
    return quote_run(inputs, quote_prices(llm_model), probed, notes)
