"""Outbound webhooks, as rules: event ids and bodies, Standard Webhooks signatures, retries.

What a subscriber receives follows the Standard Webhooks specification
(standardwebhooks.com): a JSON body `{"type", "timestamp", "data"}` and the
headers `webhook-id` (the event id, the same on every retry: the receiver's
idempotency key), `webhook-timestamp` (unix seconds of this attempt) and
`webhook-signature` (`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed
by the base64-decoded part of the `whsec_...` secret).

Event ids are derived from what happened (a lead and its version, a search
and its run, a budget and its period), so writing the same event twice, from
a re-run or a retried step, stores it once.
"""

import base64
import binascii
import hashlib
import hmac
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit


class OutboundEventType(StrEnum):
    LEAD_CREATED = "lead.created"
    LEAD_UPDATED = "lead.updated"
    SEARCH_COMPLETED = "search.completed"
    SEARCH_FAILED = "search.failed"
    BUDGET_REACHED = "budget.reached"


EVENT_TYPES = tuple(e.value for e in OutboundEventType)
SECRET_PREFIX = "whsec_"
# Standard Webhooks: a secret of 24 to 64 random bytes; ours are 32.
SECRET_BYTES = 32
MIN_SECRET_BYTES, MAX_SECRET_BYTES = 24, 64
MAX_URL_CHARS = 2048
MAX_DESCRIPTION_CHARS = 500
SIGNATURE_VERSION = "v1"
# How far a webhook-timestamp may be from the receiver's clock (the spec's suggestion).
TIMESTAMP_TOLERANCE_SECONDS = 300


class InvalidSubscription(ValueError):
    """A subscription that cannot be accepted: why, in one line."""


@dataclass(frozen=True)
class OutboundEvent:
    event_id: str
    event_type: OutboundEventType
    payload: dict[str, Any]  # the body, {"type", "timestamp", "data"}
    occurred_at: datetime


def _digest_id(prefix: str, *parts: str) -> str:
    # NUL cannot occur in any part, so ("a", "bc") and ("ab", "c") differ.
    return prefix + hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def event_id(event_type: OutboundEventType, *key: str) -> str:
    """`evt_<32 hex>` from the event type and what identifies the happening."""
    return _digest_id("evt_", event_type.value, *key)


def delivery_id(event: str, subscription_id: str) -> str:
    """One delivery per event and subscription, so inserting it twice is a no-op."""
    return _digest_id("dlv_", event, subscription_id)


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def build_event(
    event_type: OutboundEventType,
    key: Sequence[str],
    data: Mapping[str, Any],
    occurred_at: datetime,
) -> OutboundEvent:
    payload = {"type": event_type.value, "timestamp": _iso(occurred_at), "data": dict(data)}
    return OutboundEvent(event_id(event_type, *key), event_type, payload, occurred_at)


# --- leads ---

# A lead's columns a CRM sees, by their name on the wire. A change in any of
# them is a new version (lead.updated); bookkeeping (updated_at, provenance,
# score reasons) is not.
LEAD_FIELDS = {
    "name": "name",
    "phone_e164": "phone",
    "email": "email",
    "email_deliverable": "emailDeliverable",
    "website": "website",
    "owner_name": "ownerName",
    "owner_title": "ownerTitle",
    "socials": "socials",
    "quality_score": "qualityScore",
    "country_code": "countryCode",
    "is_target": "isTarget",
}


def changed_lead_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The wire names of the fields whose value differs, in LEAD_FIELDS order."""
    return [wire for column, wire in LEAD_FIELDS.items() if before.get(column) != after.get(column)]


def lead_data(row: Mapping[str, Any], version: int, search_id: str) -> dict[str, Any]:
    data = {
        "placeId": row["place_id"],
        "version": version,
        "searchId": search_id,
        "originSearchId": row.get("origin_search_id") or search_id,
    }
    return data | {wire: row.get(column) for column, wire in LEAD_FIELDS.items()}


@dataclass(frozen=True)
class LeadChanges:
    """What an upsert of leads does: each lead's version, and the events to tell."""

    versions: dict[str, int]
    events: list[OutboundEvent]

    def count(self, event_type: OutboundEventType) -> int:
        return sum(1 for e in self.events if e.event_type == event_type)


