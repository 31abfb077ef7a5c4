"""What a search run spent, as the tests hold a quote against it: the spend ledger's total
for the run (every billable call, at the cost it settled at)."""

import dagster as dg

from leadgen_pipeline.storage import spend_store
from leadgen_pipeline.storage.database import engine_for


def spent_by_run(database_url: str, result: dg.ExecuteInProcessResult) -> float:
    with engine_for(database_url).connect() as conn:
        return spend_store.spend_summary(conn, run_id=result.run_id)["cost_usd"]
