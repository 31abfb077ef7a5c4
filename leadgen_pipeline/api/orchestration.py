"""The seed's four orchestration endpoints, on top of Dagster.

A job is a Dagster run (its id is the run id), except an enrichment batch,
which is a set of queued prospects that the enrichment sensor turns into runs;
its id is a UUID of ours.
"""

import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response, status
from sqlalchemy.engine import Engine, Row

from leadgen_pipeline.api.models import (
    EnrichBatchRequest,
    EnrichBatchResponse,
    ErrorBody,
    JobError,
    JobState,
    JobStatusResponse,
    RetryResponse,
    SearchResults,
    SearchSteps,
    StepState,
    TriggerRequest,
    TriggerResponse,
)
from leadgen_pipeline.api.security import ApiError, require_api_token, settings_of
from leadgen_pipeline.api.settings import ApiSettings
from leadgen_pipeline.clients.dagster_graphql import (
    IN_PROGRESS_RUN_STATUSES,
    RETRYABLE_RUN_STATUSES,
    DagsterClient,
    OrchestratorUnavailable,
    RunDetails,
    RunNotRetryable,
    RunSummary,
)
from leadgen_pipeline.domain.search_request import InvalidSearchRequest, parse_search_request
from leadgen_pipeline.monitoring.events import OrchestrationEvent, log_event
from leadgen_pipeline.search.jobs import search_job
from leadgen_pipeline.steps import search_partitions
from leadgen_pipeline.storage import job_store, prospect_store, queue_store, search_store
from leadgen_pipeline.storage.base import as_utc, utcnow
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline.storage.job_store import JOB_KIND_ENRICHMENT_BATCH, failures_of_runs

REQUESTED_BY = "api"
# A search the API launched itself: the search_requests sensor (which launches
# searches in status "requested") must not launch it a second time.
LAUNCHED_STATUS = "launched"

RUN_STATES = {
    "QUEUED": JobState.PENDING,
    "NOT_STARTED": JobState.PENDING,
    "MANAGED": JobState.PENDING,
    "STARTING": JobState.PENDING,
    "STARTED": JobState.PROCESSING,
    "CANCELING": JobState.PROCESSING,
    "SUCCESS": JobState.COMPLETED,
    "FAILURE": JobState.FAILED,
    "CANCELED": JobState.FAILED,
}
STEP_STATES = {
    "IN_PROGRESS": StepState.PROCESSING,
    "SUCCESS": StepState.COMPLETED,
    "FAILURE": StepState.FAILED,
    "SKIPPED": StepState.SKIPPED,
}
# The seed's step names -> the assets (steps) of the search job that do them.
SEARCH_STEPS = {
    "search": "places_results",
    "ai_intelligence": "ai_intelligence",
    "storage": "prospects",
    "enrichment": "enriched_prospects",
}
ENRICHMENT_DONE = frozenset({"enriched", "failed", "skipped"})

MUTATION_ERRORS: dict[int | str, dict] = {
    401: {"model": ErrorBody, "description": "No bearer token."},
    403: {"model": ErrorBody, "description": "The bearer token is not valid."},
    422: {"model": ErrorBody, "description": "The request is not valid; nothing was stored."},
    503: {"model": ErrorBody, "description": "Dagster is unreachable, or no token is set."},
}

router = APIRouter(prefix="/api", tags=["orchestration"])


def engine_of(settings: Annotated[ApiSettings, Depends(settings_of)]) -> Engine:
    return engine_for(settings.database_url)


def dagster_of(request: Request) -> DagsterClient:
    return request.app.state.dagster


Settings = Annotated[ApiSettings, Depends(settings_of)]
Database = Annotated[Engine, Depends(engine_of)]
Dagster = Annotated[DagsterClient, Depends(dagster_of)]
JobId = Annotated[uuid.UUID, Path(description="A job id: a Dagster run id, or a batch id.")]


def run_state(dagster_status: str) -> JobState:
    return RUN_STATES.get(dagster_status, JobState.PENDING)


def reusable_run(
    engine: Engine, dagster: DagsterClient, search_id: str, fresh_for: timedelta
) -> RunSummary | None:
    """The search's newest run if it is still going, or succeeded on results fresh enough."""
    latest = dagster.latest_partition_run(search_job.name, search_id)
    if latest is None:
        return None
    if latest.status in IN_PROGRESS_RUN_STATUSES:
        return latest
    if latest.status != "SUCCESS":
        return None
    with engine.connect() as conn:
        search = search_store.get_search(conn, search_id)
    searched_at = as_utc(search.last_searched_at) if search else None
    if searched_at is not None and searched_at >= utcnow() - fresh_for:
        return latest
    return None


