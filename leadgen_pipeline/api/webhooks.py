"""Webhook events from other systems (a CRM, a form): verified, stored once, answered fast.

The endpoint only checks and stores; `webhook_events_sensor` acts on stored
events, so a slow database write or a Dagster outage never makes the sender
time out and retry. An event is stored once per event id, whichever source
path it arrives on; its signature covers its timestamp, its source and its
body (see `security`).
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request, status
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool

from leadgen_pipeline.api.guards import WEBHOOK_PATH_PREFIX
from leadgen_pipeline.api.idempotency import IdempotencyKey, Outcome, idempotent
from leadgen_pipeline.api.models import (
    ErrorBody,
    ReenrichRequestedData,
    SearchRequestedData,
    WebhookAccepted,
    WebhookEvent,
    WebhookEventType,
)
from leadgen_pipeline.api.orchestration import engine_of
from leadgen_pipeline.api.security import (
    SIGNATURE_HEADER,
    SIGNATURE_SCHEME,
    TIMESTAMP_HEADER,
    ApiError,
    settings_of,
    verify_webhook_signature,
)
from leadgen_pipeline.api.settings import ApiSettings
from leadgen_pipeline.domain.search_request import InvalidSearchRequest, parse_search_request
from leadgen_pipeline.monitoring.events import OrchestrationEvent, log_event
from leadgen_pipeline.storage import webhook_store

SOURCE_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
DATA_MODELS = {
    WebhookEventType.SEARCH_REQUESTED: SearchRequestedData,
    WebhookEventType.PROSPECT_REENRICH_REQUESTED: ReenrichRequestedData,
}

router = APIRouter(prefix=WEBHOOK_PATH_PREFIX.rstrip("/"), tags=["webhooks"])


def validation_details(error: ValidationError, prefix: str) -> list[dict[str, str]]:
    return [
        {"field": ".".join([prefix, *map(str, e["loc"])]).strip("."), "message": e["msg"]}
        for e in error.errors()
    ]


def parse_event(body: bytes) -> tuple[WebhookEvent, dict[str, Any]]:
    """The event and its data, normalised; raises ApiError(422) with what is wrong."""
    try:
        # JSON mode: strict types as JSON spells them (an event type is a string).
        event = WebhookEvent.model_validate_json(body)
    except ValidationError as error:
        details = [d for d in validation_details(error, "") if d["field"]]
        raise ApiError(
            422, "invalid_event", "the body is not a valid event", details or None
        ) from None
    try:
        data = DATA_MODELS[event.type].model_validate(event.data)
    except ValidationError as error:
        raise ApiError(
            422, "invalid_event", "the event's data is not valid", validation_details(error, "data")
        ) from None
    if isinstance(data, SearchRequestedData):
        try:
            parse_search_request(data.keyword, data.location, data.target_business, data.coverage)
        except InvalidSearchRequest as error:
            raise ApiError(422, "invalid_search_request", str(error)) from None
    return event, data.model_dump(by_alias=True)


@router.post(
    "/{source}",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=WebhookAccepted,
    responses={
        200: {"model": WebhookAccepted, "description": "Already stored: a replay, ignored."},
        401: {"model": ErrorBody, "description": "Missing or wrong signature."},
        413: {"model": ErrorBody},
        422: {"model": ErrorBody},
        503: {"model": ErrorBody, "description": "LEADGEN_WEBHOOK_SECRET is not set."},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": WebhookEvent.model_json_schema()}},
        }
    },
    summary="Accept a signed event: search.requested or prospect.reenrich_requested",
)
async def receive_webhook(
    request: Request,
    source: Annotated[str, Path(pattern=SOURCE_PATTERN, description="Who sends, e.g. hubspot.")],
    settings: Annotated[ApiSettings, Depends(settings_of)],
    engine: Annotated[Engine, Depends(engine_of)],
    signature: Annotated[
        str | None, Header(alias=SIGNATURE_HEADER, description=SIGNATURE_SCHEME)
    ] = None,
    timestamp: Annotated[
        str | None, Header(alias=TIMESTAMP_HEADER, description="Unix time of sending, seconds.")
    ] = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    body = await request.body()  # at most the request guard's cap
    verify_webhook_signature(settings, source, body, timestamp, signature)
    event, data = parse_event(body)
    return await run_in_threadpool(
        idempotent,
        engine,
        idempotency_key,
        f"POST {WEBHOOK_PATH_PREFIX}{source}",
        body,
        lambda: store_event(engine, source, event, data),
    )


def store_event(engine: Engine, source: str, event: WebhookEvent, data: dict[str, Any]) -> Outcome:
    payload = {"id": event.id, "type": event.type.value, "data": data}
    stored = webhook_store.store_webhook_event(engine, source, event.id, event.type.value, payload)
    log_event(
        OrchestrationEvent.WEBHOOK_RECEIVED,
        source=source,
        event_id=event.id,
        event_type=event.type.value,
        duplicate=not stored,
    )
    return (
        status.HTTP_202_ACCEPTED if stored else status.HTTP_200_OK,
        WebhookAccepted(event_id=event.id, duplicate=not stored),
    )
