"""Dagster definitions of monitoring."""

import dagster as dg

from leadgen_pipeline.monitoring.sensors import reap_dead_runs, record_run_failures

defs = dg.Definitions(sensors=[record_run_failures, reap_dead_runs])
