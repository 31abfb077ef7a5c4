"""`Idempotency-Key` on every POST: the same key and request get the first answer again.

A client that did not hear the answer (a timeout, a dropped connection) sends
the request again with the same key and gets the answer the first one got,
with `Idempotent-Replayed: true`, and nothing is launched, queued or stored
twice. Requests with one key are served one at a time, so two sent at once
cannot both act. The same key with another request is refused (422). Only
successful answers are kept: after an error the same key may try again.
"""

import hashlib
from collections.abc import Callable
from typing import Annotated

from fastapi import Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.engine import Engine

from leadgen_pipeline.api.security import ApiError
from leadgen_pipeline.storage import idempotency_store
from leadgen_pipeline.storage.locks import exclusive

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias=IDEMPOTENCY_HEADER,
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="Any unique string (a UUID): a request sent again with the same key "
        "gets the first answer again, and acts once.",
    ),
]
Outcome = tuple[int, BaseModel]


def _json(outcome: Outcome) -> tuple[int, dict]:
    status_code, model = outcome
    return status_code, model.model_dump(mode="json", by_alias=True, exclude_none=True)


def idempotent(
    engine: Engine,
    key: str | None,
    request: str,
    payload: bytes,
    act: Callable[[], Outcome],
) -> JSONResponse:
    """Answer `request` (its route and target, e.g. "POST /api/enrich-batch") by `act`,
    or with the answer stored under `key` for the same request and `payload`."""
    if key is None:
        status_code, body = _json(act())
        return JSONResponse(body, status_code)
    fingerprint = hashlib.sha256(payload).hexdigest()
    with exclusive(engine, f"idempotency:{key}"):
        with engine.connect() as conn:
            stored = idempotency_store.stored_response(conn, key)
        if stored is not None:
            if (stored.request, stored.fingerprint) != (request, fingerprint):
                raise ApiError(
                    422,
                    "idempotency_key_reused",
                    f"this {IDEMPOTENCY_HEADER} was used for another request; "
                    "use a new key for a new request",
                )
            return JSONResponse(
                stored.response, stored.status_code, headers={REPLAYED_HEADER: "true"}
            )
        status_code, body = _json(act())
        if status_code < 300:
            idempotency_store.save_response(engine, key, request, fingerprint, status_code, body)
    return JSONResponse(body, status_code)
