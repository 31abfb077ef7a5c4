"""The code location tests load into a real `dagster dev`: the product's own definitions,
resources from the environment, with fast client retries (see `pipeline.FAST_RETRIES`)."""

from leadgen_pipeline_tests.support.pipeline import build_test_definitions

defs = build_test_definitions()
