"""Where the sandbox's businesses are: a city's viewport, its downtown and neighbourhoods.

Google ranks a Text Search by relevance, not by position, so a business's rank and
its location are drawn from separate streams. Inside a city's viewport a
population is spread as real ones are: a dense downtown, a few neighbourhood
centres, office buildings holding several businesses at one address, a thin
scatter over the rest; a few businesses lie just outside the viewport (the next
town over), and in some populations a few are pure service-area businesses
(no location at all: Places returns them only when asked to, and never inside
a rectangle).
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass

from leadgen_sandbox.world_data import STREET_NAMES, City

# Populations with pure service-area businesses (a share of them) and with an
# office tower holding more businesses of the kind than one query returns (60).
SERVICE_AREA_POPULATIONS = frozenset({("plumber", "houston tx"), ("lawyer", "new york ny")})
SERVICE_AREA_SHARE = 0.03
# Pinned among the most relevant, so the whole-area query (the only one that can return
# them) shows some: trades that travel to their customers often list no address.
PINNED_SERVICE_AREA_INDEXES = frozenset({4, 30})
DENSE_TOWERS: dict[tuple[str, str], int] = {("lawyer", "new york ny"): 75}
OUTSIDE_SHARE = 0.03
BUILDING_SHARE = 0.05
DOWNTOWN_SHARE = 0.30
NEIGHBOURHOOD_SHARE = 0.35
BUILDINGS_PER_POPULATION = 8
NEIGHBOURHOODS_PER_CITY = 5


@dataclass(frozen=True)
class Viewport:
    south: float
    west: float
    north: float
    east: float

    def contains(self, latitude: float, longitude: float) -> bool:
        return (
            self.south <= latitude <= self.north and (longitude - self.west) % 360.0 <= self.width
        )

    @property
    def width(self) -> float:
        """Degrees of longitude covered: 0 for a single meridian (low = high is a point),
        360 for low -180 / high 180 (every longitude)."""
        if self.west == self.east:
            return 0.0
        return (self.east - self.west) % 360.0 or 360.0

    def intersects(self, other: Viewport) -> bool:
        if self.north < other.south or other.north < self.south:
            return False
        return (other.west - self.west) % 360.0 <= self.width or (
            self.west - other.west
        ) % 360.0 <= other.width

    def grown(self, degrees: float) -> Viewport:
        return Viewport(
            max(-90.0, self.south - degrees),
            (self.west - degrees + 180.0) % 360.0 - 180.0,
            min(90.0, self.north + degrees),
            (self.east + degrees + 180.0) % 360.0 - 180.0,
        )

    def to_json(self) -> dict[str, dict[str, float]]:
        return {
            "low": {"latitude": self.south, "longitude": self.west},
            "high": {"latitude": self.north, "longitude": self.east},
        }


@dataclass(frozen=True)
class Spot:
    """Where a business is: a location (None for a pure service-area business)."""

    latitude: float | None
    longitude: float | None
    street_address: str | None = None  # set when it shares a building's address


def city_viewport(city: City) -> Viewport:
    return Viewport(
        round(city.latitude - city.viewport_half_lat, 6),
        round(city.longitude - city.viewport_half_lng, 6),
        round(city.latitude + city.viewport_half_lat, 6),
        round(city.longitude + city.viewport_half_lng, 6),
    )


def _random(*parts: object) -> random.Random:
    digest = hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _inside_point(
    rng: random.Random, viewport: Viewport, lat: float, lng: float, spread: float
) -> tuple[float, float]:
    for _ in range(20):
        point = (rng.gauss(lat, spread), rng.gauss(lng, spread * 1.15))
        if viewport.contains(*point):
            return point
    return rng.uniform(viewport.south, viewport.north), rng.uniform(viewport.west, viewport.east)


class PopulationGeography:
    """Draws the spot of business `index` of one (keyword, city) population."""

    def __init__(self, key: tuple[str, str], city: City) -> None:
        self.key = key
        self.city = city
        self.viewport = city_viewport(city)
        half_lat, half_lng = city.viewport_half_lat, city.viewport_half_lng
        rng = _random("neighbourhoods", city.name, city.state)
        self.neighbourhoods = [
            (
                city.latitude + rng.uniform(-0.6, 0.6) * half_lat,
                city.longitude + rng.uniform(-0.6, 0.6) * half_lng,
            )
            for _ in range(NEIGHBOURHOODS_PER_CITY)
        ]
        rng = _random("buildings", *key)
        self.buildings = []
        for _ in range(BUILDINGS_PER_POPULATION):
            centre = (city.latitude, city.longitude)
            lat, lng = _inside_point(rng, self.viewport, *centre, half_lat / 3)
            address = f"{rng.randrange(100, 999)} {rng.choice(STREET_NAMES)}"
            self.buildings.append((round(lat, 6), round(lng, 6), address))
        tower_lat, tower_lng, tower_address = self.buildings[0]
        self.tower = (tower_lat, tower_lng, tower_address) if key in DENSE_TOWERS else None

    def spot(self, index: int) -> Spot:
        rng = _random("location", *self.key, index)
        viewport, city = self.viewport, self.city
        tower_size = DENSE_TOWERS.get(self.key, 0)
        if self.tower and index % 4 == 0 and index < 4 * tower_size:
            lat, lng, address = self.tower
            return Spot(lat, lng, f"{address}, Suite {100 + index // 4}")
        if self.key in SERVICE_AREA_POPULATIONS and index in PINNED_SERVICE_AREA_INDEXES:
            return Spot(None, None)
        draw = rng.random()
        if draw < OUTSIDE_SHARE:  # just outside the viewport: the next town over
            beyond = rng.uniform(0.002, 0.02)
            lng = rng.uniform(viewport.west, viewport.east)
            lat = viewport.north + beyond if rng.random() < 0.5 else viewport.south - beyond
            return Spot(round(lat, 6), round(lng, 6))
        draw -= OUTSIDE_SHARE
        if self.key in SERVICE_AREA_POPULATIONS:
            if draw < SERVICE_AREA_SHARE:
                return Spot(None, None)
            draw -= SERVICE_AREA_SHARE
        if draw < BUILDING_SHARE:
            lat, lng, address = rng.choice(self.buildings)
            return Spot(lat, lng, f"{address}, Suite {rng.randrange(100, 999)}")
        draw -= BUILDING_SHARE
        if draw < DOWNTOWN_SHARE:
            lat, lng = _inside_point(
                rng, viewport, city.latitude, city.longitude, city.viewport_half_lat / 10
            )
        elif draw < DOWNTOWN_SHARE + NEIGHBOURHOOD_SHARE:
            centre = rng.choice(self.neighbourhoods)
            lat, lng = _inside_point(rng, viewport, *centre, city.viewport_half_lat / 8)
        else:
            lat = rng.uniform(viewport.south, viewport.north)
            lng = rng.uniform(viewport.west, viewport.east)
        return Spot(round(lat, 6), round(lng, 6))


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine), for `locationBias.circle`."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lng2 - lng1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))
