"""A quote before spending: what a search run will ask of Places and the LLM, and its cost.

Pure arithmetic over what is known before the run (docs/operations.md, "Quotes"):

- **Places found.** The last run of the same search (history); else an IDs-only Text
  Search of the query (a *probe*: billed $0, but it uses Places quota), exact below the
  cap of 60; else a default.
- **Text Search requests.** Coverage "top": the query's pages (20 places a page, at
  most 3). Coverage "full": the location look-up (one request, Pro), the whole-area
  query's pages, and, when that query is at the cap, the tiles: the stored plan's pages
  when the search ran before (a re-run asks the last run's leaves first, merged as the
  planner merges them), else tile requests per place found (past full searches, or a
  default measured on the sandbox's territories).
- **Enrichment.** The prospects the run enriches (new, failed and stale ones; a re-run's
  fresh prospects are not enriched again), each needing Place Details and the LLM at a
  share, with tokens per LLM call (past enrichment, or defaults).
- **Intelligence.** One LLM call for a search that finds any place.

Every input is a `Figure`: expected, low, high and where it came from. The cost
rises with every input, so the low (high) quote is the run with every input low
(high).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from leadgen_pipeline.domain.pricing import Sku, llm_cost_usd
from leadgen_pipeline.domain.tiling import RESULT_CAP, pages_for

# Where an input came from.
HISTORY = "history"  # this installation's past runs
PLAN = "plan"  # the stored tile plan of this search
PROBE = "probe"  # an IDs-only Text Search made for the quote
DEFAULT = "default"  # QuoteDefaults: nothing better is known


@dataclass(frozen=True)
class Figure:
    expected: float
    low: float
    high: float
    source: str = ""
    note: str = ""

    def as_dict(self, digits: int = 4) -> dict[str, Any]:
        figures: dict[str, Any] = {
            "expected": round(self.expected, digits),
            "low": round(self.low, digits),
            "high": round(self.high, digits),
        }
        if self.source:
            figures["source"] = self.source
        if self.note:
            figures["note"] = self.note
        return figures


@dataclass(frozen=True)
class QuoteDefaults:
    """What a quote assumes when neither history nor a probe tells (docs/operations.md)."""

    # Places a search finds: twice the cap, as the tiling planner assumes of a saturated
    # query, anywhere from a handful to twenty times the cap.
    places: Figure = Figure(120, 20, 1200, DEFAULT, "nothing known of this search")
    # Tile requests per place of a territory past the cap: 7.6 to 8.9 per 100 places on
    # the sandbox's large territories (docs/benchmarks.md, coverage); the high end is
    # what a plain quadtree needed there.
    tile_requests_per_place: Figure = Figure(0.085, 0.06, 0.14, DEFAULT)
    # Prospects whose listing has neither phone nor website (Place Details is bought).
    place_details_share: Figure = Figure(0.05, 0.02, 0.15, DEFAULT)
    # Prospects whose website the rules found no owner on (the LLM is asked).
    llm_share: Figure = Figure(0.3, 0.1, 0.6, DEFAULT)
    # An extraction call: up to 6,000 characters of page text (about 1,500 tokens) and
    # the prompt; a short JSON answer.
    extraction_prompt_tokens: Figure = Figure(1700, 400, 2000, DEFAULT)
    extraction_completion_tokens: Figure = Figure(60, 20, 150, DEFAULT)
    # The intelligence call: the target and its competitor figures; a profile.
    intelligence_prompt_tokens: Figure = Figure(900, 300, 2000, DEFAULT)
    intelligence_completion_tokens: Figure = Figure(300, 100, 800, DEFAULT)
    # How far a search's places, and its plan's requests, may move between runs.
    drift: float = 0.15
    # How far a ratio read from history (per place, per call) is trusted.
    history_spread: float = 0.25
    # Past prospects needed before their shares replace the defaults.
    min_history_prospects: int = 20


@dataclass(frozen=True)
class QuotePrices:
    locate: Sku  # the location look-up (coverage "full")
    search: Sku  # the whole-area query, the tiles, the "top" query
    place_details: Sku
    llm_model: str
    llm_per_mtok: tuple[float, float]  # USD per million tokens (input, output)


@dataclass(frozen=True)
class QuoteInputs:
    coverage: str  # "full" or "top"
    places: Figure  # places the run's queries will find
    known_prospects: int = 0  # this search's prospects from its last run
    due_prospects: int = 0  # of those, the ones a run enriches (pending, failed, stale)
    # The stored plan's Text Search requests (a re-run of a search past the cap), or None.
    tile_plan_requests: Figure | None = None
    tile_requests_per_place: Figure = QuoteDefaults.tile_requests_per_place
    place_details_share: Figure = QuoteDefaults.place_details_share
    llm_share: Figure = QuoteDefaults.llm_share
    extraction_prompt_tokens: Figure = QuoteDefaults.extraction_prompt_tokens
    extraction_completion_tokens: Figure = QuoteDefaults.extraction_completion_tokens
    intelligence_prompt_tokens: Figure = QuoteDefaults.intelligence_prompt_tokens
    intelligence_completion_tokens: Figure = QuoteDefaults.intelligence_completion_tokens

    def figures(self) -> dict[str, Figure]:
        """The inputs a person checks a quote by, with their sources."""
        named = {
            "places": self.places,
            "tile_plan_requests": self.tile_plan_requests,
            "tile_requests_per_place": None
            if self.tile_plan_requests
            else self.tile_requests_per_place,
            "place_details_share": self.place_details_share,
            "llm_share": self.llm_share,
            "extraction_prompt_tokens": self.extraction_prompt_tokens,
            "extraction_completion_tokens": self.extraction_completion_tokens,
            "intelligence_prompt_tokens": self.intelligence_prompt_tokens,
            "intelligence_completion_tokens": self.intelligence_completion_tokens,
        }
        if self.coverage != "full":
            named["tile_plan_requests"] = named["tile_requests_per_place"] = None
        return {name: figure for name, figure in named.items() if figure is not None}


@dataclass(frozen=True)
class RunCounts:
    """One scenario of a run: its requests, LLM calls and tokens, and cost."""

    places: float
    prospects_enriched: float
    text_search: dict[str, float]  # locate, area, tiles
    place_details: float
    llm_calls: dict[str, float]  # intelligence, extraction
    prompt_tokens: float
    completion_tokens: float
    cost_by_part: dict[str, float]  # places_search, place_details, llm

    @property
    def cost_usd(self) -> float:
        return sum(self.cost_by_part.values())


@dataclass(frozen=True)
class ProbeResult:
    """What an IDs-only probe of the query returned: places (up to the cap) and its pages."""

    places: int
    requests: int
    sku: str

    @property
    def saturated(self) -> bool:
        return self.places >= RESULT_CAP


@dataclass(frozen=True)
class Quote:
    inputs: QuoteInputs
    prices: QuotePrices
    expected: RunCounts
    low: RunCounts
    high: RunCounts
    probe: ProbeResult | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def cost_usd(self) -> Figure:
        return Figure(self.expected.cost_usd, self.low.cost_usd, self.high.cost_usd)

    def requests_by_sku(self) -> dict[str, int]:
        """Expected billed requests by SKU, as `Usage.requests_by_sku` counts a run's."""
        counts = self.expected
        by_sku: dict[str, int] = {}
        for sku, requests in (
            (self.prices.locate, counts.text_search["locate"]),
            (self.prices.search, counts.text_search["area"] + counts.text_search["tiles"]),
            (self.prices.place_details, counts.place_details),
        ):
            if round(requests):
                by_sku[sku.name] = by_sku.get(sku.name, 0) + round(requests)
        return dict(sorted(by_sku.items()))

    def as_dict(self) -> dict[str, Any]:
        def ranged(read: Callable[[RunCounts], float], digits: int = 1) -> dict[str, Any]:
            return Figure(read(self.expected), read(self.low), read(self.high)).as_dict(digits)

        text_search = {
            kind: ranged(lambda c, k=kind: c.text_search[k]) for kind in self.expected.text_search
        }
        return {
            "coverage": self.inputs.coverage,
            "cost_usd": self.cost_usd.as_dict(4),
            "cost_by_part_usd": {
                part: ranged(lambda c, p=part: c.cost_by_part[p], 4)
                for part in self.expected.cost_by_part
            },
            "requests": {
                "text_search": text_search,
                "place_details": ranged(lambda c: c.place_details),
                "llm": {
                    kind: ranged(lambda c, k=kind: c.llm_calls[k])
                    for kind in self.expected.llm_calls
                },
            },
            "requests_by_sku": self.requests_by_sku(),
            "llm_model": self.prices.llm_model,
            "llm_tokens": ranged(lambda c: c.prompt_tokens + c.completion_tokens, 0),
            "places": ranged(lambda c: c.places),
            "prospects_enriched": ranged(lambda c: c.prospects_enriched),
            "inputs": {name: figure.as_dict() for name, figure in self.inputs.figures().items()},
            "probe": None
            if self.probe is None
            else {
                "requests": self.probe.requests,
                "sku": self.probe.sku,
                "cost_usd": 0.0,
                "places": self.probe.places,
                "saturated": self.probe.saturated,
            },
            "notes": list(self.notes),
        }


