"""The HTTP API: `create_app(settings)`, served by uvicorn (`leadgen serve`).

Every error answers with the same small JSON body (`ErrorBody`: a stable code
and a message). Unexpected errors answer a generic 500: the traceback goes to
the server's log, never to the client. A database that is briefly unreachable
(a restart, dropped connections) answers 503 with Retry-After. Every request
passes the request guard first (`guards`: NUL bytes, the token before the body,
body and nesting caps, security headers).
"""

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from leadgen_pipeline.api import (
    directory,
    orchestration,
    outbound_webhooks,
    quotes,
    reports,
    webhooks,
)
from leadgen_pipeline.api.guards import RequestGuard
from leadgen_pipeline.api.security import ApiError, api_error_response, error_response
from leadgen_pipeline.api.settings import ApiSettings
from leadgen_pipeline.api.status_cache import StatusCache
from leadgen_pipeline.clients.dagster_graphql import DagsterClient, OrchestratorUnavailable

logger = logging.getLogger(__name__)
DOCS_ASSETS_URL = "/docs-assets"
# The Dagster UI shows a run's first 8 characters: what a user copies from it.
JOB_ID_LOC = ("path", "job_id")
JOB_ID_HINT = (
    "a job id is the whole Dagster run id (36 characters, as the run's page address "
    "shows it), not the 8 the runs list shows"
)

DESCRIPTION = """
Drive the lead-generation pipeline without knowing Dagster: run a search
(keyword in location), queue prospects for enrichment, follow a job, retry a
failed one, send signed webhook events, and read the directory.

Mutating endpoints need `Authorization: Bearer <token>` (the server's
`LEADGEN_API_TOKEN`) and honour `Idempotency-Key`. Webhooks need
`X-Leadgen-Timestamp` and `X-Leadgen-Signature` (HMAC-SHA256 with
`LEADGEN_WEBHOOK_SECRET`; the scheme is in the webhook endpoint's description).

Outbound webhooks tell a CRM about new and changed leads and finished or
failed searches: subscribe a URL, and verify each delivery's
`webhook-signature` (Standard Webhooks) with the secret the subscription's
creation returns.
"""
# A moment for a database restart or a failover; clients retry after it.
DATABASE_RETRY_AFTER_SECONDS = 2


def _http_error_code(status_code: int) -> str:
    return {404: "not_found", 405: "method_not_allowed"}.get(status_code, "http_error")


async def api_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ApiError)
    return api_error_response(error)


async def http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    return error_response(
        error.status_code,
        _http_error_code(error.status_code),
        str(error.detail),
        headers=error.headers,
    )


def _error_detail(error: Mapping[str, Any]) -> dict[str, str]:
    """Field and reason only: echoing the input back could reflect whatever was sent."""
    message = error["msg"]
    if tuple(error["loc"]) == JOB_ID_LOC:
        message = f"{message}; {JOB_ID_HINT}"
    return {"field": ".".join(str(part) for part in error["loc"]), "message": message}


async def validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    details = [_error_detail(e) for e in error.errors()]
    return error_response(422, "invalid_request", "the request is not valid", details)


async def orchestrator_unavailable(request: Request, error: Exception) -> JSONResponse:
    logger.warning("orchestrator unavailable: %s", error)
    return error_response(
        503, "orchestrator_unavailable", "the orchestrator (Dagster) is not reachable; try again"
    )


async def database_error(request: Request, error: Exception) -> JSONResponse:
    """A lost connection or a server going away is a moment's outage, not a bug (503);
    a value the database refuses is the request's fault (422); anything else is a 500."""
    assert isinstance(error, sa_exc.SQLAlchemyError)
    transient = isinstance(
        error, sa_exc.OperationalError | sa_exc.InterfaceError | sa_exc.TimeoutError
    ) or (isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated)
    if transient:
        logger.warning("database unavailable on %s: %s", request.url.path, type(error).__name__)
        return error_response(
            503,
            "database_unavailable",
            "the database is not reachable just now; try again",
            headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
        )
    if isinstance(error, sa_exc.DataError):
        logger.warning("the database refused a value on %s: %s", request.url.path, error.orig)
        return error_response(422, "invalid_value", "the database refused a value of the request")
    return await unexpected_error(request, error)


async def unexpected_error(request: Request, error: Exception) -> JSONResponse:
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    return error_response(500, "internal_error", "internal server error")


def create_app(settings: ApiSettings) -> FastAPI:
    # Swagger UI's script and styles are served from the fastapi-offline package
    # (DOCS_ASSETS_URL), not a CDN: /docs works with no internet. No validator
    # badge: it would send the spec's address to swagger.io.
    app = FastAPIOffline(
        title="Leadgen API",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        static_url=DOCS_ASSETS_URL,
        swagger_ui_parameters={"validatorUrl": None},
    )
    app.state.settings = settings
    if not settings.api_token:
        logger.warning("LEADGEN_API_TOKEN is not set: the mutating endpoints answer 503")
    if not settings.webhook_secret:
        logger.warning("LEADGEN_WEBHOOK_SECRET is not set: webhooks answer 503")
    app.state.dagster = DagsterClient(settings.dagster_url, settings.dagster_timeout_seconds)
    app.state.status_cache = StatusCache(
        settings.status_cache_seconds, settings.status_read_threads
    )
    app.add_middleware(RequestGuard, settings=settings)
    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(OrchestratorUnavailable, orchestrator_unavailable)
    app.add_exception_handler(sa_exc.SQLAlchemyError, database_error)
    app.add_exception_handler(Exception, unexpected_error)
    app.include_router(orchestration.router)
    app.include_router(quotes.router)
    app.include_router(webhooks.router)
    app.include_router(outbound_webhooks.router)
    app.include_router(directory.api_router)
    app.include_router(reports.api_router)
    app.include_router(reports.page_router)
    app.include_router(directory.page_router)
    return app


def app_from_env() -> FastAPI:
    """The app configured from the environment: `uvicorn --factory ...api.app:app_from_env`."""
    return create_app(ApiSettings.from_env())