@router.post(
    "/trigger-orchestrator",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=TriggerResponse,
    responses={200: {"model": TriggerResponse, "description": "A fresh result reused."}}
    | MUTATION_ERRORS,
    dependencies=[Depends(require_api_token)],
    summary="Run a search (keyword in location), or reuse a fresh one",
)
def trigger_orchestrator(
    body: TriggerRequest,
    response: Response,
    settings: Settings,
    engine: Database,
    dagster: Dagster,
) -> TriggerResponse:
    try:
        search = parse_search_request(
            body.keyword, body.location, body.target_business, body.coverage
        )
    except InvalidSearchRequest as error:
        raise ApiError(422, "invalid_search_request", str(error)) from None
    search_id = search.partition_key
    if not body.force:
        fresh_for = timedelta(hours=settings.search_freshness_hours)
        reused = reusable_run(engine, dagster, search_id, fresh_for)
        if reused is not None:
            response.status_code = status.HTTP_200_OK
            log_event(
                OrchestrationEvent.SEARCH_START,
                search_id=search_id,
                run_id=reused.run_id,
                reused=True,
            )
            return TriggerResponse(
                job_id=reused.run_id,
                search_id=search_id,
                status=run_state(reused.status),
                reused=True,
            )
    # Ask Dagster first, so that when it is down nothing is stored.
    dagster.job_location(search_job.name)
    search_store.register_search(engine, search, requested_by=REQUESTED_BY, status=LAUNCHED_STATUS)
    try:
        dagster.add_dynamic_partition(search_job.name, search_partitions.name, search_id)
        run_id = dagster.launch_partition_run(
            search_job.name, search_id, {"leadgen/requested_by": REQUESTED_BY}
        )
    except OrchestratorUnavailable as error:
        search_store.set_search_status(engine, search_id, "failed", f"launch failed: {error}")
        raise
    job_store.record_search_job(engine, run_id, search_id, REQUESTED_BY)
    log_event(OrchestrationEvent.SEARCH_START, search_id=search_id, run_id=run_id, reused=False)
    return TriggerResponse(
        job_id=run_id, search_id=search_id, status=JobState.PENDING, reused=False
    )


@router.post(
    "/enrich-batch",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=EnrichBatchResponse,
    responses=MUTATION_ERRORS,
    dependencies=[Depends(require_api_token)],
    summary="Queue prospects for enrichment at a priority",
)
def enrich_batch(body: EnrichBatchRequest, engine: Database) -> EnrichBatchResponse:
    place_ids = list(dict.fromkeys(body.place_ids))
    with engine.connect() as conn:
        known = prospect_store.known_place_ids(conn, place_ids)
    unknown = [place_id for place_id in place_ids if place_id not in known]
    if not known:
        raise ApiError(
            422, "unknown_place_ids", f"none of the {len(place_ids)} place ids is a known prospect"
        )
    queued_ids = [place_id for place_id in place_ids if place_id in known]
    job_id = str(uuid.uuid4())
    # The batch is recorded first: a failure while queueing leaves a job whose
    # status shows what was not queued, never queued work without a job.
    with engine.begin() as conn:
        job_store.record_enrichment_batch(
            conn, job_id, queued_ids, unknown, body.priority, REQUESTED_BY
        )
    queued = queue_store.enqueue_enrichment(engine, queued_ids, body.priority, REQUESTED_BY, job_id)
    log_event(
        OrchestrationEvent.ENRICHMENT_QUEUED,
        job_id=job_id,
        priority=body.priority,
        queued=queued,
        unknown=len(unknown),
    )
    return EnrichBatchResponse(
        job_id=job_id,
        status=JobState.PENDING,
        priority=body.priority,
        queued_count=queued,
        place_ids=queued_ids,
        unknown_place_ids=unknown,
    )


def batch_state(statuses: Sequence[str]) -> JobState:
    done = sum(1 for s in statuses if s in ENRICHMENT_DONE)
    if statuses and done == len(statuses):
        return JobState.COMPLETED
    if done or "running" in statuses:
        return JobState.PROCESSING
    return JobState.PENDING


