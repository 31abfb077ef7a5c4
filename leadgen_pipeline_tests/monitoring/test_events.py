"""Structured orchestration events: one JSON line each, ids only, never a secret."""

import json
from datetime import datetime

import pytest

from leadgen_pipeline.monitoring.events import OrchestrationEvent, event_line, log_event


def test_an_event_is_one_json_line_with_time_name_and_ids(capsys):
    log_event(OrchestrationEvent.SEARCH_START, search_id="plumber@austin-tx", run_id="r-1")
    log_event("RETRY_REQUESTED", run_id="r-2", parent_run_id="r-1", steps=["places_results"])
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["event"] == "SEARCH_START"
    assert first["search_id"] == "plumber@austin-tx" and first["run_id"] == "r-1"
    assert datetime.fromisoformat(first["timestamp"]).tzinfo is not None
    assert second == {**second, "event": "RETRY_REQUESTED", "steps": ["places_results"]}


def test_the_seed_names_are_all_there():
    assert {e.value for e in OrchestrationEvent} == {
        "SEARCH_START",
        "SEARCH_COMPLETE",
        "AI_START",
        "AI_COMPLETE",
        "STORAGE_COMPLETE",
        "ENRICHMENT_QUEUED",
        "ENRICHMENT_COMPLETE",
        "JOB_FAILED",
        "RETRY_REQUESTED",
        "WEBHOOK_RECEIVED",
        "BUDGET_REACHED",  # ours (issue 10): a step stopped by a spending cap
    }


def test_an_unknown_event_name_is_refused():
    with pytest.raises(ValueError):
        event_line("SEARCH_STARTED", search_id="x")


@pytest.mark.parametrize(
    "field", ["api_key", "token", "webhook_secret", "Authorization", "password"]
)
def test_a_field_that_looks_like_a_secret_is_refused_not_written(field, capsys):
    with pytest.raises(ValueError, match="secrets"):
        log_event(OrchestrationEvent.WEBHOOK_RECEIVED, **{field: "s3cret"})
    assert "s3cret" not in capsys.readouterr().err


def test_values_that_are_not_json_are_written_as_text():
    line = json.loads(event_line("JOB_FAILED", failed_at=datetime(2026, 1, 2, 3, 4, 5)))
    assert line["failed_at"] == "2026-01-02 03:04:05"
