"""Dagster definitions of the webhook events other systems send."""

import dagster as dg

from leadgen_pipeline.webhooks.sensors import webhook_events_sensor

defs = dg.Definitions(sensors=[webhook_events_sensor])