def enrichment_batch_status(engine: Engine, job: Row) -> JobStatusResponse:
    with engine.connect() as conn:
        states = prospect_store.enrichment_states(conn, job.place_ids)
    place_statuses = {
        place_id: states[place_id].enrichment_status if place_id in states else "deleted"
        for place_id in job.place_ids
    }
    return JobStatusResponse(
        job_id=job.id,
        kind="enrichment_batch",
        status=batch_state([s for s in place_statuses.values() if s != "deleted"]),
        priority=job.priority,
        place_statuses=place_statuses,
        unknown_place_ids=job.unknown_place_ids,
        errors=[
            JobError(
                source="enrichment",
                place_id=place_id,
                message=states[place_id].enrichment_error or "enrichment failed",
            )
            for place_id, state in place_statuses.items()
            if state == "failed"
        ],
    )


def search_run_status(engine: Engine, run: RunDetails) -> JobStatusResponse:
    steps = SearchSteps(
        **{
            name: STEP_STATES.get(run.step_statuses.get(step_key, ""), StepState.NOT_STARTED)
            for name, step_key in SEARCH_STEPS.items()
        }
    )
    errors = [
        JobError(source="dagster", step=failure.step, message=failure.message)
        for failure in run.step_failures
    ]
    with engine.connect() as conn:
        recorded = failures_of_runs(conn, [run.run_id])
        counts = (
            search_store.search_result_counts(conn, run.partition_key)
            if run.partition_key
            else None
        )
    errors += [JobError(source="run_failure_sensor", message=f["message"]) for f in recorded]
    return JobStatusResponse(
        job_id=run.run_id,
        kind="run",
        status=run_state(run.status),
        dagster_status=run.status,
        job_name=run.job_name,
        parent_job_id=run.parent_run_id,
        steps=steps,
        results=SearchResults(**counts) if counts else None,
        errors=errors,
    )


@router.get(
    "/orchestration/status/{job_id}",
    response_model=JobStatusResponse,
    response_model_exclude_none=True,
    responses={404: {"model": ErrorBody}, 503: {"model": ErrorBody}},
    summary="A job's status, its steps, result counts and errors",
)
def job_status(job_id: JobId, engine: Database, dagster: Dagster) -> JobStatusResponse:
    with engine.connect() as conn:
        job = job_store.get_job(conn, str(job_id))
    if job is not None and job.kind == JOB_KIND_ENRICHMENT_BATCH:
        return enrichment_batch_status(engine, job)
    run = dagster.run_details(str(job_id))
    if run is None:
        raise ApiError(404, "not_found", f"no job {job_id}")
    return search_run_status(engine, run)


@router.post(
    "/orchestration/retry/{job_id}",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=RetryResponse,
    responses={404: {"model": ErrorBody}, 409: {"model": ErrorBody}} | MUTATION_ERRORS,
    dependencies=[Depends(require_api_token)],
    summary="Re-execute a failed run from its failed steps",
)
def retry_job(job_id: JobId, engine: Database, dagster: Dagster) -> RetryResponse:
    with engine.connect() as conn:
        job = job_store.get_job(conn, str(job_id))
    if job is not None and job.kind == JOB_KIND_ENRICHMENT_BATCH:
        raise ApiError(
            409,
            "not_retryable",
            "an enrichment batch is not a run: failed prospects are retried by the "
            "retry_failed_enrichment schedule, or queue them again with /api/enrich-batch",
        )
    run = dagster.run_details(str(job_id))
    if run is None:
        raise ApiError(404, "not_found", f"no job {job_id}")
    if run.status not in RETRYABLE_RUN_STATUSES:
        raise ApiError(
            409, "not_retryable", f"the run is {run_state(run.status)}, only a failed run retries"
        )
    try:
        new_run_id = dagster.reexecute_from_failure(run.run_id)
    except RunNotRetryable as error:
        raise ApiError(409, "not_retryable", str(error)) from None
    job_store.record_search_job(
        engine, new_run_id, run.partition_key, REQUESTED_BY, parent_job_id=run.run_id
    )
    log_event(
        OrchestrationEvent.RETRY_REQUESTED,
        run_id=new_run_id,
        parent_run_id=run.run_id,
        job=run.job_name,
        search_id=run.partition_key,
    )
    return RetryResponse(job_id=new_run_id, parent_job_id=run.run_id, status=JobState.PENDING)
