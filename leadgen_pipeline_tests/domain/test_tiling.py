import random

import pytest

from leadgen_pipeline.domain.tiling import (
    RESULT_CAP,
    CoveragePlanner,
    FoundPlace,
    InvalidRectangle,
    KnownTile,
    Rectangle,
    TilingSettings,
    found_places,
    refresh_plan,
)

AREA = Rectangle(30.0, -98.0, 30.4, -97.6)


def test_a_rectangle_refuses_what_places_would():
    with pytest.raises(InvalidRectangle):
        Rectangle(30.4, -98.0, 30.0, -97.6)  # south above north
    with pytest.raises(InvalidRectangle):
        Rectangle(30.0, -98.0, 30.4, -98.0)  # no width
    with pytest.raises(InvalidRectangle):
        Rectangle(30.0, -181.0, 30.4, -97.6)
    with pytest.raises(InvalidRectangle):
        Rectangle.from_places({"low": {"latitude": 1}})


def test_a_rectangle_across_the_antimeridian_contains_both_sides():
    fiji = Rectangle(-19.0, 177.0, -16.0, -179.0)
    assert fiji.crosses_antimeridian
    assert fiji.width_degrees == pytest.approx(4.0)
    assert fiji.contains(-17.0, 179.5) and fiji.contains(-17.0, -179.5)
    assert not fiji.contains(-17.0, 170.0) and not fiji.contains(-17.0, -170.0)
    west, east = fiji.split_longitude(3.0)
    assert (west.west, west.east, east.west, east.east) == (177.0, -180.0, -180.0, -179.0)
    assert west.contains(-17.0, 179.9) and east.contains(-17.0, -179.5)


def test_the_wire_format_round_trips():
    viewport = AREA.to_places()
    assert viewport == {
        "low": {"latitude": 30.0, "longitude": -98.0},
        "high": {"latitude": 30.4, "longitude": -97.6},
    }
    assert Rectangle.from_places(viewport) == AREA


def _world(count: int, seed: int = 1) -> list[FoundPlace]:
    rng = random.Random(seed)
    places = []
    for index in range(count):
        if index % 3 == 0:  # a downtown
            lat, lng = rng.gauss(30.2, 0.01), rng.gauss(-97.8, 0.01)
        else:
            lat, lng = rng.uniform(30.0, 30.4), rng.uniform(-98.0, -97.6)
        places.append(FoundPlace(f"p{index}", lat, lng))
    rng.shuffle(places)  # relevance order is unrelated to position
    return places


def _answer(world: list[FoundPlace], rectangle: Rectangle | None) -> list[FoundPlace]:
    inside = [p for p in world if rectangle is None or rectangle.contains(p.latitude, p.longitude)]
    return inside[:RESULT_CAP]


def _cover(world, planner):
    whole = _answer(world, None)
    planner.start(whole, saturated=len(whole) >= RESULT_CAP)
    found, requests = {p.place_id for p in whole}, 3
    while (query := planner.next_query()) is not None:
        answer = _answer(world, query.rectangle)
        requests += max(1, -(-len(answer) // 20))
        found |= {p.place_id for p in answer}
        planner.record(query, answer, pages=max(1, -(-len(answer) // 20)))
    return found, requests


def test_an_unsaturated_whole_area_answer_needs_no_tile():
    planner = CoveragePlanner(AREA)
    planner.start(_world(40), saturated=False)
    assert planner.next_query() is None
    assert planner.report().status == "complete"


def test_a_dense_area_is_covered_in_few_requests_per_place():
    world = _world(600)
    planner = CoveragePlanner(AREA)
    found, requests = _cover(world, planner)
    assert found == {p.place_id for p in world}
    assert 100 * requests / len(found) <= 12
    report = planner.report()
    assert report.complete and report.saturated_tiles >= 1
    leaves = [tile.rectangle for tile in planner.known_tiles()]
    # The leaves tile the area: every place lies in exactly one.
    for place in world:
        assert sum(leaf.contains(place.latitude, place.longitude) for leaf in leaves) == 1


def test_a_remembered_plan_costs_less_and_finds_new_places():
    world = _world(600)
    first = CoveragePlanner(AREA)
    _, first_requests = _cover(world, first)
    grown = [*world, FoundPlace("new-1", 30.11, -97.71), FoundPlace("new-2", 30.33, -97.9)]
    plan = refresh_plan(AREA, first.known_tiles())
    second = CoveragePlanner(AREA, known_leaves=plan)
    found, second_requests = _cover(grown, second)
    assert {"new-1", "new-2"} <= found
    assert found == {p.place_id for p in grown}
    assert second_requests < first_requests


def test_a_point_denser_than_the_cap_is_reported_not_split_forever():
    building = [FoundPlace(f"b{i}", 30.2, -97.8) for i in range(90)]
    world = building + _world(100)
    planner = CoveragePlanner(AREA, TilingSettings(min_tile_side_m=50))
    _cover(world, planner)
    report = planner.report()
    assert report.dense_points >= 1
    assert not report.complete
    assert "minimum size" in report.status
    dense = [t for t in report.tiles if t.dense_point]
    assert all(t.rectangle.height_m < 100 and t.rectangle.width_m < 100 for t in dense)


def test_the_query_limit_stops_and_says_so():
    planner = CoveragePlanner(AREA, TilingSettings(max_tile_queries=2))
    _cover(_world(600), planner)
    assert planner.report().tile_queries == 2
    assert "stopped after 2 tile queries" in planner.report().status


def test_a_tile_is_recorded_once():
    planner = CoveragePlanner(AREA)
    planner.start(_world(100), saturated=True)
    query = planner.next_query()
    planner.record(query, [], pages=1)
    with pytest.raises(KeyError):
        planner.record(query, [], pages=1)


def test_found_places_keeps_ids_and_locations_and_tolerates_no_location():
    places = found_places(
        [
            {"id": "a", "location": {"latitude": 1.5, "longitude": 2}},
            {"id": "b"},  # a pure service-area business
            {"location": {"latitude": 1, "longitude": 1}},  # no id: not a place
        ]
    )
    assert places == [FoundPlace("a", 1.5, 2.0), FoundPlace("b")]
    assert not places[1].located


def test_a_refresh_plan_merges_sparse_siblings_and_keeps_dense_ones_apart():
    # Two leaves of one page each become one query of their parent; 8 + 9 + 50 is too many.
    west, east = AREA.split_longitude(0.2)
    west_south, west_north = west.split_latitude(30.2)
    leaves = [
        KnownTile("0.0.0", west_south, 8),
        KnownTile("0.0.1", west_north, 9),
        KnownTile("0.1", east, 50),
    ]
    assert refresh_plan(AREA, leaves) == [west, east]
    dense = [KnownTile("0.0.0", west_south, 8, dense_point=True), *leaves[1:]]
    assert refresh_plan(AREA, dense) == [west_south, west_north, east]


def test_a_stack_at_one_spot_is_isolated_in_a_few_splits_not_halved_towards():
    # 150 shops in one mall and nothing else: halving towards the spot from a 40 km area
    # would take a saturated query per level, about twenty of them.
    mall = [FoundPlace(f"m{i}", 30.2731, -97.7123) for i in range(150)]
    planner = CoveragePlanner(AREA)
    _cover(mall, planner)
    report = planner.report()
    assert report.dense_points == 1
    assert report.tile_queries <= 6
    [dense] = [tile for tile in report.tiles if tile.dense_point]
    assert dense.rectangle.contains(30.2731, -97.7123)
