from dataclasses import replace

from leadgen_pipeline.domain.competitors import choose_target, competitor_analysis
from leadgen_pipeline_tests.support.prospects import prospect

FIELD = [
    prospect("a", "Austin Pipe Pros", 4.9, 300),
    prospect("b", "Lone Star Plumbing & Drain LLC", 4.1, 40),
    prospect("c", "Hill Country Plumbing", 4.5, 90),
    prospect("d", "Budget Rooter", 3.2, 12),
]


def test_a_named_target_is_matched_fuzzily():
    match = choose_target(FIELD, "lone star plumbing")
    assert (match.place_id, match.method, match.rank) == ("b", "named", 2)
    assert match.score >= 85


def test_an_unknown_name_falls_back_to_the_top_result_and_says_so():
    match = choose_target(FIELD, "Completely Different Electric")
    assert (match.place_id, match.method, match.requested_name) == (
        "a",
        "top_ranked",
        "Completely Different Electric",
    )


def test_without_a_name_the_best_ranked_operating_business_is_the_target():
    closed_first = [replace(FIELD[0], business_status="CLOSED_PERMANENTLY"), *FIELD[1:]]
    match = choose_target(closed_first, None)
    assert (match.place_id, match.rank) == ("b", 2)


def test_no_results_no_target():
    assert choose_target([], "anything") is None


def test_competitor_figures_place_the_target_in_the_field():
    analysis = competitor_analysis(FIELD, "b")
    assert analysis["target"] == {
        "place_id": "b",
        "name": "Lone Star Plumbing & Drain LLC",
        "rank": 2,
        "rating": 4.1,
        "review_count": 40,
    }
    assert analysis["field_size"] == 4
    assert analysis["average_rating"] == round((4.9 + 4.5 + 3.2) / 3, 2)
    assert analysis["median_review_count"] == 90
    assert analysis["rating_percentile"] == round(1 / 3, 2)
    assert [c["name"] for c in analysis["top_competitors"]] == [
        "Austin Pipe Pros",
        "Hill Country Plumbing",
    ]
    assert analysis["gaps"] == [
        "rating below the field average",
        "fewer reviews than the median competitor",
    ]


def test_gaps_name_what_is_missing():
    bare = [prospect("x", "Bare", website=None, phone_e164=None), FIELD[0]]
    assert competitor_analysis(bare, "x")["gaps"] == [
        "no rating yet",
        "no website listed",
        "no valid phone listed",
    ]
