"""What a search run spent, as the tests hold a quote against it.

One function, so its source can change: today the spending steps' metadata (the sum
`leadgen search` prints); the spend ledger, once it records each run's spend.
"""

import dagster as dg

from leadgen_pipeline.cli import run_cost_usd


def spent_by_run(result: dg.ExecuteInProcessResult) -> float:
    return run_cost_usd(result)
