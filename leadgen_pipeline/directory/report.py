"""A search's report: its target (and how it was matched), the AI profile, the target's
figures against the field, the gaps and the closest competitors, and the chart's points.

One function serves the API (`GET /api/searches/{id}/report`) and the page
(`/directory/searches/{id}`). The field figures are the ones stored with the
intelligence, which the LLM was given; the chart and the closest competitors read
the search's current ranking.
"""

from typing import Any

from sqlalchemy.engine import Connection

from leadgen_pipeline.directory.chart import ChartPoint
from leadgen_pipeline.domain.competitors import closest_competitors, merged_gaps
from leadgen_pipeline.storage import (
    intelligence_store,
    lead_store,
    prospect_store,
    search_store,
    spend_store,
)
from leadgen_pipeline.storage.base import as_utc

CLOSEST = 5
_FIELD_FIGURES = (
    "field_size",
    "competitors_with_rating",
    "average_rating",
    "median_review_count",
    "rating_percentile",
    "review_count_percentile",
)


def _no_target_message(search: Any) -> str:
    if search.status == "failed":
        return f"the search failed: {search.last_error or 'see its run'}"
    if search.status == "stopped":
        return f"the search {search.last_error or 'stopped'}"
    if search.last_searched_at is None:
        return "the search has not run yet"
    if not search.result_count:
        return "the search found no businesses, so there is no target to profile"
    return "the AI profile of the target is not ready yet"


def search_report(conn: Connection, search_id: str) -> dict[str, Any] | None:
    """The report of a search, or None if there is no such search."""
    search = search_store.get_search(conn, search_id)
    if search is None:
        return None
    intelligence = intelligence_store.get_intelligence(conn, search_id)
    ranked = prospect_store.ranked_search_prospects(conn, search_id)
    report: dict[str, Any] = {
        "search_id": search.id,
        "keyword": search.keyword,
        "location": search.location,
        "text_query": search.text_query,
        "requested_target": search.target_business,
        "status": search.status,
        "searched_at": as_utc(search.last_searched_at),
        "result_count": len(ranked),
        "result_capped": bool(search.result_capped),
        "collection_id": search.id if lead_store.get_collection(conn, search.id) else None,
        "message": None,
        "target": None,
        "profile": None,
        "field": None,
        "gaps": [],
        "closest_competitors": [],
        "businesses": [
            {
                "place_id": p.place_id,
                "name": p.name,
                "rank": rank,
                "rating": p.rating,
                "review_count": p.user_rating_count,
            }
            for rank, p in enumerate(ranked, start=1)
        ],
        "model": None,
        "cost_usd": None,
        "generated_at": None,
        "spend": {
            **spend_store.spend_summary(conn, search_id=search_id),
            "max_cost_usd": search.max_cost_usd,
        },
    }
    if intelligence is None:
        report["message"] = _no_target_message(search)
        return report
    analysis = intelligence.competitor_analysis
    match = intelligence.target_match
    listing = next((p for p in ranked if p.place_id == intelligence.target_place_id), None)
    target = analysis["target"]
    # The profile is written beside enrichment, from the listing: the owner and email the
    # enrichment found on the target's website are the lead's.
    lead = lead_store.get_lead(conn, intelligence.target_place_id) or {}
    report["target"] = {
        "place_id": intelligence.target_place_id,
        "name": target["name"],
        "rank": target["rank"],
        "rating": target["rating"],
        "review_count": target["review_count"],
        "match_method": match["method"],
        "match_score": match.get("score"),
        "requested_name": match.get("requested_name"),
        "website": listing.website if listing else None,
        "phone": listing.phone_e164 if listing else None,
        "address": listing.formatted_address if listing else None,
        "country": listing.country_code if listing else None,
        "business_status": listing.business_status if listing else None,
        "owner_name": lead.get("owner_name"),
        "owner_title": lead.get("owner_title"),
        "email": lead.get("email"),
    }
    report["profile"] = dict(intelligence.intelligence)
    report["field"] = {name: analysis.get(name) for name in _FIELD_FIGURES}
    report["gaps"] = merged_gaps(analysis["gaps"], intelligence.intelligence.get("gaps", []))
    report["closest_competitors"] = closest_competitors(
        ranked, intelligence.target_place_id, CLOSEST
    )
    report["model"] = intelligence.model
    report["cost_usd"] = intelligence.cost_usd
    report["generated_at"] = as_utc(intelligence.created_at)
    return report


def chart_points(report: dict[str, Any]) -> tuple[list[ChartPoint], int]:
    """The businesses with a rating as chart points (target and closest marked), and how
    many have none."""
    target = report["target"]["place_id"] if report["target"] else None
    closest = {c["place_id"] for c in report["closest_competitors"]}
    points = [
        ChartPoint(
            b["name"],
            b["rank"],
            b["rating"],
            b["review_count"] or 0,
            "target"
            if b["place_id"] == target
            else "closest"
            if b["place_id"] in closest
            else "other",
        )
        for b in report["businesses"]
        if b["rating"] is not None
    ]
    return points, len(report["businesses"]) - len(points)