# How many standard deviations of a count the low and high scenarios go below or above.
SPREAD_SIGMAS = {"expected": 0.0, "low": -2.0, "high": 2.0}


def _draws(trials: float, share: float, scenario: str) -> float:
    """Prospects of `trials` that need a call at `share`, with the binomial spread of a
    new sample: a search's own prospects vary around even an exact share."""
    spread = SPREAD_SIGMAS[scenario] * math.sqrt(trials * share * (1 - share))
    return min(trials, max(0.0, trials * share + spread))


def run_counts(inputs: QuoteInputs, prices: QuotePrices, scenario: str) -> RunCounts:
    """The run's requests and cost with every input at `scenario`: expected, low or high."""

    def pick(figure: Figure) -> float:
        return float(getattr(figure, scenario))

    places = max(0.0, pick(inputs.places))
    listed = min(places, RESULT_CAP) if inputs.coverage == "top" else places
    area_pages = float(pages_for(places))
    tiles = 0.0
    if inputs.coverage == "full" and places >= RESULT_CAP:
        if inputs.tile_plan_requests is not None:
            tiles = pick(inputs.tile_plan_requests)
        else:
            tiles = float(math.ceil(places * pick(inputs.tile_requests_per_place)))
    text_search = {
        "locate": 1.0 if inputs.coverage == "full" else 0.0,
        "area": area_pages,
        "tiles": tiles,
    }
    # The known prospects due, and every place the search did not list before.
    enrich = inputs.due_prospects + max(0.0, listed - inputs.known_prospects)
    details = _draws(enrich, pick(inputs.place_details_share), scenario)
    extraction = _draws(enrich, pick(inputs.llm_share), scenario)
    intelligence = 1.0 if listed >= 1 else 0.0
    prompt = extraction * pick(inputs.extraction_prompt_tokens) + intelligence * pick(
        inputs.intelligence_prompt_tokens
    )
    completion = extraction * pick(inputs.extraction_completion_tokens) + intelligence * pick(
        inputs.intelligence_completion_tokens
    )
    search_cost = (
        text_search["locate"] * prices.locate.usd_per_call
        + (area_pages + tiles) * prices.search.usd_per_call
    )
    return RunCounts(
        places=listed,
        prospects_enriched=enrich,
        text_search=text_search,
        place_details=details,
        llm_calls={"intelligence": intelligence, "extraction": extraction},
        prompt_tokens=prompt,
        completion_tokens=completion,
        cost_by_part={
            "places_search": search_cost,
            "place_details": details * prices.place_details.usd_per_call,
            "llm": llm_cost_usd(prices.llm_per_mtok, prompt, completion),
        },
    )


