"""Webhook events from other systems (a CRM, a form): verified, stored once, answered fast.

The endpoint only checks and stores; `webhook_events_sensor` acts on stored
events, so a slow database write or a Dagster outage never makes the sender
time out and retry.
"""

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request, Response, status
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool

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
    ApiError,
    settings_of,
    verify_webhook_signature,
)
from leadgen_pipeline.api.settings import ApiSettings
from leadgen_pipeline.domain.search_request import InvalidSearchRequest, parse_search_request
from leadgen_pipeline.monitoring.events import OrchestrationEvent, log_event
from leadgen_pipeline.storage import webhook_store

MAX_BODY_BYTES = 64 * 1024
SOURCE_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
DATA_MODELS = {
    WebhookEventType.SEARCH_REQUESTED: SearchRequestedData,
    WebhookEventType.PROSPECT_REENRICH_REQUESTED: ReenrichRequestedData,
}

router = APIRouter(prefix="/api/webhooks", tags=["webhooks"])


def validation_details(error: ValidationError, prefix: str) -> list[dict[str, str]]:
    return [
        {"field": ".".join([prefix, *map(str, e["loc"])]).strip("."), "message": e["msg"]}
        for e in error.errors()
    ]


def parse_event(body: bytes) -> tuple[WebhookEvent, dict[str, Any]]:
    """The event and its data, normalised; raises ApiError(422) with what is wrong."""
    try:
        event = WebhookEvent.model_validate(json.loads(body))
    except (ValueError, UnicodeDecodeError) as error:
        details = validation_details(error, "") if isinstance(error, ValidationError) else None
        raise ApiError(422, "invalid_event", "the body is not a valid event", details) from None
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
    response: Response,
    source: Annotated[str, Path(pattern=SOURCE_PATTERN, description="Who sends, e.g. hubspot.")],
    settings: Annotated[ApiSettings, Depends(settings_of)],
    engine: Annotated[Engine, Depends(engine_of)],
    signature: Annotated[
        str | None,
        Header(alias=SIGNATURE_HEADER, description="sha256=<hex HMAC-SHA256 of the raw body>"),
    ] = None,
) -> WebhookAccepted:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise ApiError(413, "body_too_large", f"events are at most {MAX_BODY_BYTES} bytes")
    verify_webhook_signature(settings, bytes(body), signature)
    event, data = parse_event(bytes(body))
    payload = {"id": event.id, "type": event.type.value, "data": data}
    stored = await run_in_threadpool(
        webhook_store.store_webhook_event, engine, source, event.id, event.type.value, payload
    )
    log_event(
        OrchestrationEvent.WEBHOOK_RECEIVED,
        source=source,
        event_id=event.id,
        event_type=event.type.value,
        duplicate=not stored,
    )
    if not stored:
        response.status_code = status.HTTP_200_OK
    return WebhookAccepted(event_id=event.id, duplicate=not stored)
