"""A run's status as the endpoint reports it: stopped by a budget, and what it spent."""

from leadgen_pipeline.api.models import JobState
from leadgen_pipeline.api.orchestration import run_status
from leadgen_pipeline.clients.dagster_graphql import PARTITION_TAG, RunDetails
from leadgen_pipeline.domain.search_request import parse_search_request
from leadgen_pipeline.search.tags import STOPPED_TAG
from leadgen_pipeline.storage import search_store, spend_store
from leadgen_pipeline.storage.spend_store import Call

REQUEST = parse_search_request("plumber", "Austin, TX", max_cost_usd=0.1)


def a_run(status: str, tags: dict[str, str]) -> RunDetails:
    return RunDetails(
        run_id="run-2",
        job_name="search",
        status=status,
        tags={PARTITION_TAG: REQUEST.partition_key, **tags},
        parent_run_id=None,
        planned_steps=(),
    )


def test_a_run_its_budget_stopped_is_stopped_with_its_spend_and_its_search_cap(engine):
    search_store.register_search(engine, REQUEST, "test")
    for call_id, run_id in (("a", "run-1"), ("b", "run-2")):
        call = Call(call_id, "places", "Text Search Pro", 0.032, "v", REQUEST.partition_key, run_id)
        assert spend_store.reserve(engine, call, daily_cap_usd=None) is None
        spend_store.settle(engine, call_id, 0.032, "200")

    stopped = run_status(engine, a_run("FAILURE", {STOPPED_TAG: "budget"}))
    assert (stopped.status, stopped.stopped_reason) == (JobState.STOPPED, "budget")
    assert stopped.spend is not None
    assert (stopped.spend.run_cost_usd, stopped.spend.run_calls) == (0.032, 1)
    assert (stopped.spend.search_cost_usd, stopped.spend.search_calls) == (0.064, 2)
    assert stopped.spend.search_max_cost_usd == 0.1
    body = stopped.model_dump(by_alias=True, exclude_none=True)
    assert body["status"] == "stopped" and body["stoppedReason"] == "budget"
    assert body["spend"]["searchMaxCostUsd"] == 0.1

    failed = run_status(engine, a_run("FAILURE", {}))
    assert (failed.status, failed.stopped_reason) == (JobState.FAILED, None)
    # A re-execution that completed is completed, whatever its parent's tag said.
    completed = run_status(engine, a_run("SUCCESS", {STOPPED_TAG: "budget"}))
    assert completed.status is JobState.COMPLETED