def lead_changes(
    search_id: str,
    stored: Mapping[str, Mapping[str, Any]],
    rows: Iterable[Mapping[str, Any]],
    occurred_at: datetime,
) -> LeadChanges:
    """Versions and events for lead rows about to be written over the `stored` ones (by
    place id): a new lead is version 1 (lead.created), a changed one the next version
    (lead.updated, naming what changed), an unchanged one keeps its version, silently.
    A stored row's is_target stays true (the upsert keeps it), so it is compared so."""
    versions: dict[str, int] = {}
    events: list[OutboundEvent] = []
    for row in rows:
        place_id = row["place_id"]
        before = stored.get(place_id)
        if before is None:
            versions[place_id] = 1
            data = lead_data(row, 1, search_id)
            events.append(
                build_event(OutboundEventType.LEAD_CREATED, (place_id, "1"), data, occurred_at)
            )
            continue
        after = dict(row) | {"is_target": bool(before.get("is_target")) or row.get("is_target")}
        changed = changed_lead_fields(before, after)
        version = int(before["version"]) + (1 if changed else 0)
        versions[place_id] = version
        if changed:
            data = lead_data(
                after | {"origin_search_id": before.get("origin_search_id")}, version, search_id
            )
            events.append(
                build_event(
                    OutboundEventType.LEAD_UPDATED,
                    (place_id, str(version)),
                    data | {"changed": changed},
                    occurred_at,
                )
            )
    return LeadChanges(versions, events)


# --- searches and budgets ---


def search_completed_event(
    search: Mapping[str, Any], run_id: str, stats: Mapping[str, Any], occurred_at: datetime
) -> OutboundEvent:
    """The search's collection was (re)built by run `run_id`: once per search and run."""
    data = {
        "searchId": search["id"],
        "keyword": search["keyword"],
        "location": search["location"],
        "runId": run_id,
        "leadCount": stats["lead_count"],
        "withEmail": stats["with_email"],
        "withPhone": stats["with_phone"],
        "withOwner": stats["with_owner"],
        "averageQuality": stats["average_quality"],
    }
    return build_event(
        OutboundEventType.SEARCH_COMPLETED, (search["id"], run_id), data, occurred_at
    )


def search_failed_event(
    search_id: str,
    run_id: str,
    job_name: str,
    message: str,
    failed_steps: Sequence[Mapping[str, str]],
    occurred_at: datetime,
) -> OutboundEvent:
    """Run `run_id` of the search failed: once per run (a retry is another run)."""
    data = {
        "searchId": search_id,
        "runId": run_id,
        "job": job_name,
        "message": message,
        "failedSteps": [dict(step) for step in failed_steps],
    }
    return build_event(OutboundEventType.SEARCH_FAILED, (run_id,), data, occurred_at)


def budget_reached_event(
    budget_id: str,
    period: str,
    limit_usd: float,
    spent_usd: float,
    occurred_at: datetime,
    search_id: str | None = None,
) -> OutboundEvent:
    """Budget `budget_id` reached its limit in `period` (e.g. "2026-12"): once per budget
    and period, however many searches it then stops."""
    data = {
        "budgetId": budget_id,
        "period": period,
        "limitUsd": limit_usd,
        "spentUsd": spent_usd,
        "searchId": search_id,
    }
    return build_event(OutboundEventType.BUDGET_REACHED, (budget_id, period), data, occurred_at)


# --- subscriptions ---


