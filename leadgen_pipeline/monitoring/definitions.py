"""Dagster definitions of monitoring."""

import dagster as dg

from leadgen_pipeline.monitoring.sensors import record_run_failures

defs = dg.Definitions(sensors=[record_run_failures])
