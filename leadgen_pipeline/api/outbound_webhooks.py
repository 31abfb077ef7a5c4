"""Outbound webhooks: who hears about leads and searches, and what was sent to them.

A subscription names a URL and the event types it wants; every delivery to
it is signed with its secret (Standard Webhooks; docs/api.md shows how a
receiver verifies). The secret is in the creation's answer only. Deliveries
that failed their last try are dead: listed with `status=dead`, and sent
again by a replay. Every endpoint here needs the bearer token, reads
included: subscriber URLs may carry a token of the receiver's.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status
from fastapi.responses import JSONResponse
from sqlalchemy.engine import Engine

from leadgen_pipeline.api.idempotency import IdempotencyKey, Outcome, idempotent
from leadgen_pipeline.api.models import (
    DeliveryList,
    DeliveryStatus,
    ErrorBody,
    ReplayResponse,
    SubscriptionCreated,
    SubscriptionList,
    SubscriptionRequest,
)
from leadgen_pipeline.api.orchestration import MUTATION_ERRORS, Database, Settings
from leadgen_pipeline.api.security import ApiError, require_api_token
from leadgen_pipeline.api.settings import ApiSettings
from leadgen_pipeline.clients.web import AddressGuard, parse_allowed_origins
from leadgen_pipeline.domain.outbound_webhooks import InvalidSubscription
from leadgen_pipeline.storage import outbound_webhook_store
from leadgen_pipeline.webhooks.outbound import subscribe

router = APIRouter(
    prefix="/api", tags=["outbound webhooks"], dependencies=[Depends(require_api_token)]
)
SubscriptionId = Annotated[str, Path(pattern=r"^whs_[0-9a-f]{24}$")]
DeliveryId = Annotated[str, Path(pattern=r"^dlv_[0-9a-f]{32}$")]
NOT_FOUND = {404: {"model": ErrorBody}}


def subscriber_guard(settings: ApiSettings) -> AddressGuard:
    return AddressGuard(allowed_origins=parse_allowed_origins(settings.webhook_allowed_hosts))


@router.post(
    "/webhook-subscriptions",
    status_code=status.HTTP_201_CREATED,
    response_model=SubscriptionCreated,
    responses=MUTATION_ERRORS,
    summary="Subscribe a URL to events; the answer holds the signing secret, once",
)
def create_subscription(
    body: SubscriptionRequest,
    settings: Settings,
    engine: Database,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    return idempotent(
        engine,
        idempotency_key,
        "POST /api/webhook-subscriptions",
        body.model_dump_json().encode(),
        lambda: add_subscription(body, settings, engine),
    )


def add_subscription(body: SubscriptionRequest, settings: ApiSettings, engine: Engine) -> Outcome:
    try:
        subscription, secret = subscribe(
            engine,
            subscriber_guard(settings),
            body.url,
            body.events,
            body.secret,
            body.description,
        )
    except InvalidSubscription as error:
        raise ApiError(422, "invalid_subscription", str(error)) from None
    return status.HTTP_201_CREATED, SubscriptionCreated.model_validate(
        subscription | {"secret": secret}
    )


@router.get(
    "/webhook-subscriptions",
    response_model=SubscriptionList,
    response_model_exclude_none=True,
    summary="The subscriptions in force (never their secrets)",
)
def list_subscriptions(engine: Database) -> SubscriptionList:
    with engine.connect() as conn:
        rows = outbound_webhook_store.list_subscriptions(conn)
    return SubscriptionList.model_validate({"subscriptions": rows})


@router.delete(
    "/webhook-subscriptions/{subscription_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=NOT_FOUND,
    summary="Stop a subscription: nothing more is sent, what it was still owed is cancelled",
)
def delete_subscription(subscription_id: SubscriptionId, engine: Database) -> Response:
    if not outbound_webhook_store.remove_subscription(engine, subscription_id):
        raise ApiError(404, "not_found", f"no subscription {subscription_id} in force")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/webhook-deliveries",
    response_model=DeliveryList,
    response_model_exclude_none=True,
    summary="Deliveries, the latest first: status=dead lists the dead letters",
)
def list_deliveries(
    engine: Database,
    delivery_status: Annotated[DeliveryStatus | None, Query(alias="status")] = None,
    subscription_id: Annotated[str | None, Query(alias="subscriptionId", max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> DeliveryList:
    with engine.connect() as conn:
        rows = outbound_webhook_store.list_deliveries(
            conn,
            delivery_status.value if delivery_status else None,
            subscription_id,
            limit,
        )
    return DeliveryList.model_validate({"deliveries": rows})


@router.post(
    "/webhook-deliveries/{delivery_id}/replay",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ReplayResponse,
    responses=NOT_FOUND
    | {409: {"model": ErrorBody, "description": "Not dead, or its subscription was removed."}}
    | MUTATION_ERRORS,
    summary="Send a dead delivery again (a fresh set of attempts, the same webhook-id)",
)
def replay_delivery(
    delivery_id: DeliveryId, engine: Database, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    return idempotent(
        engine,
        idempotency_key,
        f"POST /api/webhook-deliveries/{delivery_id}/replay",
        b"",
        lambda: replay(delivery_id, engine),
    )


def replay(delivery_id: str, engine: Engine) -> Outcome:
    outcome = outbound_webhook_store.replay_delivery(engine, delivery_id)
    if outcome == "not_found":
        raise ApiError(404, "not_found", f"no delivery {delivery_id}")
    if outcome == "not_dead":
        raise ApiError(409, "not_dead", "only a dead delivery is replayed")
    if outcome == "subscription_removed":
        raise ApiError(409, "subscription_removed", "its subscription was removed")
    return status.HTTP_202_ACCEPTED, ReplayResponse(id=delivery_id, status=DeliveryStatus.PENDING)
