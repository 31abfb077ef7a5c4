"""Helpers the tests share: databases, keys, the pipeline on the sandbox, live Dagster, data.

Test modules import from here, never from a conftest or from another test module.
"""
