"""The seed's four orchestration endpoints, on top of Dagster.

A job is a Dagster run (its id is the run id), except an enrichment batch,
which is a set of queued prospects that the enrichment sensor turns into runs;
its id is a UUID of ours.
"""

import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, status
from fastapi.responses import JSONResponse, Response
from sqlalchemy.engine import Connection, Engine, Row

from leadgen_pipeline.api.idempotency import IdempotencyKey, Outcome, idempotent
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
    SpendTotals,
    StepState,
    TriggerRequest,
    TriggerResponse,
)
from leadgen_pipeline.api.security import ApiError, require_api_token, settings_of
from leadgen_pipeline.api.settings import ApiSettings
from leadgen_pipeline.api.status_cache import StatusCache
from leadgen_pipeline.clients.dagster_graphql import (
    IN_PROGRESS_RUN_STATUSES,
    RETRYABLE_RUN_STATUSES,
    DagsterClient,
    OrchestratorUnavailable,
    RunDetails,
    RunNotRetryable,
    RunSummary,
)
from leadgen_pipeline.domain.search_request import (
    DEFAULT_COVERAGE,
    InvalidSearchRequest,
    SearchRequest,
    parse_search_request,
)
from leadgen_pipeline.monitoring.events import OrchestrationEvent, log_event
from leadgen_pipeline.search.jobs import search_job
from leadgen_pipeline.search.tags import SEARCH_ID_TAG, SEARCH_RUN_TAG, STOPPED_TAG
from leadgen_pipeline.steps import search_partitions
from leadgen_pipeline.storage import (
    job_store,
    prospect_store,
    queue_store,
    search_store,
    spend_store,
)
from leadgen_pipeline.storage.base import as_utc, utcnow
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline.storage.job_store import JOB_KIND_ENRICHMENT_BATCH, failures_of_runs
from leadgen_pipeline.storage.locks import exclusive

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
    413: {"model": ErrorBody, "description": "The body is over the size limit."},
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


def fresh_success(search: Row | None, fresh_for: timedelta) -> bool:
    searched_at = as_utc(search.last_searched_at) if search else None
    return searched_at is not None and searched_at >= utcnow() - fresh_for


def same_request(search: Row | None, request: SearchRequest) -> bool:
    """Whether the stored search was asked for this target (any case) and coverage."""
    stored_target = search.target_business if search else None
    stored_coverage = search.coverage if search else DEFAULT_COVERAGE
    return (stored_target or "").casefold() == (request.target_business or "").casefold() and (
        stored_coverage == request.coverage
    )


def reused_run(search_id: str, run: RunSummary) -> Outcome:
    log_event(OrchestrationEvent.SEARCH_START, search_id=search_id, run_id=run.run_id, reused=True)
    return status.HTTP_200_OK, TriggerResponse(
        job_id=run.run_id, search_id=search_id, status=run_state(run.status), reused=True
    )


def trigger(
    body: TriggerRequest, settings: ApiSettings, engine: Engine, dagster: DagsterClient
) -> Outcome:
    """Launch the search, or answer with its run that is still going or fresh enough.

    One trigger per search at a time (a lock across API processes): of identical
    triggers sent at once, the first launches and the others get its run.
    """
    try:
        search = parse_search_request(
            body.keyword, body.location, body.target_business, body.coverage, body.max_cost_usd
        )
    except InvalidSearchRequest as error:
        raise ApiError(422, "invalid_search_request", str(error)) from None
    search_id = search.partition_key
    with exclusive(engine, f"search-launch:{search_id}"):
        latest = dagster.latest_partition_run(search_job.name, search_id)
        with engine.connect() as conn:
            stored = search_store.get_search(conn, search_id)
        if latest is not None and latest.status in IN_PROGRESS_RUN_STATUSES:
            if stored is not None and not same_request(stored, search):
                raise ApiError(
                    409,
                    "search_in_progress",
                    f"run {latest.run_id} of this search, for the target "
                    f"{stored.target_business or 'the top result'!r} with {stored.coverage} "
                    "coverage, is still going: trigger again once it has finished",
                )
            # Even with force: two runs of one search at once would race on its rows.
            return reused_run(search_id, latest)
        if (
            not body.force
            and latest is not None
            and latest.status == "SUCCESS"
            and same_request(stored, search)
            and fresh_success(stored, timedelta(hours=settings.search_freshness_hours))
        ):
            return reused_run(search_id, latest)
        # Ask Dagster first, so that when it is down nothing is stored.
        dagster.job_location(search_job.name)
        search_store.register_search(
            engine, search, requested_by=REQUESTED_BY, status=LAUNCHED_STATUS
        )
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
    return status.HTTP_202_ACCEPTED, TriggerResponse(
        job_id=run_id, search_id=search_id, status=JobState.PENDING, reused=False
    )


