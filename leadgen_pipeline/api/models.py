"""Request and response bodies of the HTTP API (camelCase on the wire, as the seed's)."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

from leadgen_pipeline.domain.budget import MAX_CAP_USD
from leadgen_pipeline.domain.outbound_webhooks import (
    EVENT_TYPES,
    MAX_DESCRIPTION_CHARS,
    MAX_URL_CHARS,
)
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
    # Ended cleanly before its work was done (a budget); see `stoppedReason`.
    STOPPED = "stopped"


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
    max_cost_usd: float | None = Field(
        default=None,
        gt=0,
        le=MAX_CAP_USD,
        examples=[2.5],
        description="The search's spending cap in USD (Places and LLM calls charged to it, "
        "across every run). Reached, the search stops with status `stopped` (reason "
        "`budget`), keeping what it fetched; triggered again with a higher cap, it resumes. "
        "Each trigger sets the cap; omitted, the search has none.",
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


class SpendTotals(ApiModel):
    """What the spend ledger holds: settled cost (USD), calls, and calls still in flight."""

    run_cost_usd: float = Field(description="This run's calls.")
    run_calls: int
    search_cost_usd: float | None = Field(
        default=None, description="Every call charged to the run's search, in any run."
    )
    search_calls: int | None = None
    search_max_cost_usd: float | None = Field(default=None, description="The search's cap.")
    in_flight: int = Field(description="This run's calls not settled yet.")


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
    stopped_reason: Literal["budget"] | None = Field(
        default=None, description="Status `stopped`: why (a spending cap was reached)."
    )
    spend: SpendTotals | None = Field(default=None, description="A run's spend (the ledger).")
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


class TerritoryChange(ApiModel):
    """One change a run of the search observed for one of its places."""

    place_id: str
    name: str | None = Field(description="the place's name, while its prospect is kept")
    kind: Literal["new", "gone", "closed", "reopened", "changed"] = Field(
        description="new: first seen since the search's first run; gone: no longer returned "
        "by a run that covered the whole area; closed / reopened: Google's businessStatus; "
        "changed: a contact field (`field`)."
    )
    field: str | None = Field(description='"phone", "website", "email" or "owner" (changed)')
    before: str | None = Field(
        description="the value before (a status for closed / reopened); null when it had none, "
        "or when retention cleared Google's value"
    )
    after: str | None
    run_id: str = Field(description="the Dagster run that observed it")
    observed_at: UtcDatetime


class ChangeFeed(ApiModel):
    collection_id: str
    since: UtcDatetime | None
    total: int = Field(description="changes in this answer")
    truncated: bool = Field(description="more changes than `limit`: raise it, or narrow `since`")
    changes: list[TerritoryChange]


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
    phone: str | None = Field(description="E.164")
    address: str | None
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2, from Places")
    business_status: str | None
    owner_name: str | None = Field(
        default=None, description="the owner enrichment found (the target's lead), if any"
    )
    owner_title: str | None = None
    email: str | None = Field(default=None, description="the target's lead's email, if any")


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


class ReportSpend(ApiModel):
    cost_usd: float = Field(description="Settled cost in USD, every run of the search.")
    calls: int
    max_cost_usd: float | None = Field(description="The search's cap, if it has one.")
    by_sku: dict[str, dict[str, float]] = Field(
        description='Calls and cost by provider and SKU or model, e.g. "places:Text Search Pro".'
    )


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
    spend: ReportSpend = Field(description="Every billable call charged to the search.")


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


# --- outbound webhooks (api/outbound_webhooks.py) ---

OUTBOUND_EVENTS_TEXT = ", ".join(EVENT_TYPES)


class SubscriptionRequest(RequestModel):
    url: str = Field(
        max_length=MAX_URL_CHARS,
        # An address, not a name: the fuzz tests send the examples, and a name
        # would be looked up in the DNS (a documentation address, refused).
        examples=["https://203.0.113.10/hooks/leadgen"],
        description="Where deliveries are POSTed: http(s), no user name or password, an "
        "address outside the private network (unless the server allows it: "
        "LEADGEN_WEBHOOK_ALLOWED_HOSTS), port 80 or 443.",
    )
    events: list[Annotated[str, StringConstraints(max_length=40)]] = Field(
        min_length=1,
        max_length=len(EVENT_TYPES),
        examples=[["lead.created", "lead.updated"]],
        description=f"The event types to receive: {OUTBOUND_EVENTS_TEXT}.",
    )
    secret: str | None = Field(
        default=None,
        max_length=200,
        description="The signing secret, whsec_<base64 of 24 to 64 random bytes>; "
        "generated when left out. Shown in this answer only.",
    )
    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION_CHARS)


class Subscription(ApiModel):
    id: str
    url: str
    events: list[str]
    description: str | None = None
    created_at: UtcDatetime


class SubscriptionCreated(Subscription):
    secret: str = Field(
        description="Verify every delivery's webhook-signature with it. Shown this once: "
        "no listing shows it again."
    )


class SubscriptionList(ApiModel):
    subscriptions: list[Subscription]


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"
    CANCELLED = "cancelled"


class Delivery(ApiModel):
    id: str
    event_id: str = Field(description="The webhook-id header: the same on every attempt.")
    event_type: str
    subscription_id: str
    url: str
    status: DeliveryStatus
    attempts: int = Field(description="Attempts since it was created or last replayed.")
    next_attempt_at: UtcDatetime | None = None
    last_attempt_at: UtcDatetime | None = None
    last_status_code: int | None = None
    last_error: str | None = None
    delivered_at: UtcDatetime | None = None
    dead_at: UtcDatetime | None = None
    created_at: UtcDatetime


class DeliveryList(ApiModel):
    deliveries: list[Delivery]


class ReplayResponse(ApiModel):
    id: str
    status: DeliveryStatus
