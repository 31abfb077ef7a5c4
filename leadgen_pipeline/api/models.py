"""Request and response bodies of the HTTP API (camelCase on the wire, as the seed's)."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

from leadgen_pipeline.domain.places import PLACE_ID_PATTERN
from leadgen_pipeline.domain.search_request import (
    MAX_KEYWORD_CHARS,
    MAX_LOCATION_CHARS,
    MAX_TARGET_CHARS,
)
from leadgen_pipeline.domain.webhook_events import WebhookEventType
from leadgen_pipeline.storage.base import as_utc

MAX_BATCH_PLACE_IDS = 1000

PlaceId = Annotated[str, StringConstraints(pattern=PLACE_ID_PATTERN)]
Priority = Literal["high", "normal", "low"]
# SQLite returns timestamps without their zone; they were written in UTC.
UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]
SEARCH_TEXT_RULES = (
    "Letters, digits, spaces and . , ' & ( ) / # + : - only; at most {limit} characters "
    "once runs of spaces are collapsed."
)


class ApiModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class RequestModel(ApiModel):
    """A body a client sends: its fields exactly, each of its own type ("yes" is not true)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class JobState(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"


class StepState(StrEnum):
    NOT_STARTED = "not_started"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    SKIPPED = "skipped"


class ErrorBody(ApiModel):
    error: str = Field(description="A stable code, e.g. invalid_request, not_found.")
    message: str
    details: list[dict[str, str]] | None = None


class SearchTextRequest(RequestModel):
    """What a search is: a keyword in a location."""

    keyword: str = Field(
        max_length=1000,
        examples=["plumber"],
        description=SEARCH_TEXT_RULES.format(limit=MAX_KEYWORD_CHARS),
    )
    location: str = Field(
        max_length=1000,
        examples=["Austin, TX"],
        description=SEARCH_TEXT_RULES.format(limit=MAX_LOCATION_CHARS),
    )


class TriggerRequest(SearchTextRequest):
    target_business: str | None = Field(
        default=None,
        max_length=1000,
        description="The business to profile (default: the top result). "
        + SEARCH_TEXT_RULES.format(limit=MAX_TARGET_CHARS),
    )
    coverage: Literal["full", "top"] = Field(
        default="full",
        description="full: every business in the area, past the 60-result cap of one Places "
        "query (the area is tiled); top: the single query's 60 most relevant.",
    )
    force: bool = Field(default=False, description="Run again even if a fresh result exists.")


class TriggerResponse(ApiModel):
    job_id: str = Field(description="The Dagster run id.")
    search_id: str
    status: JobState
    reused: bool = Field(description="True: a fresh or running result was returned, no new run.")


class EnrichBatchRequest(RequestModel):
    place_ids: list[PlaceId] = Field(min_length=1, max_length=MAX_BATCH_PLACE_IDS)
    priority: Priority = "normal"


class EnrichBatchResponse(ApiModel):
    job_id: str
    status: JobState
    priority: Priority
    queued_count: int
    place_ids: list[str] = Field(description="The known place ids, now queued.")
    unknown_place_ids: list[str] = Field(description="Place ids that are not prospects.")


class SearchSteps(ApiModel):
    search: StepState
    ai_intelligence: StepState
    storage: StepState
    enrichment: StepState


class SearchResults(ApiModel):
    search_id: str | None
    lead_id: str | None = Field(description="The target business's place id, if it is a lead.")
    prospect_count: int
    enriched_count: int


class JobError(ApiModel):
    source: Literal["dagster", "run_failure_sensor", "enrichment"]
    message: str
    step: str | None = None
    place_id: str | None = None


class JobStatusResponse(ApiModel):
    job_id: str
    kind: Literal["run", "enrichment_batch"] = Field(
        description="run: a Dagster run (a search, a retry); enrichment_batch: /api/enrich-batch."
    )
    status: JobState
    dagster_status: str | None = None
    job_name: str | None = None
    parent_job_id: str | None = None
    search_job_id: str | None = Field(
        default=None,
        description="A request_search run: the search run it caused, once the sensor launched it.",
    )
    steps: SearchSteps | None = Field(default=None, description="A search run's steps.")
    results: SearchResults | None = None
    priority: Priority | None = None
    place_statuses: dict[str, str] | None = Field(
        default=None, description="Enrichment batch: each known place id's enrichment status."
    )
    unknown_place_ids: list[str] | None = None
    errors: list[JobError] = []


class RetryResponse(ApiModel):
    job_id: str = Field(description="The re-execution's run id.")
    parent_job_id: str
    status: JobState
    reused: bool = Field(
        default=False,
        description="True: a re-execution of this job was already running (or succeeded) "
        "and is returned; no new run.",
    )


class WebhookEvent(RequestModel):
    id: str = Field(min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$")
    type: WebhookEventType
    data: dict


class SearchRequestedData(RequestModel):
    keyword: str = Field(max_length=1000)
    location: str = Field(max_length=1000)
    target_business: str | None = Field(default=None, max_length=1000)
    coverage: Literal["full", "top"] = "full"


class ReenrichRequestedData(RequestModel):
    place_ids: list[PlaceId] = Field(min_length=1, max_length=MAX_BATCH_PLACE_IDS)
    priority: Priority = "normal"


class WebhookAccepted(ApiModel):
    event_id: str
    duplicate: bool = Field(description="True: this event was already stored; nothing changed.")


class Collection(ApiModel):
    id: str
    keyword: str
    location: str
    lead_count: int
    with_email: int
    with_phone: int
    with_owner: int
    with_website: int
    average_rating: float | None
    average_quality: float | None
    updated_at: UtcDatetime


class CollectionList(ApiModel):
    total: int
    collections: list[Collection]


class LeadContact(ApiModel):
    """One contact value of a lead, with its type, provenance and signals."""

    kind: str = Field(description='"email", "other_email", "phone", "owner", "social:<network>"')
    value: str
    source: str = Field(
        description='Where it was found: "places_search", "place_details", "website:<method>", '
        '"llm:website_extraction", "llm:business_intelligence"'
    )
    url: str | None = Field(description="the page it was found on")
    detail: str | None = Field(description="an owner's title; why an email is another's")
    type: str | None = Field(description="a phone's line type; a profile's holder")
    signals: dict[str, Any] | None = Field(
        description="an email's deliverability: syntax_valid, mail_domain, role_account, "
        "free_mail, disposable, deliverable (yes | no | unknown)"
    )
    chosen: bool = Field(
        default=False, description="True: the lead's own value of this kind (its email, ...)."
    )


class Lead(ApiModel):
    place_id: str
    rank: int
    name: str
    phone: str | None
    email: str | None
    website: str | None
    owner_name: str | None
    owner_title: str | None
    quality_score: int
    rating: float | None
    review_count: int | None
    address: str | None
    socials: dict[str, str]
    is_target: bool
    country: str | None = None
    email_deliverable: str | None = None
    contacts: list[LeadContact] = Field(
        default=[], description="Every value found for it, with its provenance."
    )


class LeadPage(ApiModel):
    collection: Collection
    page: int
    page_size: int
    total: int
    total_pages: int
    sort: str
    leads: list[Lead]


class ReportTarget(ApiModel):
    place_id: str
    name: str
    rank: int
    rating: float | None
    review_count: int | None
    match_method: Literal["named", "top_ranked"] = Field(
        description="named: the requested business, matched by name; top_ranked: the best-"
        "ranked operating result (none was named, or the named one was not found)."
    )
    match_score: float | None = Field(description="Name match score 0-100 (named only).")
    requested_name: str | None
    website: str | None
    phone: str | None
    address: str | None
    business_status: str | None


class ReportProfile(ApiModel):
    """The LLM's profile of the target (a strict JSON schema)."""

    owner_name: str | None
    owner_title: str | None
    products_and_services: list[str]
    summary: str
    competitive_position: Literal["leader", "contender", "challenger", "laggard"]
    strengths: list[str]
    gaps: list[str]
    recommendations: list[str]
    confidence: Literal["low", "medium", "high"]


class ReportField(ApiModel):
    """The target against the other results: figures computed, not written by the LLM."""

    field_size: int
    competitors_with_rating: int
    average_rating: float | None
    median_review_count: float | None
    rating_percentile: float | None = Field(description="Share of rated competitors below it.")
    review_count_percentile: float | None


class ReportCompetitor(ApiModel):
    place_id: str
    name: str
    rank: int
    rating: float | None
    review_count: int | None
    rating_difference: float | None = Field(description="Its rating minus the target's.")
    review_count_difference: int | None = Field(description="Its reviews minus the target's.")


class ReportBusiness(ApiModel):
    place_id: str
    name: str
    rank: int
    rating: float | None
    review_count: int | None


class SearchReport(ApiModel):
    search_id: str
    keyword: str
    location: str
    text_query: str
    requested_target: str | None
    status: str
    searched_at: UtcDatetime | None
    result_count: int
    result_capped: bool
    collection_id: str | None = Field(description="Its directory collection, once it has one.")
    message: str | None = Field(description="Why there is no target yet, if there is none.")
    target: ReportTarget | None
    profile: ReportProfile | None
    field: ReportField | None
    gaps: list[str] = Field(
        description="The target's gaps: the computed ones, then the LLM's that add to them."
    )
    closest_competitors: list[ReportCompetitor] = Field(
        description="The businesses ranked nearest the target, in rank order."
    )
    businesses: list[ReportBusiness] = Field(description="Every result, in rank order.")
    model: str | None
    cost_usd: float | None = Field(description="What the LLM profile cost.")
    generated_at: UtcDatetime | None


class QuoteRequest(SearchTextRequest):
    coverage: Literal["full", "top"] = Field(
        default="full", description="As for /api/trigger-orchestrator."
    )
    probe: bool = Field(
        default=False,
        description="For a search never run: count its places with an IDs-only Text Search "
        "(billed $0, but up to 3 requests of Places quota). Needs the Places key in the "
        "API's environment.",
    )


class QuoteRange(ApiModel):
    expected: float
    low: float
    high: float


class QuoteInput(QuoteRange):
    source: str = Field(description="history, plan, probe or default (docs/operations.md).")
    note: str | None = None


class QuoteRequests(ApiModel):
    text_search: dict[str, QuoteRange] = Field(
        description="Billed Text Search requests: locate (the location look-up), area (the "
        "whole-area query's pages), tiles."
    )
    place_details: QuoteRange
    llm: dict[str, QuoteRange] = Field(description="LLM calls: intelligence, extraction.")


class QuoteProbe(ApiModel):
    requests: int = Field(description="Text Search requests the probe made (Places quota).")
    sku: str
    cost_usd: float
    places: int
    saturated: bool = Field(description="True: the probe reached the cap of 60.")


class QuoteResponse(ApiModel):
    search_id: str
    text_query: str
    coverage: str
    cost_usd: QuoteRange = Field(description="USD at list price: expected, low and high.")
    cost_by_part_usd: dict[str, QuoteRange] = Field(
        description="places_search, place_details, llm."
    )
    requests: QuoteRequests
    requests_by_sku: dict[str, int] = Field(description="Expected billed requests by SKU.")
    llm_model: str
    llm_tokens: QuoteRange
    places: QuoteRange = Field(description="Places the run's queries will list.")
    prospects_enriched: QuoteRange
    inputs: dict[str, QuoteInput] = Field(description="What the quote assumed, and from where.")
    probe: QuoteProbe | None
    notes: list[str]
