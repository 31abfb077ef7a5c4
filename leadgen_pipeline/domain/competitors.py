"""Choosing a search's target business and measuring it against the field."""

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from statistics import mean, median
from typing import Any

from rapidfuzz import fuzz, utils

from leadgen_pipeline.domain.business_names import name_match
from leadgen_pipeline.domain.places import Prospect

# `name_match` ignores word order, legal forms, accents and extra words ("Joe's
# Plumbing" vs "Joe's Plumbing & Drain LLC", "Mueller Sanitaer" vs "Müller Sanitär
# GmbH"); below this score a named target is not found.
TARGET_MATCH_THRESHOLD = 85.0


@dataclass(frozen=True)
class TargetMatch:
    place_id: str
    name: str
    rank: int
    method: str  # "named" (fuzzy match on the requested name) or "top_ranked"
    score: float | None  # match score 0-100 for "named"
    requested_name: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def choose_target(ranked: Sequence[Prospect], requested_name: str | None) -> TargetMatch | None:
    """The named business if it is among the results, else the best-ranked operating one.

    A named target that matches nothing falls back to the top result, and the
    match says so (method "top_ranked" with the requested name kept).
    """
    if not ranked:
        return None
    if requested_name:
        # The best match; between equals, the one the name accounts for more of, then
        # the best ranked.
        (score, _), index = max(
            ((name_match(requested_name, p.name), -i) for i, p in enumerate(ranked)),
        )
        index = -index
        if score >= TARGET_MATCH_THRESHOLD:
            return TargetMatch(
                ranked[index].place_id,
                ranked[index].name,
                index + 1,
                "named",
                round(score, 1),
                requested_name,
            )
    operating = [
        (rank, p)
        for rank, p in enumerate(ranked, start=1)
        if p.business_status in (None, "OPERATIONAL")
    ]
    rank, top = operating[0] if operating else (1, ranked[0])
    return TargetMatch(top.place_id, top.name, rank, "top_ranked", None, requested_name)


def _percentile_rank(value: float, field: Sequence[float]) -> float:
    """Share of the field (0-1) strictly below `value`."""
    return sum(1 for other in field if other < value) / len(field) if field else 0.0


def competitor_analysis(ranked: Sequence[Prospect], target_place_id: str) -> dict[str, Any]:
    """Figures that place the target among the other results; no opinions, only numbers.

    The LLM writes the prose from these; keeping the arithmetic here makes it
    exact and testable.
    """
    target_rank, target = next(
        (rank, p) for rank, p in enumerate(ranked, start=1) if p.place_id == target_place_id
    )
    others = [p for p in ranked if p.place_id != target_place_id]
    ratings = [p.rating for p in others if p.rating is not None]
    review_counts = [p.user_rating_count for p in others if p.user_rating_count is not None]
    stronger = sorted(
        (p for p in others if (p.rating or 0) > (target.rating or 0)),
        key=lambda p: (-(p.user_rating_count or 0), p.name),
    )
    gaps = []
    if target.rating is not None and ratings and target.rating < mean(ratings):
        gaps.append("rating below the field average")
    if (
        target.user_rating_count is not None
        and review_counts
        and (target.user_rating_count < median(review_counts))
    ):
        gaps.append("fewer reviews than the median competitor")
    if target.rating is None:
        gaps.append("no rating yet")
    if not target.website:
        gaps.append("no website listed")
    if not target.phone_e164:
        gaps.append("no valid phone listed")
    if target.business_status not in (None, "OPERATIONAL"):
        gaps.append(f"listed as {target.business_status}")
    return {
        "target": {
            "place_id": target.place_id,
            "name": target.name,
            "rank": target_rank,
            "rating": target.rating,
            "review_count": target.user_rating_count,
        },
        "field_size": len(ranked),
        "competitors_with_rating": len(ratings),
        "average_rating": round(mean(ratings), 2) if ratings else None,
        "median_review_count": median(review_counts) if review_counts else None,
        "rating_percentile": round(_percentile_rank(target.rating, ratings), 2)
        if target.rating is not None
        else None,
        "review_count_percentile": round(
            _percentile_rank(target.user_rating_count, review_counts), 2
        )
        if target.user_rating_count is not None
        else None,
        "top_competitors": [
            {"name": p.name, "rating": p.rating, "review_count": p.user_rating_count}
            for p in stronger[:5]
        ],
        "gaps": gaps,
    }


def closest_competitors(
    ranked: Sequence[Prospect], target_place_id: str, limit: int = 5
) -> list[dict[str, Any]]:
    """The businesses ranked nearest the target, in rank order: the ones a searcher sees
    beside it. Nearest first when choosing, the one ranked above winning a tie; each with
    its rating and review count, and their differences from the target's."""
    ranks = {p.place_id: rank for rank, p in enumerate(ranked, start=1)}
    if target_place_id not in ranks:
        return []
    target_rank = ranks[target_place_id]
    target = ranked[target_rank - 1]
    nearest = sorted(
        (p for p in ranked if p.place_id != target_place_id),
        key=lambda p: (abs(ranks[p.place_id] - target_rank), ranks[p.place_id]),
    )[:limit]
    return [
        {
            "place_id": p.place_id,
            "name": p.name,
            "rank": ranks[p.place_id],
            "rating": p.rating,
            "review_count": p.user_rating_count,
            "rating_difference": round(p.rating - target.rating, 2)
            if p.rating is not None and target.rating is not None
            else None,
            "review_count_difference": p.user_rating_count - target.user_rating_count
            if p.user_rating_count is not None and target.user_rating_count is not None
            else None,
        }
        for p in sorted(nearest, key=lambda p: ranks[p.place_id])
    ]


# A written gap this close to a computed one (partial match, 0-100) says the same thing.
RESTATED_GAP_SCORE = 90.0


def merged_gaps(computed: Sequence[str], written: Sequence[str]) -> list[str]:
    """The computed gaps, then the LLM's that do not restate one ("No website listed on
    Google" restates "no website listed")."""
    gaps = list(computed)
    for gap in written:
        if not any(
            fuzz.partial_ratio(gap, known, processor=utils.default_process) >= RESTATED_GAP_SCORE
            for known in gaps
        ):
            gaps.append(gap)
    return gaps
