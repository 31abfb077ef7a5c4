"""Covering an area past the 60-result cap of a Places Text Search: rectangles and a tile plan.

A Text Search returns at most 60 places however many match. Covering an area
means asking for rectangles (`locationRestriction`, strict) small enough that
none reaches the cap; a rectangle that does is *saturated* and must be split.

A plain quadtree splits a saturated tile into four halves-of-halves, so the
places of a dense corner are paid for again at every level, and sparse
quarters cost a request for a handful of places. This planner does better
(measured in `bench/tiling_simulation.py`):

- **Split where the places are.** A saturated answer is a sample of the
  tile's places (ranked by relevance, not by position), so the cut lines are
  drawn at quantiles of the sampled locations (a k-d split), not at the middle.
- **Split into as many children as the tile needs.** The number of places in
  a tile is estimated from the sample share it holds and a ratio learned from
  the tiles already completed (completed tiles hold an exact count); a child
  whose estimate is above the target is split again *before* it is asked,
  which skips a request that could only come back saturated.
- **Ask the likely-sparse tiles first,** so the ratio is learned early.
- **A known plan is reused:** a re-run asks the leaf tiles of the last run
  directly (each was below the cap then), splitting only those that grew.

The planner is a pure state machine: the caller asks `next_query()`, runs the
Text Search (every page), and hands the places back with `record()`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from leadgen_pipeline.domain.places import lat_lng, place_id_of

# A sample of at least this many places, all within the minimum tile size of one
# another, is a stack at one spot.
STACK_MIN_POINTS = 10
# Google's limit: 3 pages of 20.
RESULT_CAP = 60
PAGE_SIZE = 20
METERS_PER_DEGREE_LATITUDE = 111_320.0


class InvalidRectangle(ValueError):
    """A rectangle Places would refuse (or that covers nothing)."""


@dataclass(frozen=True)
class Rectangle:
    """A latitude/longitude box; `west > east` means it crosses the antimeridian.

    `south`/`west` are Google's `low`, `north`/`east` its `high`.
    """

    south: float
    west: float
    north: float
    east: float

    def __post_init__(self) -> None:
        for name in ("south", "west", "north", "east"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
                raise InvalidRectangle(f"{name} is not a number: {value!r}")
        if not -90.0 <= self.south < self.north <= 90.0:
            raise InvalidRectangle(
                f"latitudes must satisfy -90 <= south < north <= 90, got {self.south}, {self.north}"
            )
        if not (-180.0 <= self.west <= 180.0 and -180.0 <= self.east <= 180.0):
            raise InvalidRectangle(f"longitudes must lie in [-180, 180]: {self.west}, {self.east}")
        if self.west == self.east:
            raise InvalidRectangle("a rectangle needs a non-zero width")

    # --- size ---
    @property
    def width_degrees(self) -> float:
        width = self.east - self.west
        return width if width > 0 else width + 360.0

    @property
    def height_degrees(self) -> float:
        return self.north - self.south

    @property
    def center(self) -> tuple[float, float]:
        return (self.south + self.north) / 2, _wrap(self.west + self.width_degrees / 2)

    @property
    def height_m(self) -> float:
        return self.height_degrees * METERS_PER_DEGREE_LATITUDE

    @property
    def width_m(self) -> float:
        # The narrowest parallel of the box: what a tile really spans at worst.
        widest_lat = max(abs(self.south), abs(self.north))
        return self.width_degrees * METERS_PER_DEGREE_LATITUDE * math.cos(math.radians(widest_lat))

    @property
    def crosses_antimeridian(self) -> bool:
        return self.west > self.east

    # --- points ---
    def longitude_offset(self, longitude: float) -> float:
        """Degrees east of the west edge (0 at the edge), whichever side of 180 it lies."""
        return (longitude - self.west) % 360.0

    def contains(self, latitude: float, longitude: float) -> bool:
        if not self.south <= latitude <= self.north:
            return False
        return self.longitude_offset(longitude) <= self.width_degrees

    # --- cutting ---
    def split_latitude(self, latitude: float) -> tuple[Rectangle, Rectangle]:
        """(south part, north part) at a latitude strictly inside."""
        if not self.south < latitude < self.north:
            raise InvalidRectangle(f"cut {latitude} is not inside {self}")
        return (
            Rectangle(self.south, self.west, latitude, self.east),
            Rectangle(latitude, self.west, self.north, self.east),
        )

    def split_longitude(self, offset: float) -> tuple[Rectangle, Rectangle]:
        """(west part, east part) at `offset` degrees east of the west edge."""
        if not 0.0 < offset < self.width_degrees:
            raise InvalidRectangle(f"cut offset {offset} is not inside {self}")
        cut = _wrap(self.west + offset)
        return (
            Rectangle(self.south, self.west, self.north, cut),
            Rectangle(self.south, cut, self.north, self.east),
        )

    # --- wire format ---
    def to_places(self) -> dict[str, Any]:
        """The `rectangle` value of `locationRestriction` / `locationBias`."""
        return {
            "low": {"latitude": self.south, "longitude": self.west},
            "high": {"latitude": self.north, "longitude": self.east},
        }

    @classmethod
    def from_places(cls, viewport: Mapping[str, Any]) -> Rectangle:
        """From a Places `viewport` or rectangle ({low, high}); InvalidRectangle if malformed."""
        try:
            low, high = viewport["low"], viewport["high"]
            # Proto3 JSON leaves out a coordinate at 0 (the equator, the prime meridian).
            return cls(
                low.get("latitude", 0.0),
                low.get("longitude", 0.0),
                high.get("latitude", 0.0),
                high.get("longitude", 0.0),
            )
        except (KeyError, TypeError, AttributeError) as error:
            raise InvalidRectangle(f"not a Places rectangle: {viewport!r:.200}") from error

    def as_list(self) -> list[float]:
        return [self.south, self.west, self.north, self.east]

    def as_dict(self) -> dict[str, float]:
        return {"south": self.south, "west": self.west, "north": self.north, "east": self.east}


def _wrap(longitude: float) -> float:
    """A longitude folded into [-180, 180)."""
    wrapped = (longitude + 180.0) % 360.0 - 180.0
    return 0.0 if wrapped == -0.0 else wrapped


@dataclass(frozen=True)
class FoundPlace:
    """What the planner needs of a returned place: its id and where it is (if it has a place)."""

    place_id: str
    latitude: float | None = None
    longitude: float | None = None

    @property
    def located(self) -> bool:
        return self.latitude is not None and self.longitude is not None


@dataclass(frozen=True)
class TilingSettings:
    # A tile is asked when its estimate is at most this; above it is split first.
    # Below the cap, so that the estimate's noise seldom pushes a tile over it.
    target_places: float = 42.0
    # A split never makes a side shorter than this; a tile that cannot be split
    # and is still saturated is a dense point (an office tower, a mall).
    min_tile_side_m: float = 50.0
    # What a saturated tile with no other evidence is assumed to hold.
    saturated_prior: float = 2.0 * RESULT_CAP
    # Completed sample points needed before a tile's own ratio is trusted.
    min_ratio_sample: int = 4
    # A safety stop: the most tile queries one search may make.
    max_tile_queries: int = 2000


@dataclass(frozen=True)
class TileQuery:
    """A tile the caller should search now (every page, with locationRestriction)."""

    key: str  # "0", "0.2", "0.2.1": the path from the area
    rectangle: Rectangle
    depth: int


@dataclass
class TileRecord:
    """A tile that was searched: what came back."""

    key: str
    rectangle: Rectangle
    depth: int
    result_count: int
    saturated: bool
    pages: int
    place_ids: tuple[str, ...]
    dense_point: bool = False  # saturated and too small to split: coverage unproven here

    @property
    def leaf(self) -> bool:
        return not self.saturated or self.dense_point

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "rectangle": self.rectangle.as_list(),
            "depth": self.depth,
            "result_count": self.result_count,
            "saturated": self.saturated,
            "dense_point": self.dense_point,
            "pages": self.pages,
        }


@dataclass
class _Pending:
    key: str
    rectangle: Rectangle
    depth: int
    basis: str  # the key of the deepest saturated query whose answer samples this tile
    asked_anyway: bool = False  # a remembered leaf: ask it, do not re-estimate


@dataclass
class _Sample:
    """A saturated query's answer: a sample of the places of its rectangle."""

    rectangle: Rectangle
    points: list[FoundPlace]
    parent: str | None
    lower_bound: float = RESULT_CAP


