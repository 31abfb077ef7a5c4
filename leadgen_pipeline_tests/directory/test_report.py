"""A search's report (API and page) on real searches: the target and how it was matched, the
AI profile, the figures against the field, the closest competitors, the chart."""

import lxml.html
import sqlalchemy as sa

from leadgen_pipeline.domain.search_request import parse_search_request
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage import search_store
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline_tests.support.searches import KEYSTONE_ROOFING

ROOFERS = "roofer@portland-or"
DENTISTS = "dentist@denver-co"


def report_of(client, search_id: str) -> dict:
    response = client.get(f"/api/searches/{search_id}/report")
    assert response.status_code == 200, response.text
    return response.json()


def stored(database_url: str, search_id: str) -> tuple[sa.Row, list[sa.Row]]:
    with engine_for(database_url).connect() as conn:
        intelligence = conn.execute(
            sa.select(t.ai_intelligence).where(t.ai_intelligence.c.search_id == search_id)
        ).one()
        ranked = conn.execute(
            sa.select(t.search_prospects.c.rank, t.prospects)
            .join(t.prospects, t.prospects.c.place_id == t.search_prospects.c.place_id)
            .where(t.search_prospects.c.search_id == search_id)
            .order_by(t.search_prospects.c.rank)
        ).all()
    return intelligence, ranked


def test_the_report_of_a_named_target_says_how_it_was_matched_and_places_it(
    directory_client, directory_database_url
):
    report = report_of(directory_client, ROOFERS)
    intelligence, ranked = stored(directory_database_url, ROOFERS)
    target = report["target"]
    assert target["name"].startswith(KEYSTONE_ROOFING)
    assert (target["matchMethod"], target["requestedName"]) == ("named", KEYSTONE_ROOFING)
    assert target["matchScore"] >= 85
    assert target["placeId"] == intelligence.target_place_id
    [listing] = [row for row in ranked if row.place_id == target["placeId"]]
    assert (target["rank"], target["rating"], target["reviewCount"]) == (
        listing.rank,
        listing.rating,
        listing.user_rating_count,
    )
    assert target["phone"] == listing.phone_e164 and target["website"] == listing.website
    # The profile and the figures are the stored ones (what the LLM was given).
    assert report["profile"]["summary"] == intelligence.intelligence["summary"]
    assert report["profile"]["competitivePosition"] in {
        "leader",
        "contender",
        "challenger",
        "laggard",
    }
    analysis = intelligence.competitor_analysis
    assert report["field"]["averageRating"] == analysis["average_rating"]
    assert report["field"]["fieldSize"] == len(ranked) == report["resultCount"]
    computed = analysis["gaps"]
    assert report["gaps"][: len(computed)] == computed
    assert set(report["gaps"][len(computed) :]) <= set(intelligence.intelligence["gaps"])
    assert report["costUsd"] == intelligence.cost_usd and report["model"]
    # Closest: the five ranked nearest, in rank order, with their differences.
    closest = report["closestCompetitors"]
    others = [r.rank for r in ranked if r.rank != target["rank"]]
    nearest = sorted(others, key=lambda rank: (abs(rank - target["rank"]), rank))[:5]
    assert [c["rank"] for c in closest] == sorted(nearest)
    first = next(r for r in ranked if r.rank == closest[0]["rank"])
    assert closest[0]["ratingDifference"] == round(first.rating - target["rating"], 2)
    assert [b["placeId"] for b in report["businesses"]] == [r.place_id for r in ranked]
    assert report["collectionId"] == ROOFERS


def test_without_a_named_target_the_report_profiles_the_top_result(directory_client):
    report = report_of(directory_client, DENTISTS)
    assert report["target"]["matchMethod"] == "top_ranked"
    assert report["target"]["requestedName"] is None
    assert report["target"]["rank"] == 1


def test_a_search_that_has_not_run_has_a_report_without_a_target(
    directory_client, directory_database_url
):
    request = parse_search_request("locksmith", "Nowhere Springs, MT")
    engine = engine_for(directory_database_url)
    search_store.register_search(engine, request, "test")
    try:
        report = report_of(directory_client, request.partition_key)
        assert report["target"] is None and report["profile"] is None
        assert report["message"] == "the search has not run yet"
        assert report["businesses"] == [] and report["collectionId"] is None
        page = directory_client.get(f"/directory/searches/{request.partition_key}")
        assert page.status_code == 200 and "No report yet" in page.text
    finally:
        with engine.begin() as conn:
            conn.execute(sa.delete(t.searches).where(t.searches.c.id == request.partition_key))


