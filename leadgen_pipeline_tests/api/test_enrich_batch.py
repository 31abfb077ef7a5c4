"""POST /api/enrich-batch: known prospects queued at a priority, unknown ones reported."""

import pytest
import sqlalchemy as sa

from leadgen_pipeline.api.orchestration import batch_state
from leadgen_pipeline.storage import prospect_store, queue_store
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline.storage.schema import api_jobs
from leadgen_pipeline_tests.support.api import AUTH
from leadgen_pipeline_tests.support.searches import ROOFERS_PORTLAND, run_searches


@pytest.fixture
def place_ids(database_url, sandbox, tmp_path) -> list[str]:
    [search_id] = run_searches(database_url, sandbox, tmp_path, [ROOFERS_PORTLAND])
    with engine_for(database_url).connect() as conn:
        return [p.place_id for p in prospect_store.ranked_search_prospects(conn, search_id)]


def queue_rows(database_url: str) -> list:
    with engine_for(database_url).connect() as conn:
        return list(conn.execute(sa.select(t.enrichment_queue)))


def test_known_ids_are_queued_and_unknown_ones_reported(client, database_url, place_ids):
    # Earlier runs of the search may have queued and enriched these; start from an empty queue.
    with engine_for(database_url).begin() as conn:
        conn.execute(sa.delete(t.enrichment_queue))
    asked = [place_ids[0], "ChIJunknown1", place_ids[1], place_ids[0], "ChIJunknown2"]
    response = client.post(
        "/api/enrich-batch", json={"placeIds": asked, "priority": "low"}, headers=AUTH
    )
    assert response.status_code == 202
    batch = response.json()
    assert batch["placeIds"] == place_ids[:2]
    assert batch["unknownPlaceIds"] == ["ChIJunknown1", "ChIJunknown2"]
    assert batch["queuedCount"] == 2 and batch["priority"] == "low"

    rows = queue_rows(database_url)
    assert {(r.place_id, r.priority, r.job_id, r.requested_by) for r in rows} == {
        (place_id, queue_store.PRIORITIES["low"], batch["jobId"], "api")
        for place_id in place_ids[:2]
    }
    with engine_for(database_url).connect() as conn:
        job = conn.execute(sa.select(api_jobs).where(api_jobs.c.id == batch["jobId"])).one()
    assert (job.kind, job.priority, job.place_ids, job.unknown_place_ids) == (
        "enrichment_batch",
        "low",
        place_ids[:2],
        ["ChIJunknown1", "ChIJunknown2"],
    )

    status = client.get(f"/api/orchestration/status/{batch['jobId']}").json()
    assert status["kind"] == "enrichment_batch"
    assert status["status"] == "pending"
    assert status["placeStatuses"] == {place_id: "queued" for place_id in place_ids[:2]}
    assert status["unknownPlaceIds"] == ["ChIJunknown1", "ChIJunknown2"]


def test_a_higher_priority_request_raises_a_queued_prospect(client, database_url, place_ids):
    for priority in ("low", "high", "normal"):
        response = client.post(
            "/api/enrich-batch",
            json={"placeIds": place_ids[:1], "priority": priority},
            headers=AUTH,
        )
        assert response.status_code == 202
    [row] = [r for r in queue_rows(database_url) if r.place_id == place_ids[0]]
    assert row.priority == queue_store.PRIORITIES["high"]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"placeIds": []}, "invalid_request"),
        ({"placeIds": [f"ChIJ{i}" for i in range(1001)]}, "invalid_request"),
        ({"placeIds": ["ChIJabc"], "priority": "urgent"}, "invalid_request"),
        ({"placeIds": ["not a place id; DROP TABLE prospects"]}, "invalid_request"),
        ({"placeIds": ["ChIJnobody1", "ChIJnobody2"]}, "unknown_place_ids"),
    ],
)
def test_an_invalid_batch_is_422_and_queues_nothing(client, database_url, body, error):
    response = client.post("/api/enrich-batch", json=body, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["error"] == error
    assert queue_rows(database_url) == []
    with engine_for(database_url).connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(api_jobs)).scalar_one() == 0


def test_a_batch_is_done_when_each_prospect_is_enriched_failed_or_skipped():
    assert batch_state(["queued", "queued"]) == "pending"
    assert batch_state(["queued", "running"]) == "processing"
    assert batch_state(["enriched", "queued"]) == "processing"
    assert batch_state(["enriched", "failed", "skipped"]) == "completed"
