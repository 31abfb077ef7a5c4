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


class TriggerRequest(RequestModel):
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
    steps: SearchSteps | None = None
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
    source: str = Field(description='"places_search", "website:<method>", "llm:..."')
    url: str | None = Field(description="the page it was found on")
    detail: str | None = Field(description="an owner's title; why an email is another's")
    type: str | None = Field(description="a phone's line type; a profile's holder")
    signals: dict[str, Any] | None = Field(
        description="an email's deliverability: syntax_valid, mail_domain, role_account, "
        "free_mail, disposable, deliverable (yes | no | unknown)"
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
    contacts: list[LeadContact] = []


class LeadPage(ApiModel):
    collection: Collection
    page: int
    page_size: int
    total: int
    total_pages: int
    sort: str
    leads: list[Lead]