@dataclass(frozen=True)
class CoverageReport:
    complete: bool
    reasons: tuple[str, ...]
    tiles: tuple[TileRecord, ...]
    tile_queries: int
    dense_points: int
    saturated_tiles: int

    @property
    def status(self) -> str:
        return "complete" if self.complete else f"incomplete ({'; '.join(self.reasons)})"


ROOT_KEY = "area"


@dataclass
class CoveragePlanner:
    """Plans the tile queries that cover `area`; see the module docstring.

    `known_leaves`: the leaf rectangles of an earlier run over the same area.
    """

    area: Rectangle
    settings: TilingSettings = field(default_factory=TilingSettings)
    known_leaves: Sequence[Rectangle] = ()
    _pending: list[_Pending] = field(default_factory=list, init=False)
    _samples: dict[str, _Sample] = field(default_factory=dict, init=False)
    _records: list[TileRecord] = field(default_factory=list, init=False)
    _completed: list[tuple[Rectangle, int]] = field(default_factory=list, init=False)
    _issued: dict[str, _Pending] = field(default_factory=dict, init=False)
    _population_cache: dict[str, float] = field(default_factory=dict, init=False)
    _started: bool = field(default=False, init=False)
    _stopped: str | None = field(default=None, init=False)

    # --- the whole-area answer ---
    def start(self, whole_area: Sequence[FoundPlace], saturated: bool) -> None:
        """Begin with the whole-area query's answer (its places and whether it hit the cap).

        Below the cap, that answer holds every match: no tile is needed.
        """
        if self._started:
            raise RuntimeError("the planner has already started")
        self._started = True
        if not saturated:
            return
        inside = [p for p in whole_area if p.located and self._in(self.area, p)]
        self._samples[ROOT_KEY] = _Sample(
            self.area, inside, parent=None, lower_bound=float(len(whole_area))
        )
        if self.known_leaves:
            for index, rectangle in enumerate(self.known_leaves):
                self._pending.append(
                    _Pending(f"k{index}", rectangle, 1, ROOT_KEY, asked_anyway=True)
                )
        else:
            self._pending.append(_Pending("0", self.area, 0, ROOT_KEY))

    # --- the loop ---
    def next_query(self) -> TileQuery | None:
        """The next tile to search, or None when the area is covered (or the limit is hit)."""
        if not self._started:
            raise RuntimeError("call start() with the whole-area answer first")
        while self._pending:
            if len(self._records) >= self.settings.max_tile_queries:
                self._stopped = (
                    f"stopped after {self.settings.max_tile_queries} tile queries "
                    f"with {len(self._pending)} tiles unsearched"
                )
                return None
            self._pending.sort(key=self._estimate)
            tile = self._pending.pop(0)
            estimate = self._estimate(tile)
            if (
                not tile.asked_anyway
                and estimate > self.settings.target_places
                and self._splittable(tile.rectangle)
            ):
                self._split(tile, math.ceil(estimate / self.settings.target_places))
                continue
            self._issued[tile.key] = tile
            return TileQuery(tile.key, tile.rectangle, tile.depth)
        return None

    def record(self, query: TileQuery, places: Sequence[FoundPlace], pages: int) -> TileRecord:
        """What a tile's search returned (every page); a saturated tile is split."""
        tile = self._issued.pop(query.key, None)
        if tile is None:
            raise KeyError(f"tile {query.key!r} was not issued or is already recorded")
        unique = list({place.place_id: place for place in places}.values())
        saturated = len(unique) >= RESULT_CAP
        record = TileRecord(
            key=tile.key,
            rectangle=tile.rectangle,
            depth=tile.depth,
            result_count=len(unique),
            saturated=saturated,
            pages=pages,
            place_ids=tuple(place.place_id for place in unique),
        )
        self._records.append(record)
        self._population_cache.clear()
        inside = [p for p in unique if p.located and self._in(tile.rectangle, p)]
        if not saturated:
            self._completed.append((tile.rectangle, len(unique)))
            return record
        if not self._splittable(tile.rectangle):
            record.dense_point = True
            return record
        self._samples[tile.key] = _Sample(tile.rectangle, inside, parent=tile.basis)
        child = _Pending(tile.key, tile.rectangle, tile.depth, tile.key)
        self._split(child, max(2, math.ceil(self._estimate(child) / self.settings.target_places)))
        return record

    # --- the outcome ---
    def report(self) -> CoverageReport:
        dense = [r for r in self._records if r.dense_point]
        reasons = []
        if dense:
            reasons.append(
                f"{len(dense)} tile(s) still saturated at the minimum size "
                f"({self.settings.min_tile_side_m:g} m): a dense point whose places past the "
                f"{RESULT_CAP}th cannot be reached"
            )
        if self._stopped:
            reasons.append(self._stopped)
        return CoverageReport(
            complete=not reasons,
            reasons=tuple(reasons),
            tiles=tuple(self._records),
            tile_queries=len(self._records),
            dense_points=len(dense),
            saturated_tiles=sum(1 for r in self._records if r.saturated),
        )

    def known_tiles(self) -> list[KnownTile]:
        """The plan to remember: the leaf tiles, in query order."""
        return [
            KnownTile(r.key, r.rectangle, r.result_count, r.dense_point)
            for r in self._records
            if r.leaf
        ]

    # --- estimation ---
    def _in(self, rectangle: Rectangle, place: FoundPlace) -> bool:
        assert place.latitude is not None and place.longitude is not None
        return rectangle.contains(place.latitude, place.longitude)

    def _sample_in(self, basis: str, rectangle: Rectangle) -> int:
        return sum(1 for p in self._samples[basis].points if self._in(rectangle, p))

    def _population(self, basis: str) -> float:
        """Estimated places in a saturated query's rectangle.

        The ratio of places to sample points over the tiles already settled inside
        it (completed tiles count exactly, still-saturated ones at least the cap),
        scaled to the whole sample; before there is enough of that, the share of
        its parent's estimate, and never less than what it returned.
        """
        cached = self._population_cache.get(basis)
        if cached is not None:
            return cached
        sample = self._samples[basis]
        size = len(sample.points)
        count, seen = 0.0, 0
        for rectangle, places in self._evidence_inside(basis):
            count += places
            seen += self._sample_in(basis, rectangle)
        if size and seen >= self.settings.min_ratio_sample:
            value = count / seen * size
        else:
            value = self.settings.saturated_prior
            if sample.parent is not None:
                parent_size = len(self._samples[sample.parent].points) or 1
                share = self._sample_in(sample.parent, sample.rectangle) / parent_size
                value = max(value, self._population(sample.parent) * share)
        value = max(value, sample.lower_bound)
        self._population_cache[basis] = value
        return value

    def _evidence_inside(self, basis: str) -> list[tuple[Rectangle, float]]:
        """Disjoint settled tiles inside a sample's rectangle, with their (least) place counts."""
        outer = self._samples[basis].rectangle
        completed = [(r, float(n)) for r, n in self._completed if _inside(r, outer)]
        saturated = [
            other.rectangle
            for key, other in self._samples.items()
            if key not in (basis, ROOT_KEY) and _inside(other.rectangle, outer)
        ]
        # The deepest saturated tiles with nothing settled inside them yet.
        frontier = [
            (r, float(RESULT_CAP))
            for r in saturated
            if not any(_inside(c, r) for c, _ in completed)
            and not any(o is not r and _inside(o, r) for o in saturated)
        ]
        return completed + frontier

    def _estimate(self, tile: _Pending) -> float:
        sample = self._samples[tile.basis]
        if not sample.points:
            share = (
                tile.rectangle.width_degrees
                * tile.rectangle.height_degrees
                / (sample.rectangle.width_degrees * sample.rectangle.height_degrees)
            )
        else:
            share = max(self._sample_in(tile.basis, tile.rectangle), 0.5) / len(sample.points)
        return self._population(tile.basis) * share

    # --- splitting ---
    def _splittable(self, rectangle: Rectangle) -> bool:
        side = 2 * self.settings.min_tile_side_m
        return rectangle.width_m >= side or rectangle.height_m >= side

    def _split(self, tile: _Pending, parts: int) -> None:
        points = [p for p in self._samples[tile.basis].points if self._in(tile.rectangle, p)]
        pieces = self._kd_split(tile.rectangle, points, max(2, parts))
        for index, rectangle in enumerate(pieces):
            self._pending.append(
                _Pending(f"{tile.key}.{index}", rectangle, tile.depth + 1, tile.basis)
            )

    def _kd_split(
        self, rectangle: Rectangle, points: list[FoundPlace], parts: int
    ) -> list[Rectangle]:
        if parts <= 1 or not self._splittable(rectangle):
            return [rectangle]
        first = parts // 2
        along_longitude = rectangle.width_m >= rectangle.height_m
        if along_longitude and rectangle.width_m < 2 * self.settings.min_tile_side_m:
            along_longitude = False
        if not along_longitude and rectangle.height_m < 2 * self.settings.min_tile_side_m:
            along_longitude = True
        if along_longitude:
            extent, minimum = (
                rectangle.width_degrees,
                rectangle.width_degrees * (self.settings.min_tile_side_m / rectangle.width_m),
            )
            coords = sorted(rectangle.longitude_offset(p.longitude) for p in points)  # type: ignore[arg-type]
        else:
            extent = rectangle.height_degrees
            minimum = extent * (self.settings.min_tile_side_m / rectangle.height_m)
            coords = sorted(p.latitude - rectangle.south for p in points)  # type: ignore[operator]
        if len(coords) >= STACK_MIN_POINTS and coords[-1] - coords[0] < minimum:
            # The sample is stacked at one spot (an office tower, a mall): cut a band of
            # the minimum size around it at once, so the spot is a minimal tile in two
            # splits instead of shrinking towards it by halves, a saturated query each.
            return self._isolate(rectangle, along_longitude, coords, extent, minimum)
        cut = _quantile_cut(coords, first / parts, extent)
        cut = min(max(cut, minimum), extent - minimum)
        if along_longitude:
            low, high = rectangle.split_longitude(cut)
            in_low = [p for p in points if rectangle.longitude_offset(p.longitude) < cut]  # type: ignore[arg-type]
        else:
            low, high = rectangle.split_latitude(rectangle.south + cut)
            in_low = [p for p in points if p.latitude - rectangle.south < cut]  # type: ignore[operator]
        low_ids = {p.place_id for p in in_low}
        in_high = [p for p in points if p.place_id not in low_ids]
        return self._kd_split(low, in_low, first) + self._kd_split(high, in_high, parts - first)

    @staticmethod
    def _isolate(
        rectangle: Rectangle,
        along_longitude: bool,
        coords: Sequence[float],
        extent: float,
        minimum: float,
    ) -> list[Rectangle]:
        centre = (coords[0] + coords[-1]) / 2
        low_cut = centre - minimum / 2 if centre - minimum / 2 >= minimum else None
        high_cut = centre + minimum / 2 if extent - (centre + minimum / 2) >= minimum else None
        pieces, rest = [], rectangle
        for cut in (low_cut, high_cut):
            if cut is None:
                continue
            if along_longitude:
                offset = cut - rectangle.longitude_offset(rest.west)
                piece, rest = rest.split_longitude(offset)
            else:
                piece, rest = rest.split_latitude(rectangle.south + cut)
            pieces.append(piece)
        return [*pieces, rest]


