"""The code location the live API tests load into `dagster dev` (see fast_definitions)."""

from leadgen_pipeline_tests.api.fast_definitions import build_test_definitions

defs = build_test_definitions()