def validate_url_shape(url: str) -> str:
    """An http(s) URL with a host and no credentials (they would be stored and logged with
    it); the address it leads to is the client's guard's decision."""
    if len(url) > MAX_URL_CHARS:
        raise InvalidSubscription(f"the URL is longer than {MAX_URL_CHARS} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise InvalidSubscription(f"the URL is not valid: {error}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidSubscription("the URL must be http(s) with a host")
    if parts.username is not None or parts.password is not None:
        raise InvalidSubscription("the URL must not carry a user name or password")
    if port == 0 or any(ord(c) < 33 for c in url):
        raise InvalidSubscription("the URL is not valid")
    return url


def validate_events(events: Iterable[str]) -> list[str]:
    """The known event types asked for, each once, in the given order; at least one."""
    chosen = list(dict.fromkeys(events))
    unknown = [e for e in chosen if e not in EVENT_TYPES]
    if unknown:
        raise InvalidSubscription(
            f"unknown event types {', '.join(map(repr, unknown))}; known: {', '.join(EVENT_TYPES)}"
        )
    if not chosen:
        raise InvalidSubscription(f"name at least one event type: {', '.join(EVENT_TYPES)}")
    return chosen


def new_secret(random_bytes: bytes) -> str:
    """`whsec_<base64>` from fresh random bytes (the caller draws them: os.urandom)."""
    return SECRET_PREFIX + base64.b64encode(random_bytes).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key inside a `whsec_<base64>` secret; InvalidSubscription if it is not one."""
    if not secret.startswith(SECRET_PREFIX):
        raise InvalidSubscription(f"a secret starts with {SECRET_PREFIX!r}")
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidSubscription(f"a secret is {SECRET_PREFIX} then base64") from None
    if not MIN_SECRET_BYTES <= len(key) <= MAX_SECRET_BYTES:
        raise InvalidSubscription(
            f"a secret holds {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} bytes, not {len(key)}"
        )
    return key


# --- signing ---


def body_bytes(payload: Mapping[str, Any]) -> bytes:
    """The body as sent: the same bytes on every attempt, whatever order the database
    gives the keys back in."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode()}"


def signed_headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, message_id, timestamp, body),
    }


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    now: float,
    tolerance_s: int = TIMESTAMP_TOLERANCE_SECONDS,
) -> bool:
    """What a receiver checks (headers by lower-case name): a fresh timestamp and one of
    the space-separated signatures matching. docs/api.md shows the same in a few lines."""
    message_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    if not message_id or not timestamp.isdigit() or abs(now - int(timestamp)) > tolerance_s:
        return False
    expected = sign(secret, message_id, int(timestamp), body)
    return any(
        hmac.compare_digest(expected, candidate)
        for candidate in headers.get("webhook-signature", "").split()
    )


# --- retries ---


@dataclass(frozen=True)
class RetryPolicy:
    """Attempt n (from 1) that fails waits about base * 2^(n-1), capped, then tries again;
    the max_attempts-th failure is the last (dead-lettered). The defaults try for about
    eight hours: a receiver down for a night's deploy still gets everything."""

    max_attempts: int = 10
    base_s: float = 60.0
    max_s: float = 6 * 3600.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.base_s < 0 or self.max_s < self.base_s:
            raise ValueError("max_attempts >= 1 and 0 <= base_s <= max_s")

    def delay_after(self, attempt: int, rand: float) -> float:
        """Seconds to wait after failed attempt `attempt`, `rand` in [0, 1): between half and
        all of the exponential step (jitter, so receivers that failed together do not get
        every retry at the same instant)."""
        step = min(self.max_s, self.base_s * math.pow(2, min(attempt - 1, 62)))
        return step * (0.5 + rand / 2)

    def is_last(self, attempt: int) -> bool:
        return attempt >= self.max_attempts


def is_success(status_code: int) -> bool:
    """Any 2xx: Standard Webhooks counts a redirect as a failure (it is never followed)."""
    return 200 <= status_code < 300
