"""POST /api/quote: what a search would ask for and cost, before it runs.

The quote reads the database (and, with `probe`, makes IDs-only Text Search requests,
billed $0): it spends nothing billable, and a request it refuses has called nothing.
"""

import os
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from sqlalchemy.engine import Engine

from leadgen_pipeline.api.idempotency import IdempotencyKey, Outcome, idempotent
from leadgen_pipeline.api.models import ErrorBody, QuoteRequest, QuoteResponse
from leadgen_pipeline.api.orchestration import MUTATION_ERRORS, engine_of
from leadgen_pipeline.api.security import ApiError, require_api_token
from leadgen_pipeline.clients.resilience import ProviderError
from leadgen_pipeline.definitions import llm_model_from_env, places_client_from_env
from leadgen_pipeline.domain.search_request import InvalidSearchRequest, parse_search_request
from leadgen_pipeline.search.quote import quote_search

PLACES_KEY_ENV = "GOOGLE_PLACES_API_KEY"

router = APIRouter(prefix="/api", tags=["quotes"])
Database = Annotated[Engine, Depends(engine_of)]


@router.post(
    "/quote",
    response_model=QuoteResponse,
    responses={
        502: {"model": ErrorBody, "description": "The probe's Text Search failed."},
    }
    | MUTATION_ERRORS
    | {503: {"model": ErrorBody, "description": "No token is set, or a probe has no key."}},
    dependencies=[Depends(require_api_token)],
    summary="Estimate a search's requests and cost before running it (spends nothing)",
)
def quote(
    body: QuoteRequest, engine: Database, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    # A probe asked again under the same key is answered from the first: no quota twice.
    return idempotent(
        engine,
        idempotency_key,
        "POST /api/quote",
        body.model_dump_json().encode(),
        lambda: quote_outcome(body, engine),
    )


def quote_outcome(body: QuoteRequest, engine: Engine) -> Outcome:
    try:
        request = parse_search_request(body.keyword, body.location, None, body.coverage)
    except InvalidSearchRequest as error:
        raise ApiError(422, "invalid_search_request", str(error)) from None
    if body.probe and not os.environ.get(PLACES_KEY_ENV):
        raise ApiError(
            503, "probe_unavailable", f"a probe needs {PLACES_KEY_ENV} in the API's environment"
        )
    try:
        if body.probe:
            with places_client_from_env() as places:
                result = quote_search(engine, request, llm_model_from_env(), places)
        else:
            result = quote_search(engine, request, llm_model_from_env())
    except ProviderError as error:
        raise ApiError(502, "probe_failed", f"the probe failed: {error}") from None
    return 200, QuoteResponse.model_validate(
        {"search_id": request.partition_key, "text_query": request.text_query, **result.as_dict()}
    )
