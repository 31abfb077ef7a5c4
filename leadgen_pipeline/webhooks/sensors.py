"""Webhooks, both ways.

Inbound (`webhook_events_sensor`): act on stored webhook events, each once.
`search.requested` registers the search, which the search_requests sensor then
launches like any other requested search; `prospect.reenrich_requested` queues
the prospects, which the enrichment queue sensor drains. This sensor starts no
run itself: it turns events into the same requests the UI and the API make.

Outbound (`deliver_outbound_webhooks`): send the due deliveries of the events
the pipeline wrote (webhooks/outbound.py), outside every run, so a slow or
failing subscriber never slows or fails the pipeline.
"""

import dagster as dg
from sqlalchemy.engine import Engine, Row

from leadgen_pipeline.domain.search_request import InvalidSearchRequest, parse_search_request
from leadgen_pipeline.domain.webhook_events import WebhookEventType
from leadgen_pipeline.resources import DatabaseResource, OutboundWebhooksResource
from leadgen_pipeline.storage import queue_store, search_store, webhook_store
from leadgen_pipeline.webhooks.outbound import deliver_due

MAX_EVENTS_PER_TICK = 100


def act_on_event(engine: Engine, event: Row) -> tuple[str, str | None]:
    """Do what the event asks; returns (outcome, a note on anything left undone)."""
    data = event.payload["data"]
    requested_by = f"webhook:{event.source}"
    if event.event_type == WebhookEventType.SEARCH_REQUESTED:
        request = parse_search_request(
            data.get("keyword"),
            data.get("location"),
            data.get("targetBusiness"),
            data.get("coverage"),
        )
        search_store.register_search(engine, request, requested_by=requested_by)
        return f"search_requested:{request.partition_key}", None
    if event.event_type == WebhookEventType.PROSPECT_REENRICH_REQUESTED:
        place_ids = list(dict.fromkeys(data["placeIds"]))
        queued = queue_store.enqueue_enrichment(
            engine, place_ids, data.get("priority") or "normal", requested_by
        )
        unknown = len(place_ids) - queued
        note = (
            f"{unknown} of {len(place_ids)} place ids are not known prospects" if unknown else None
        )
        return f"enrichment_queued:{queued}", note
    raise ValueError(f"unknown event type {event.event_type!r}")


@dg.sensor(
    minimum_interval_seconds=10,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Turn stored webhook events into search requests and enrichment queue entries.",
)
def webhook_events_sensor(
    context: dg.SensorEvaluationContext, database: DatabaseResource
) -> dg.SkipReason:
    engine = database.engine
    events = webhook_store.claim_webhook_events(engine, MAX_EVENTS_PER_TICK)
    if not events:
        return dg.SkipReason("no new webhook events")
    outcomes = []
    for event in events:
        try:
            outcome, note = act_on_event(engine, event)
        except (InvalidSearchRequest, ValueError, KeyError, TypeError) as error:
            # The endpoint validated the event, so this is a stored event from
            # an older version, or a rule that changed since: refused for good.
            outcome, note = "rejected", f"{type(error).__name__}: {error}"
        except Exception as error:
            # Recorded rather than raised: the event is claimed, and one bad
            # event must not stop the rest of the tick.
            context.log.exception(f"webhook event {event.source}/{event.event_id} failed")
            outcome, note = "failed", f"{type(error).__name__}: {error}"
        webhook_store.finish_webhook_event(engine, event.source, event.event_id, outcome, note)
        outcomes.append(f"{event.source}/{event.event_id}: {outcome}")
    return dg.SkipReason(f"acted on {len(events)} webhook events: {'; '.join(outcomes)}")


@dg.sensor(
    minimum_interval_seconds=15,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Send due outbound webhook deliveries (signed, retried with backoff, "
    "dead-lettered after the last try); starts no run.",
)
def deliver_outbound_webhooks(
    context: dg.SensorEvaluationContext,
    database: DatabaseResource,
    outbound_webhooks: OutboundWebhooksResource,
) -> dg.SkipReason:
    report = deliver_due(database.engine, outbound_webhooks.sender, outbound_webhooks.settings())
    return dg.SkipReason(f"outbound webhooks: {report}")