def quote_run(
    inputs: QuoteInputs,
    prices: QuotePrices,
    probe: ProbeResult | None = None,
    notes: Iterable[str] = (),
) -> Quote:
    """The quote: the run expected, and with every input at its low and its high."""
    return Quote(
        inputs,
        prices,
        expected=run_counts(inputs, prices, "expected"),
        low=run_counts(inputs, prices, "low"),
        high=run_counts(inputs, prices, "high"),
        probe=probe,
        notes=tuple(notes),
    )


# --- the inputs, from what is known ---
def history_places(found: int, capped: bool, defaults: QuoteDefaults) -> Figure:
    """Places the last run of the same search found; a run stopped at the cap (coverage
    "top", or a full run left incomplete) found at least that many."""
    if capped:
        return Figure(
            max(found, defaults.places.expected),
            found,
            max(found, defaults.places.high),
            HISTORY,
            f"the last run stopped at {found} places: more exist",
        )
    return Figure(
        found,
        found * (1 - defaults.drift),
        found * (1 + defaults.drift),
        HISTORY,
        f"the last run found {found}",
    )


def probed_places(probe: ProbeResult, defaults: QuoteDefaults) -> Figure:
    """Below the cap a probe counts every place; at the cap it says only that."""
    if not probe.saturated:
        return Figure(probe.places, probe.places, probe.places, PROBE, "counted by the probe")
    return Figure(
        max(defaults.places.expected, RESULT_CAP),
        RESULT_CAP,
        max(defaults.places.high, RESULT_CAP),
        f"{PROBE}+{DEFAULT}",
        f"the probe reached the cap of {RESULT_CAP}: more exist, how many is the default",
    )


