"""Structured orchestration events: one JSON line per event on stderr.

    log_event(OrchestrationEvent.SEARCH_START, search_id="plumber@austin-tx", run_id=...)
    {"timestamp": "2026-11-24T23:20:38.123456+00:00", "event": "SEARCH_START",
     "search_id": "plumber@austin-tx", "run_id": "..."}

The names are the seed system's, so dashboards and alerts written for it keep
working. Fields are ids and counts, never payloads: a field whose name looks
like a credential is refused rather than written, because a log line cannot be
taken back.
"""

import json
import logging
import re
import sys
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

LOGGER_NAME = "leadgen.events"
_SECRET_FIELD = re.compile(r"token|secret|password|passwd|api_?key|authorization|signature", re.I)


class OrchestrationEvent(StrEnum):
    SEARCH_START = "SEARCH_START"
    SEARCH_COMPLETE = "SEARCH_COMPLETE"
    AI_START = "AI_START"
    AI_COMPLETE = "AI_COMPLETE"
    STORAGE_COMPLETE = "STORAGE_COMPLETE"
    ENRICHMENT_QUEUED = "ENRICHMENT_QUEUED"
    ENRICHMENT_COMPLETE = "ENRICHMENT_COMPLETE"
    JOB_FAILED = "JOB_FAILED"
    RETRY_REQUESTED = "RETRY_REQUESTED"
    WEBHOOK_RECEIVED = "WEBHOOK_RECEIVED"
    BUDGET_REACHED = "BUDGET_REACHED"


class _StderrHandler(logging.Handler):
    """Writes to whatever `sys.stderr` is at the time (pytest and uvicorn swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except Exception:
            self.handleError(record)


def _events_logger() -> logging.Logger:
    logger = logging.getLogger(LOGGER_NAME)
    if not logger.handlers:
        logger.addHandler(_StderrHandler())
        logger.setLevel(logging.INFO)
        # The line is already complete JSON; a root handler would wrap it again.
        logger.propagate = False
    return logger


def event_line(name: OrchestrationEvent | str, **fields: Any) -> str:
    """The event as one JSON line; ValueError for an unknown name or a secret-looking field."""
    event = OrchestrationEvent(name)
    secret_fields = sorted(field for field in fields if _SECRET_FIELD.search(field))
    if secret_fields:
        raise ValueError(f"refusing to log fields that look like secrets: {secret_fields}")
    record = {"timestamp": datetime.now(UTC).isoformat(), "event": event.value, **fields}
    return json.dumps(record, default=str, ensure_ascii=False, separators=(",", ":"))


def log_event(name: OrchestrationEvent | str, **fields: Any) -> None:
    """Write one structured event line (see the module docstring)."""
    _events_logger().info(event_line(name, **fields))