@dataclass(frozen=True)
class KnownTile:
    """A leaf tile of an earlier run: where it was, what it held then."""

    key: str
    rectangle: Rectangle
    result_count: int
    dense_point: bool = False


# A re-run merges sibling leaves that together held at most this many places: room
# for a few openings below the cap of 60.
REFRESH_MERGE_MAX = 52


def refresh_plan(
    area: Rectangle, leaves: Sequence[KnownTile], merge_max: float = REFRESH_MERGE_MAX
) -> list[Rectangle]:
    """The rectangles a re-run asks first (see `refresh_groups`)."""
    return [rectangle for rectangle, _ in refresh_groups(area, leaves, merge_max)]


def refresh_groups(
    area: Rectangle, leaves: Sequence[KnownTile], merge_max: float = REFRESH_MERGE_MAX
) -> list[tuple[Rectangle, int]]:
    """The rectangles a re-run asks first, each with the places it held in the last run:
    the last run's leaves, with sibling groups merged
    back into their parent where together they held at most `merge_max` places and one
    query of the parent takes fewer pages than the leaves did.

    A split cuts a tile into children that tile it exactly, so every key prefix of the
    plan names a rectangle; asking one merged rectangle instead of several sparse leaves
    saves a request for each leaf merged away, and a group that has grown past the cap
    since is simply split again.
    """
    counts: dict[str, int] = {}
    pages: dict[str, int] = {}
    blocked: set[str] = set()
    for leaf in leaves:
        parts = leaf.key.split(".")
        for length in range(1, len(parts)):
            prefix = ".".join(parts[:length])
            counts[prefix] = counts.get(prefix, 0) + leaf.result_count
            pages[prefix] = pages.get(prefix, 0) + pages_for(leaf.result_count)
            if leaf.dense_point:
                blocked.add(prefix)
    chosen: list[str] = []
    for prefix in sorted(counts, key=lambda p: p.count(".")):
        if prefix in blocked or counts[prefix] > merge_max:
            continue
        if pages_for(counts[prefix]) >= pages[prefix]:
            continue
        if any(prefix.startswith(f"{taken}.") for taken in chosen):
            continue
        chosen.append(prefix)
    plan: list[tuple[Rectangle, int]] = []
    for prefix in chosen:
        members = [leaf for leaf in leaves if leaf.key.startswith(f"{prefix}.")]
        rectangle = (
            _bounding(area, [leaf.rectangle for leaf in members])
            if len(members) > 1
            else members[0].rectangle
        )
        plan.append((rectangle, counts[prefix]))
    plan += [
        (leaf.rectangle, leaf.result_count)
        for leaf in leaves
        if not any(leaf.key.startswith(f"{prefix}.") for prefix in chosen)
    ]
    return plan


