"""Outbound webhooks: subscribing (the API and the CLI), and delivering what is due.

`deliver_due` is one tick of the delivery step, run by the
`deliver_outbound_webhooks` sensor and by `leadgen webhooks deliver`; never by
the pipeline, which only writes events (storage/outbound_webhook_store.py).
One tick sends each subscription's due deliveries in order in a thread of its
own, so a receiver that hangs holds one thread for one timeout, never the
others; once a receiver does not answer at all (a timeout, a refused
connection, a refused address), the rest of its deliveries wait for the next
tick untried: an unreachable receiver costs one attempt per tick. The tick
stops starting attempts once its time budget is spent, so it always ends well
within a sensor's evaluation limit.
"""

import os
import random
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from leadgen_pipeline.clients.web import AddressGuard, BlockedAddress, resolve
from leadgen_pipeline.clients.webhooks import Resolver, WebhookSender, check_subscriber_url
from leadgen_pipeline.domain.outbound_webhooks import (
    MAX_DESCRIPTION_CHARS,
    SECRET_BYTES,
    InvalidSubscription,
    RetryPolicy,
    body_bytes,
    new_secret,
    secret_key,
    signed_headers,
    validate_events,
    validate_url_shape,
)
from leadgen_pipeline.storage import outbound_webhook_store as store
from leadgen_pipeline.storage.base import utcnow
from leadgen_pipeline.storage.outbound_webhook_store import DueDelivery


def subscribe(
    engine: Engine,
    guard: AddressGuard,
    url: str,
    events: Sequence[str],
    secret: str | None = None,
    description: str | None = None,
    resolver: Resolver = resolve,
) -> tuple[dict[str, Any], str]:
    """Check and store a subscription; (the stored subscription, its secret: generated
    unless given, and shown to the caller this once). InvalidSubscription says why not."""
    validate_url_shape(url)
    chosen = validate_events(events)
    if description is not None and len(description) > MAX_DESCRIPTION_CHARS:
        raise InvalidSubscription(f"the description is over {MAX_DESCRIPTION_CHARS} characters")
    if secret is None:
        secret = new_secret(os.urandom(SECRET_BYTES))
    else:
        secret_key(secret)
    try:
        check_subscriber_url(guard, url, resolver)
    except BlockedAddress as error:
        raise InvalidSubscription(f"the URL is refused: {error}") from None
    subscription = store.create_subscription(engine, url, secret, chosen, description)
    return subscription, secret


@dataclass(frozen=True)
class TickReport:
    delivered: int = 0
    retrying: int = 0
    dead: int = 0
    deferred: int = 0  # claimed, then given back untried (time spent, or its receiver failing)

    def __add__(self, other: "TickReport") -> "TickReport":
        return TickReport(
            self.delivered + other.delivered,
            self.retrying + other.retrying,
            self.dead + other.dead,
            self.deferred + other.deferred,
        )

    def __str__(self) -> str:
        return (
            f"{self.delivered} delivered, {self.retrying} to retry, {self.dead} dead, "
            f"{self.deferred} deferred"
        )


@dataclass(frozen=True)
class DeliverySettings:
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    max_per_tick: int = 1000
    max_per_subscription: int = 250
    workers: int = 4
    # No attempt starts after this many seconds of a tick: with the sender's
    # timeouts, a tick ends within budget + connect + read timeout.
    tick_budget_s: float = 20.0


def _deliver_one(
    engine: Engine,
    sender: WebhookSender,
    policy: RetryPolicy,
    delivery: DueDelivery,
    clock: Callable[[], datetime],
    rand: Callable[[], float],
) -> tuple[str, bool]:
    """Send one delivery and record the attempt; (its new status, whether the receiver
    answered at all)."""
    body = body_bytes(delivery.payload)
    # The timestamp is this attempt's, so a receiver's freshness check passes on a retry.
    headers = signed_headers(delivery.secret, delivery.event_id, int(time.time()), body)
    result = sender.send(delivery.url, body, headers)
    now = clock()
    attempt = delivery.attempts + 1
    if result.delivered:
        outcome, next_at = store.DELIVERED, None
    elif policy.is_last(attempt):
        outcome, next_at = store.DEAD, None
    else:
        outcome = store.PENDING
        next_at = now + timedelta(seconds=policy.delay_after(attempt, rand()))
    store.record_attempt(
        engine,
        delivery,
        attempted_at=now,
        status_code=result.status_code,
        error=result.error,
        duration_ms=result.duration_ms,
        outcome=outcome,
        next_attempt_at=next_at,
    )
    return outcome, result.status_code is not None


def deliver_due(
    engine: Engine,
    sender_factory: Callable[[], WebhookSender],
    settings: DeliverySettings = DeliverySettings(),
    now: datetime | None = None,
    rand: Callable[[], float] = random.random,
) -> TickReport:
    """Send the deliveries due at `now` (default: the clock; tests pass a later one to reach
    a retry's time). `sender_factory` gives each subscription's thread a sender of its own
    (a requests session is not shared across threads), closed when the thread is done."""
    moment = now or utcnow()
    clock: Callable[[], datetime] = (lambda: now) if now is not None else utcnow
    # The lease outlives the tick: a claim is released or recorded before it ends,
    # and a process that died mid-tick frees its claims when the lease runs out.
    lease = timedelta(seconds=settings.tick_budget_s + 60)
    claimed = store.claim_due_deliveries(
        engine, moment, settings.max_per_tick, settings.max_per_subscription, lease
    )
    if not claimed:
        return TickReport()
    by_subscription: dict[str, list[DueDelivery]] = defaultdict(list)
    for delivery in claimed:
        by_subscription[delivery.subscription_id].append(delivery)
    stop_at = time.monotonic() + settings.tick_budget_s

    def run(batch: list[DueDelivery]) -> TickReport:
        counts = {store.DELIVERED: 0, store.PENDING: 0, store.DEAD: 0}
        unreachable = False
        with sender_factory() as sender:
            for index, delivery in enumerate(batch):
                if unreachable or time.monotonic() > stop_at:
                    store.release_deliveries(engine, [d.id for d in batch[index:]])
                    return TickReport(*counts.values(), deferred=len(batch) - index)
                outcome, answered = _deliver_one(
                    engine, sender, settings.policy, delivery, clock, rand
                )
                counts[outcome] += 1
                unreachable = not answered
        return TickReport(*counts.values())

    workers = max(1, min(settings.workers, len(by_subscription)))
    with ThreadPoolExecutor(workers, thread_name_prefix="webhook-delivery") as pool:
        reports = list(pool.map(run, by_subscription.values()))
    return sum(reports, TickReport())
