from dataclasses import replace

from leadgen_pipeline.domain.competitors import (
    choose_target,
    closest_competitors,
    competitor_analysis,
    merged_gaps,
)
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


def test_the_closest_competitors_are_the_nearest_in_rank_in_rank_order():
    field = [*FIELD, prospect("e", "Eastside Plumbing", None, None)]
    closest = closest_competitors(field, "c", limit=3)
    # d (rank 4) and b (rank 2) are one away; a (1) and e (5) two: a wins, ranked above.
    assert [(c["place_id"], c["rank"]) for c in closest] == [("a", 1), ("b", 2), ("d", 4)]
    assert closest[0]["rating_difference"] == round(4.9 - 4.5, 2)
    assert closest[0]["review_count_difference"] == 300 - 90
    unrated = closest_competitors(field, "d", limit=1)
    assert [c["place_id"] for c in unrated] == ["c"]
    assert closest_competitors(field, "e", limit=1)[0]["rating_difference"] is None


def test_a_target_not_in_the_field_has_no_closest_competitors():
    assert closest_competitors(FIELD, "zz") == []


def test_written_gaps_that_restate_a_computed_one_are_dropped():
    computed = ["no website listed", "fewer reviews than the median competitor"]
    written = [
        "No website listed on Google",
        "Slow to answer the phone",
        "Fewer reviews than the median competitor",
    ]
    assert merged_gaps(computed, written) == [*computed, "Slow to answer the phone"]
    assert merged_gaps([], ["Slow to answer"]) == ["Slow to answer"]


INTERNATIONAL_FIELD = [
    prospect("de1", "Schmidt Sanitär GmbH", 4.8, 210),
    prospect("de2", "Sanitär Müller GmbH & Co. KG", 4.2, 35),
    prospect("br1", "Encanador Souza Ltda.", 4.7, 80),
    prospect("br2", "Encanador Silva Ltda.", 4.4, 20),
    prospect("jp1", "田中歯科医院", 4.6, 50),
    prospect("jp2", "株式会社山田歯科医院", 4.1, 12),
]


def test_a_named_target_is_matched_across_spellings_legal_forms_and_word_order():
    for requested, expected in (
        ("Mueller Sanitaer", "de2"),
        ("Müller Sanitär GmbH", "de2"),
        ("Encanador Silva", "br2"),
        ("山田歯科医院", "jp2"),
    ):
        match = choose_target(INTERNATIONAL_FIELD, requested)
        assert (match.place_id, match.method) == (expected, "named"), requested


def test_a_shared_trade_word_and_legal_form_do_not_make_a_match():
    match = choose_target(INTERNATIONAL_FIELD, "Encanador Oliveira Ltda.")
    assert (match.place_id, match.method) == ("de1", "top_ranked")