def pages_for(places: float) -> int:
    """The result pages (billed requests) a query answering `places` places takes."""
    return max(1, math.ceil(min(places, RESULT_CAP) / PAGE_SIZE))


def _bounding(area: Rectangle, rectangles: Sequence[Rectangle]) -> Rectangle:
    """The smallest rectangle holding them all, measured east of the area's west edge."""
    start = min(area.longitude_offset(r.west) for r in rectangles)
    end = max(area.longitude_offset(r.west) + r.width_degrees for r in rectangles)
    west = area.west if start <= 1e-12 else _wrap(area.west + start)
    east = area.east if end >= area.width_degrees - 1e-12 else _wrap(area.west + end)
    return Rectangle(min(r.south for r in rectangles), west, max(r.north for r in rectangles), east)


def _quantile_cut(coords: Sequence[float], fraction: float, extent: float) -> float:
    """Where to cut so `fraction` of the sampled coordinates fall below: midway between two.

    With too few points to tell, the cut is the same fraction of the extent.
    """
    if len(coords) < 2:
        return extent * fraction
    index = max(1, min(len(coords) - 1, round(len(coords) * fraction)))
    below, above = coords[index - 1], coords[index]
    if above - below <= 0:
        # Points stacked at one spot: cut just beside them rather than through them.
        spread = [c for c in coords if c != below]
        if not spread:
            return extent * fraction if not 0 < below < extent else below + (extent - below) / 2
        above = min((c for c in spread if c > below), default=below + (extent - below) / 2)
    return (below + above) / 2


def _inside(inner: Rectangle, outer: Rectangle) -> bool:
    south_west = outer.contains(inner.south, inner.west)
    north_east = outer.contains(inner.north, inner.east)
    return (
        south_west
        and north_east
        and outer.longitude_offset(inner.west) + inner.width_degrees <= outer.width_degrees + 1e-9
    )


def found_places(places: Iterable[Mapping[str, Any]]) -> list[FoundPlace]:
    """FoundPlaces from Places v1 `Place` objects (id and location, when present)."""
    found = []
    for place in places:
        if not isinstance(place, Mapping) or (place_id := place_id_of(place)) is None:
            continue
        point = lat_lng(place.get("location"))
        found.append(FoundPlace(place_id, *point) if point else FoundPlace(place_id))
    return found