def test_an_unknown_search_is_404_on_the_api_and_the_page(directory_client):
    response = directory_client.get("/api/searches/nope@nowhere/report")
    assert response.status_code == 404 and response.json()["error"] == "not_found"
    page = directory_client.get("/directory/searches/nope@nowhere")
    assert page.status_code == 404 and "no search" in page.text.lower()


def test_the_report_page_shows_it_all_draws_the_chart_and_prints(directory_client):
    report = report_of(directory_client, ROOFERS)
    response = directory_client.get(f"/directory/searches/{ROOFERS}")
    assert response.status_code == 200
    html = response.text
    page = lxml.html.fromstring(html)
    text = page.text_content()
    target = report["target"]
    assert target["name"] in page.xpath("string(//section[contains(@class,'target')]/h2)")
    assert f"“{KEYSTONE_ROOFING}”" in text and "found in the results" in text
    assert report["profile"]["competitivePosition"] in text
    for item in [*report["profile"]["productsAndServices"], *report["profile"]["strengths"]]:
        assert item in text
    gaps = page.xpath("//h2[.='Gaps']/following-sibling::ul[1]/li/text()")
    assert [gap.lower() for gap in gaps] == [gap.lower() for gap in report["gaps"]]
    closest_rows = page.xpath("//h2[.='Closest competitors']/following-sibling::table[1]/tbody/tr")
    names = [row.xpath("string(td[2])") for row in closest_rows]
    assert names == [c["name"] for c in report["closestCompetitors"]]
    # The chart: one point per rated business, the target's marked.
    [chart] = page.xpath("//svg[contains(@class,'chart')]")
    circles = chart.xpath(".//circle")
    rated = [b for b in report["businesses"] if b["rating"] is not None]
    assert len(circles) == len(rated)
    [marked] = [c for c in circles if "target" in c.get("class")]
    assert marked.xpath("string(title)").startswith(f"#{target['rank']} {target['name']}")
    assert len([c for c in circles if "closest" in c.get("class")]) == len(
        [c for c in report["closestCompetitors"] if c["rating"] is not None]
    )
    # Printable, self-contained, and linked with its collection both ways.
    assert "@media print" in html
    assert "<script" not in html and "https://" not in html.split("<main>")[0]
    assert page.xpath("//a[contains(., 'leads in')]/@href") == [f"/directory/{ROOFERS}"]
    collection = lxml.html.fromstring(directory_client.get(f"/directory/{ROOFERS}").text)
    assert collection.xpath("//a[.='Search report']/@href") == [f"/directory/searches/{ROOFERS}"]


def test_the_report_shows_the_owner_enrichment_found_when_the_profile_has_none(
    directory_client, directory_database_url
):
    # The profile is written from the listing, beside enrichment: "Owner: not known" on
    # the report while the target's lead named its owner (Elektriker in Berlin, walked).
    for search_id in (ROOFERS, DENTISTS):
        report = report_of(directory_client, search_id)
        target = report["target"]
        with engine_for(directory_database_url).connect() as conn:
            lead = conn.execute(
                sa.select(t.leads).where(t.leads.c.place_id == target["placeId"])
            ).one()
        assert (target["ownerName"], target["ownerTitle"], target["email"]) == (
            lead.owner_name,
            lead.owner_title,
            lead.email,
        )
    # A profile that names no owner (the LLM read only the listing) shows the lead's.
    engine = engine_for(directory_database_url)
    intelligence, _ = stored(directory_database_url, DENTISTS)
    owner = report_of(directory_client, DENTISTS)["target"]["ownerName"]
    assert owner, "the dentists' target's lead names its owner"
    profile = intelligence.intelligence
    with engine.begin() as conn:
        conn.execute(
            sa.update(t.ai_intelligence)
            .where(t.ai_intelligence.c.search_id == DENTISTS)
            .values(intelligence={**profile, "owner_name": None, "owner_title": None})
        )
    try:
        html = directory_client.get(f"/directory/searches/{DENTISTS}").text
        shown = lxml.html.fromstring(html).xpath(
            "string(//h2[.='Owner and offer']/following-sibling::dl[1]/dd[1])"
        )
        assert owner in shown and "from its website" in shown and "not known" not in shown
    finally:
        with engine.begin() as conn:
            conn.execute(
                sa.update(t.ai_intelligence)
                .where(t.ai_intelligence.c.search_id == DENTISTS)
                .values(intelligence=profile)
            )
