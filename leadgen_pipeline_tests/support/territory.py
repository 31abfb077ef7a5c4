"""Territory changes recorded without a second search run, for the read side's tests."""

from collections.abc import Sequence

from leadgen_pipeline.domain.territory import Change
from leadgen_pipeline.storage import territory_store
from leadgen_pipeline.storage.database import engine_for


def record_changes(
    database_url: str, search_id: str, changes: Sequence[Change], run_id: str = "run-2"
) -> None:
    """`changes` as a later run of the search records them (idempotent, as a run's are)."""
    territory_store.record_listings(
        engine_for(database_url), search_id, run_id, [], changes, complete=False
    )
