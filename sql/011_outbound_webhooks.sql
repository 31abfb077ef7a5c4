-- Outbound webhooks (issue 10, item 5): a CRM or a sheet hears about leads and
-- searches without polling. An outbox: the pipeline writes events (once per
-- event id) and one delivery per event and matching subscription, in the
-- transaction of what happened; a delivery step outside the pipeline sends
-- them, retries with backoff and dead-letters after the last try.

-- A lead's version: 1 when promoted, one more each time what a CRM sees of it
-- changes. lead.created / lead.updated event ids are derived from it, so a
-- re-run of the leads asset that changes nothing emits nothing.
ALTER TABLE leads ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

-- Who hears what. The secret signs every delivery (HMAC-SHA256, Standard
-- Webhooks): the sender needs it in clear, so it is stored as given, shown
-- once at creation and never listed. A removed subscription is kept (its
-- deliveries are a log) but gets nothing more.
CREATE TABLE webhook_subscriptions (
    id           TEXT NOT NULL PRIMARY KEY,
    url          TEXT NOT NULL,
    secret       TEXT NOT NULL,
    events       JSONB NOT NULL,
    description  TEXT,
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    removed_at   TIMESTAMP WITH TIME ZONE
);

-- What happened, once per event id (derived from what happened: a lead and its
-- version, a search and its run), with the body every delivery of it sends.
CREATE TABLE outbound_events (
    event_id     TEXT NOT NULL PRIMARY KEY,
    event_type   TEXT NOT NULL,
    payload      JSONB NOT NULL,
    occurred_at  TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX ix_outbound_events_type ON outbound_events (event_type, occurred_at);

-- One event to one subscription: pending until delivered, or dead after the
-- last try (until a person replays it), or cancelled with its subscription.
-- claimed_until is the lease of the delivery step sending it now.
CREATE TABLE webhook_deliveries (
    id                TEXT NOT NULL PRIMARY KEY,
    event_id          TEXT NOT NULL REFERENCES outbound_events (event_id),
    subscription_id   TEXT NOT NULL REFERENCES webhook_subscriptions (id),
    status            TEXT NOT NULL,
    attempts          INTEGER NOT NULL,
    next_attempt_at   TIMESTAMP WITH TIME ZONE,
    claimed_until     TIMESTAMP WITH TIME ZONE,
    last_attempt_at   TIMESTAMP WITH TIME ZONE,
    last_status_code  INTEGER,
    last_error        TEXT,
    delivered_at      TIMESTAMP WITH TIME ZONE,
    dead_at           TIMESTAMP WITH TIME ZONE,
    created_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    UNIQUE (event_id, subscription_id)
);
CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX ix_webhook_deliveries_subscription ON webhook_deliveries (subscription_id, status);

-- Every attempt, numbered per delivery across replays: when, the answer, why it failed.
CREATE TABLE webhook_delivery_attempts (
    delivery_id   TEXT NOT NULL REFERENCES webhook_deliveries (id),
    attempt       INTEGER NOT NULL,
    attempted_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    status_code   INTEGER,
    error         TEXT,
    duration_ms   INTEGER NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);