def plan_requests(groups: Iterable[int], defaults: QuoteDefaults) -> Figure:
    """The pages a re-run asks of the stored plan's rectangles (`tiling.refresh_groups`:
    the places each held), give or take the drift."""
    pages = sum(pages_for(places) for places in groups)
    return Figure(
        pages,
        pages * (1 - defaults.drift),
        pages * (1 + defaults.drift),
        PLAN,
        "the stored tile plan, as a re-run asks it",
    )


def share(hits: int, total: int, default: Figure, min_total: int) -> Figure:
    """A share from history (about a 95% interval), or the default below `min_total`."""
    if total < max(min_total, 1):
        return default
    ratio = hits / total
    half_width = 2 * math.sqrt(ratio * (1 - ratio) / total) + 1 / total
    return Figure(
        ratio,
        max(0.0, ratio - half_width),
        min(1.0, ratio + half_width),
        HISTORY,
        f"{hits} of {total} past prospects",
    )


def per_unit(total: float, units: int, default: Figure, spread: float, unit: str) -> Figure:
    """A mean from history (tokens per call, tile requests per place) +/- `spread`."""
    if units < 1:
        return default
    mean = total / units
    return Figure(
        mean, mean * (1 - spread), mean * (1 + spread), HISTORY, f"mean over {units} {unit}"
    )


def learned_ratios(
    tile_requests: int,
    tiled_places: int,
    enrichment: Mapping[str, int],
    intelligence: tuple[int, int, int],
    defaults: QuoteDefaults,
) -> dict[str, Figure]:
    """The per-place and per-call inputs from past runs (each falling back to its default):
    tile requests and places of tiled searches; enriched prospects, how many needed Place
    Details and the LLM, and the LLM's tokens; intelligence calls and their tokens."""
    calls, prompt, completion = intelligence
    spread = defaults.history_spread
    prospects, llm_calls = enrichment["prospects"], enrichment["llm_calls"]
    return {
        "tile_requests_per_place": per_unit(
            tile_requests,
            tiled_places,
            defaults.tile_requests_per_place,
            spread,
            "places of tiled searches",
        ),
        "place_details_share": share(
            enrichment["place_details"],
            prospects,
            defaults.place_details_share,
            defaults.min_history_prospects,
        ),
        "llm_share": share(
            llm_calls, prospects, defaults.llm_share, defaults.min_history_prospects
        ),
        "extraction_prompt_tokens": per_unit(
            enrichment["prompt_tokens"],
            llm_calls,
            defaults.extraction_prompt_tokens,
            spread,
            "extraction calls",
        ),
        "extraction_completion_tokens": per_unit(
            enrichment["completion_tokens"],
            llm_calls,
            defaults.extraction_completion_tokens,
            spread,
            "extraction calls",
        ),
        "intelligence_prompt_tokens": per_unit(
            prompt, calls, defaults.intelligence_prompt_tokens, spread, "intelligence calls"
        ),
        "intelligence_completion_tokens": per_unit(
            completion, calls, defaults.intelligence_completion_tokens, spread, "intelligence calls"
        ),
    }
