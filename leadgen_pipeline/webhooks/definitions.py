"""Dagster definitions of webhooks: events other systems send us (inbound), and the
deliveries we send them (outbound)."""

import dagster as dg

from leadgen_pipeline.webhooks.sensors import deliver_outbound_webhooks, webhook_events_sensor

defs = dg.Definitions(sensors=[webhook_events_sensor, deliver_outbound_webhooks])