@router.post(
    "/trigger-orchestrator",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=TriggerResponse,
    responses={
        200: {"model": TriggerResponse, "description": "A running or fresh result reused."},
        409: {"model": ErrorBody, "description": "A run for another target is still going."},
    }
    | MUTATION_ERRORS,
    dependencies=[Depends(require_api_token)],
    summary="Run a search (keyword in location), or reuse a running or fresh one",
)
def trigger_orchestrator(
    body: TriggerRequest,
    settings: Settings,
    engine: Database,
    dagster: Dagster,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    return idempotent(
        engine,
        idempotency_key,
        "POST /api/trigger-orchestrator",
        body.model_dump_json().encode(),
        lambda: trigger(body, settings, engine, dagster),
    )


@router.post(
    "/enrich-batch",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=EnrichBatchResponse,
    responses=MUTATION_ERRORS,
    dependencies=[Depends(require_api_token)],
    summary="Queue prospects for enrichment at a priority",
)
def enrich_batch(
    body: EnrichBatchRequest, engine: Database, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    return idempotent(
        engine,
        idempotency_key,
        "POST /api/enrich-batch",
        body.model_dump_json().encode(),
        lambda: queue_batch(body, engine),
    )


def queue_batch(body: EnrichBatchRequest, engine: Engine) -> Outcome:
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
    return status.HTTP_202_ACCEPTED, EnrichBatchResponse(
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


def step_state(run: RunDetails, step_key: str) -> StepState:
    state = STEP_STATES.get(run.step_statuses.get(step_key, ""), StepState.NOT_STARTED)
    # A run that ended (failed, cancelled, or lost its process) leaves no step
    # running: one it never finished failed with it.
    if state is StepState.PROCESSING and run_state(run.status) is JobState.FAILED:
        return StepState.FAILED
    return state


def run_spend(conn: Connection, run_id: str, search_id: str | None) -> SpendTotals:
    """A run's spend, and its search's against the search's cap."""
    ran = spend_store.spend_summary(conn, run_id=run_id)
    totals = SpendTotals(
        run_cost_usd=ran["cost_usd"], run_calls=ran["calls"], in_flight=ran["in_flight"]
    )
    if search_id is not None:
        searched = spend_store.spend_summary(conn, search_id=search_id)
        search = search_store.get_search(conn, search_id)
        totals.search_cost_usd = searched["cost_usd"]
        totals.search_calls = searched["calls"]
        totals.search_max_cost_usd = search.max_cost_usd if search is not None else None
    return totals


def run_status(engine: Engine, run: RunDetails) -> JobStatusResponse:
    """A Dagster run as the status endpoint reports it: a search run with its steps; a
    request_search run with the search it requested and, once launched, that search's run;
    any run with its errors and, if it belongs to a search, the search's counts."""
    steps = None
    if run.job_name == search_job.name:
        steps = SearchSteps(
            **{name: step_state(run, step_key) for name, step_key in SEARCH_STEPS.items()}
        )
    errors = [
        JobError(source="dagster", step=failure.step, message=failure.message)
        for failure in run.step_failures
    ]
    search_id = run.partition_key or run.tags.get(SEARCH_ID_TAG)
    with engine.connect() as conn:
        recorded = failures_of_runs(conn, [run.run_id])
        counts = search_store.search_result_counts(conn, search_id) if search_id else None
        spend = run_spend(conn, run.run_id, search_id)
    errors += [JobError(source="run_failure_sensor", message=f["message"]) for f in recorded]
    stopped = run.tags.get(STOPPED_TAG)
    state = run_state(run.status)
    return JobStatusResponse(
        job_id=run.run_id,
        kind="run",
        status=JobState.STOPPED if stopped and state is JobState.FAILED else state,
        stopped_reason="budget" if stopped == "budget" else None,
        spend=spend,
        dagster_status=run.status,
        job_name=run.job_name,
        parent_job_id=run.parent_run_id,
        search_job_id=run.tags.get(SEARCH_RUN_TAG),
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
async def job_status(job_id: JobId, request: Request) -> Response:
    cache: StatusCache[bytes] = request.app.state.status_cache
    settings: ApiSettings = request.app.state.settings
    dagster: DagsterClient = request.app.state.dagster

    def read() -> bytes:
        status = read_job_status(str(job_id), settings.database_url, dagster)
        return status.model_dump_json(by_alias=True, exclude_none=True).encode()

    # The answer is kept serialised: a poller served from the cache costs the
    # event loop no validation or encoding.
    return Response(await cache.get(str(job_id), read), media_type="application/json")


def read_job_status(job_id: str, database_url: str, dagster: DagsterClient) -> JobStatusResponse:
    engine = engine_for(database_url)
    with engine.connect() as conn:
        job = job_store.get_job(conn, job_id)
    if job is not None and job.kind == JOB_KIND_ENRICHMENT_BATCH:
        return enrichment_batch_status(engine, job)
    run = dagster.run_details(job_id)
    if run is None:
        raise ApiError(404, "not_found", f"no job {job_id}")
    return run_status(engine, run)


@router.post(
    "/orchestration/retry/{job_id}",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=RetryResponse,
    responses={
        200: {"model": RetryResponse, "description": "Its re-execution, already launched."},
        404: {"model": ErrorBody},
        409: {"model": ErrorBody},
    }
    | MUTATION_ERRORS,
    dependencies=[Depends(require_api_token)],
    summary="Re-execute a failed run from its failed steps (once)",
)
def retry_job(
    job_id: JobId, engine: Database, dagster: Dagster, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    return idempotent(
        engine,
        idempotency_key,
        f"POST /api/orchestration/retry/{job_id}",
        b"",
        lambda: retry(str(job_id), engine, dagster),
    )


def retry(job_id: str, engine: Engine, dagster: DagsterClient) -> Outcome:
    """Re-execute a failed run from failure, unless a re-execution of it is running or
    succeeded: that one is the answer. One retry of a run at a time (a lock across API
    processes), so retries sent at once launch one run."""
    with engine.connect() as conn:
        job = job_store.get_job(conn, job_id)
    if job is not None and job.kind == JOB_KIND_ENRICHMENT_BATCH:
        raise ApiError(
            409,
            "not_retryable",
            "an enrichment batch is not a run: failed prospects are retried by the "
            "retry_failed_enrichment schedule, or queue them again with /api/enrich-batch",
        )
    with exclusive(engine, f"retry:{job_id}"):
        run = dagster.run_details(job_id)
        if run is None:
            raise ApiError(404, "not_found", f"no job {job_id}")
        previous = dagster.latest_reexecution(run.run_id)
        if previous is not None and (
            previous.status in IN_PROGRESS_RUN_STATUSES or previous.status == "SUCCESS"
        ):
            return status.HTTP_200_OK, RetryResponse(
                job_id=previous.run_id,
                parent_job_id=run.run_id,
                status=run_state(previous.status),
                reused=True,
            )
        if run.status not in RETRYABLE_RUN_STATUSES:
            raise ApiError(
                409,
                "not_retryable",
                f"the run is {run_state(run.status)}, only a failed run retries",
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
    return status.HTTP_202_ACCEPTED, RetryResponse(
        job_id=new_run_id, parent_job_id=run.run_id, status=JobState.PENDING
    )
