"""The product's definitions for tests: fast client retries, the in-process executor.

Resources come from the environment, as in production (the tests point it at
the sandbox and a test database). Two changes keep runs short on a two-core
machine: clients retry twice with millisecond backoff, and a run's steps share
its one process (the in-process executor) instead of each starting Python.
"""

import dagster as dg

from leadgen_pipeline.api.webhook_sensor import webhook_events_sensor
from leadgen_pipeline.definitions import build_definitions
from leadgen_pipeline.monitoring.sensors import record_run_failures
from leadgen_pipeline.resources import LLMResource, PlacesResource

FAST_RETRIES = {"max_attempts": 2, "backoff_base_seconds": 0.01, "backoff_max_seconds": 0.05}


def build_test_definitions() -> dg.Definitions:
    base = build_definitions()
    resources = dict(base.resources)
    places, llm = resources["places"], resources["llm"]
    assert isinstance(places, PlacesResource) and isinstance(llm, LLMResource)
    resources["places"] = places.model_copy(update=FAST_RETRIES)
    resources["llm"] = llm.model_copy(update=FAST_RETRIES)
    # By name: once definitions.py registers these sensors too, they are not doubled.
    sensors = {s.name: s for s in [*base.sensors, webhook_events_sensor, record_run_failures]}
    return dg.Definitions(
        assets=base.assets,
        asset_checks=base.asset_checks,
        jobs=base.jobs,
        schedules=base.schedules,
        sensors=list(sensors.values()),
        resources=resources,
        executor=base.executor,
    )
