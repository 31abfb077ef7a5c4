"""Turn requested searches (from the UI, the CLI, the API or webhooks) into search runs, and
partitions someone added by hand into searches (or remove them)."""

from datetime import datetime

import dagster as dg

from leadgen_pipeline.domain.search_request import InvalidSearchRequest, request_from_partition_key
from leadgen_pipeline.resources import DatabaseResource
from leadgen_pipeline.search.jobs import search_job
from leadgen_pipeline.search.tags import REQUEST_RUN_TAG, REQUESTED_BY_TAG, requesting_run_id
from leadgen_pipeline.steps import search_partitions
from leadgen_pipeline.storage import search_store

MAX_RUNS_PER_TICK = 25
# requested_by of a search adopted from a partition added in the Dagster UI.
ADOPTED_BY = "dagster-ui:partition"


def _adopt_hand_added_partitions(
    context: dg.SensorEvaluationContext, database: DatabaseResource
) -> list[str]:
    """Partitions with no searches row (added in the UI's "Add partition"): a key that names a
    search is registered as requested (this tick launches it); any other key is returned, to
    be removed. Either way the tick's log says so."""
    keys = context.instance.get_dynamic_partitions(search_partitions.name)
    with database.engine.connect() as conn:
        known = search_store.known_search_ids(conn, keys)
    orphans = [key for key in keys if key not in known]
    malformed = []
    for key in orphans:
        try:
            request = request_from_partition_key(key)
        except InvalidSearchRequest as error:
            context.log.warning(
                f"removing partition {key!r}, added by hand: {error}. Request a search with "
                "the request_search job, and its partition is added for you"
            )
            malformed.append(key)
            continue
        search_store.register_search(database.engine, request, requested_by=ADOPTED_BY)
        context.log.info(
            f"partition {key!r}, added by hand, adopted as the search {request.text_query!r}"
        )
    return malformed


def _run_tags(requested_by: str) -> dict[str, str]:
    tags = {REQUESTED_BY_TAG: requested_by}
    if run_id := requesting_run_id(requested_by):
        tags[REQUEST_RUN_TAG] = run_id
    return tags


@dg.sensor(
    job=search_job, minimum_interval_seconds=15, default_status=dg.DefaultSensorStatus.RUNNING
)
def search_requests(
    context: dg.SensorEvaluationContext, database: DatabaseResource
) -> dg.SensorResult:
    """Each requested search becomes one run of its partition (run_key = key + request time).

    The cursor is the request time of the last search launched, so a search
    re-requested later (a re-run) launches again, and a tick never re-reads
    the whole table. A run of the request_search job is named on the search run it
    caused (REQUEST_RUN_TAG).
    """
    malformed = _adopt_hand_added_partitions(context, database)
    removals = [search_partitions.build_delete_request(malformed)] if malformed else []
    after = datetime.fromisoformat(context.cursor) if context.cursor else None
    with database.engine.connect() as conn:
        pending = search_store.requested_searches(conn, after, MAX_RUNS_PER_TICK)
    if not pending:
        return dg.SensorResult(
            skip_reason="no requested searches", dynamic_partitions_requests=removals
        )
    new_keys = [
        s.id
        for s in pending
        if not context.instance.has_dynamic_partition(search_partitions.name, s.id)
    ]
    additions = [search_partitions.build_add_request(new_keys)] if new_keys else []
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                partition_key=s.id,
                run_key=f"{s.id}:{s.requested_at.isoformat()}",
                tags=_run_tags(s.requested_by),
            )
            for s in pending
        ],
        dynamic_partitions_requests=additions + removals,
        cursor=max(s.requested_at for s in pending).isoformat(),
    )
