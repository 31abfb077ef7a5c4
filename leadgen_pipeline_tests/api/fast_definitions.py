"""The product's definitions for tests, with fast client retries.

Resources come from the environment, as in production (the tests point it at
the sandbox and a test database). One change keeps runs short on a two-core
machine: the Places and LLM clients retry once with millisecond backoff.
"""

import dagster as dg

from leadgen_pipeline.definitions import build_definitions, build_resources

FAST_RETRIES = {"max_attempts": 2, "backoff_base_seconds": 0.01, "backoff_max_seconds": 0.05}


def build_test_definitions() -> dg.Definitions:
    return build_definitions(build_resources(client_settings=FAST_RETRIES))
