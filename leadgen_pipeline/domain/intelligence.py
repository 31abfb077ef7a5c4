"""What the LLM is asked about a target business, and the shape it must answer in."""

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from leadgen_pipeline.domain.places import Prospect

INTELLIGENCE_SCHEMA_NAME = "business_intelligence"


class BusinessIntelligence(BaseModel):
    """Strict JSON schema the LLM answers in (OpenAI structured outputs)."""

    model_config = ConfigDict(extra="forbid", title=INTELLIGENCE_SCHEMA_NAME)

    owner_name: str | None = Field(description="Owner or decision maker, only if known")
    owner_title: str | None = Field(description="Their title, e.g. Owner, Founder")
    products_and_services: list[str] = Field(description="What the business sells")
    summary: str = Field(description="One or two sentences about the business")
    competitive_position: Literal["leader", "contender", "challenger", "laggard"]
    strengths: list[str]
    gaps: list[str] = Field(description="Weaknesses against the competitors listed")
    recommendations: list[str] = Field(description="What the business could do next")
    confidence: Literal["low", "medium", "high"]


SYSTEM_PROMPT = (
    "You are a B2B sales researcher. You profile one local business from the facts "
    "given and what you reliably know. Never invent people: if you do not know the "
    "owner or decision maker, answer null. Base the competitor analysis on the "
    "figures given."
)


def intelligence_prompt(
    target: Prospect, keyword: str, location: str, analysis: dict[str, Any]
) -> str:
    """The user message: the target's listing plus the computed competitor figures."""
    listing = {
        "name": target.name,
        "address": target.formatted_address,
        "category": target.primary_type,
        "website": target.website,
        "phone": target.phone_e164,
        "rating": target.rating,
        "review_count": target.user_rating_count,
        "business_status": target.business_status,
    }
    return (
        f"Search: {keyword} in {location}\n"
        f"Target business: {target.name}\n"
        f"Listing: {json.dumps(listing, sort_keys=True)}\n"
        f"Competitor figures: {json.dumps(analysis, sort_keys=True)}\n"
        "Profile the target business and its position against these competitors."
    )
