"""Tiling strategies compared in simulation: requests per 100 places, coverage.

    .venv/bin/python -m bench.tiling_simulation [--seeds 5]

No servers: a Places-like oracle over synthetic worlds (a city's viewport, a
downtown, neighbourhood clusters, office buildings holding several businesses
at one address, a scatter of suburbs, places just outside the area), answering
like Google documents: every matching place inside the rectangle, ranked by
relevance (a score unrelated to position), at most 60, 20 a page. Both
strategies start from the same whole-area answer (3 requests, the ranking the
product keeps anyway) and count every Text Search request.

- BASELINE `quadtree`: a saturated tile is split into four equal quarters.
- `kd-estimate`: the product's `CoveragePlanner` (`leadgen_pipeline/domain/tiling.py`).
"""

import argparse
import math
import random
import statistics
from collections.abc import Callable
from dataclasses import dataclass

from leadgen_pipeline.domain.tiling import (
    PAGE_SIZE,
    RESULT_CAP,
    CoveragePlanner,
    FoundPlace,
    Rectangle,
    TilingSettings,
)

AUSTIN = Rectangle(30.0986, -97.9384, 30.5168, -97.5614)  # Austin's Places viewport


@dataclass(frozen=True)
class SimPlace:
    place_id: str
    latitude: float | None
    longitude: float | None
    relevance: float


def world(seed: int, size: int, area: Rectangle = AUSTIN) -> list[SimPlace]:
    """`size` places in the area (clustered) plus 5% just outside and 2% without a location."""
    rng = random.Random(seed)
    lat0, lng0 = area.center
    clusters = [(lat0 + rng.gauss(0, 0.01), lng0 + rng.gauss(0, 0.01), 0.012, 0.30)]
    for _ in range(6):
        clusters.append(
            (
                rng.uniform(area.south, area.north),
                rng.uniform(area.west, area.east),
                rng.uniform(0.01, 0.03),
                0.07,
            )
        )
    places: list[SimPlace] = []

    def add(lat: float | None, lng: float | None) -> None:
        places.append(SimPlace(f"p{len(places)}", lat, lng, rng.random()))

    while len(places) < size:
        draw = rng.random()
        cumulative = 0.0
        for lat, lng, spread, weight in clusters:
            cumulative += weight
            if draw < cumulative:
                point = (rng.gauss(lat, spread), rng.gauss(lng, spread))
                break
        else:
            point = (rng.uniform(area.south, area.north), rng.uniform(area.west, area.east))
        if not area.contains(*point):
            continue
        if rng.random() < 0.04:  # an office building: several businesses at one address
            for _ in range(rng.randint(3, 12)):
                add(*point)
        else:
            add(*point)
    for _ in range(size // 20):  # just outside the viewport
        add(area.north + rng.uniform(0.001, 0.02), rng.uniform(area.west, area.east))
    for _ in range(size // 50):  # pure service-area businesses
        add(None, None)
    return places


class Oracle:
    """Answers Text Searches over a world like Places: strict rectangles, top 60, pages of 20."""

    def __init__(self, places: list[SimPlace]) -> None:
        self.places = sorted(places, key=lambda p: -p.relevance)
        self.requests = 0

    def search(self, rectangle: Rectangle | None) -> list[FoundPlace]:
        if rectangle is None:
            matched = self.places
        else:
            matched = [
                p
                for p in self.places
                if p.latitude is not None and rectangle.contains(p.latitude, p.longitude)
            ]
        answer = matched[:RESULT_CAP]
        self.requests += max(1, math.ceil(len(answer) / PAGE_SIZE))
        return [FoundPlace(p.place_id, p.latitude, p.longitude) for p in answer]

    @staticmethod
    def pages(count: int) -> int:
        return max(1, math.ceil(count / PAGE_SIZE))


@dataclass(frozen=True)
class Outcome:
    found: int
    requests: int

    @property
    def per_100(self) -> float:
        return 100 * self.requests / max(self.found, 1)


def run_kd(oracle: Oracle, area: Rectangle) -> Outcome:
    whole = oracle.search(None)
    found = {p.place_id for p in whole}
    planner = CoveragePlanner(area, TilingSettings())
    planner.start(whole, saturated=len(whole) >= RESULT_CAP)
    while (query := planner.next_query()) is not None:
        answer = oracle.search(query.rectangle)
        found.update(p.place_id for p in answer)
        planner.record(query, answer, oracle.pages(len(answer)))
    return Outcome(len(found), oracle.requests)


def run_quadtree(oracle: Oracle, area: Rectangle, min_side_m: float = 50.0) -> Outcome:
    """BASELINE: split a saturated tile into four equal quarters, down to a minimum size."""
    whole = oracle.search(None)
    found = {p.place_id for p in whole}
    pending = [area] if len(whole) >= RESULT_CAP else []
    while pending:
        tile = pending.pop()
        answer = oracle.search(tile)
        found.update(p.place_id for p in answer)
        if len(answer) < RESULT_CAP or min(tile.width_m, tile.height_m) < 2 * min_side_m:
            continue
        south, north = tile.split_latitude((tile.south + tile.north) / 2)
        for half in (south, north):
            pending.extend(half.split_longitude(half.width_degrees / 2))
    return Outcome(len(found), oracle.requests)


def truth_in_area(places: list[SimPlace], area: Rectangle) -> set[str]:
    return {
        p.place_id
        for p in places
        if p.latitude is not None and area.contains(p.latitude, p.longitude)
    }


STRATEGIES: dict[str, Callable[[Oracle, Rectangle], Outcome]] = {
    "quadtree (BASELINE)": run_quadtree,
    "kd-estimate (product)": run_kd,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[150, 500, 1500, 4000])
    args = parser.parse_args()
    print(f"{'world':>12} {'strategy':>22} {'requests/100':>13} {'coverage':>9}")
    for size in args.sizes:
        per_strategy: dict[str, list[float]] = {name: [] for name in STRATEGIES}
        coverage: dict[str, list[float]] = {name: [] for name in STRATEGIES}
        for seed in range(args.seeds):
            places = world(seed, size)
            truth = truth_in_area(places, AUSTIN)
            for name, strategy in STRATEGIES.items():
                oracle = Oracle(places)
                outcome = strategy(oracle, AUSTIN)
                per_strategy[name].append(outcome.per_100)
                found_ids = _found_ids(places, strategy)
                coverage[name].append(len(truth & found_ids) / len(truth))
        for name in STRATEGIES:
            print(
                f"{size:>12} {name:>22} {statistics.mean(per_strategy[name]):>13.2f} "
                f"{min(coverage[name]):>9.4f}"
            )


def _found_ids(places: list[SimPlace], strategy: Callable[[Oracle, Rectangle], Outcome]) -> set:
    recorder = _RecordingOracle(places)
    strategy(recorder, AUSTIN)
    return recorder.seen


class _RecordingOracle(Oracle):
    def __init__(self, places: list[SimPlace]) -> None:
        super().__init__(places)
        self.seen: set[str] = set()

    def search(self, rectangle: Rectangle | None) -> list[FoundPlace]:
        answer = super().search(rectangle)
        self.seen.update(p.place_id for p in answer)
        return answer


if __name__ == "__main__":
    main()
