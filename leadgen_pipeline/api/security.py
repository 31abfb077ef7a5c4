"""Who may change things: a bearer token for the API, an HMAC signature for webhooks.

Both secrets come from the environment. When one is not set the endpoints it
guards answer 503 instead of running open: a forgotten variable must not turn
into an unauthenticated API.

A webhook's signature covers what identifies the event: when it was sent, the
source it was sent to and the raw body, as `sha256=HMAC(secret,
"{timestamp}.{source}.{body}")` (the scheme Stripe and Slack use). A signed
event replayed to another source path fails the check, and one replayed after
the tolerance window is refused for its age.
"""

import hashlib
import hmac
import time
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from leadgen_pipeline.api.models import ErrorBody
from leadgen_pipeline.api.settings import API_TOKEN_ENV, WEBHOOK_SECRET_ENV, ApiSettings

SIGNATURE_HEADER = "X-Leadgen-Signature"
TIMESTAMP_HEADER = "X-Leadgen-Timestamp"
SIGNATURE_PREFIX = "sha256="
# How far a webhook's timestamp may be from the server's clock, either way.
SIGNATURE_TOLERANCE_SECONDS = 300
SIGNATURE_SCHEME = (
    f"{TIMESTAMP_HEADER}: <unix seconds> and {SIGNATURE_HEADER}: {SIGNATURE_PREFIX}<hex "
    'HMAC-SHA256 of "{timestamp}.{source}.{raw body}">'
)

bearer_scheme = HTTPBearer(
    auto_error=False,
    description=f"The token in the server's {API_TOKEN_ENV} environment variable.",
)


class ApiError(HTTPException):
    """An HTTP error with a stable code for clients, rendered as ErrorBody."""

    def __init__(
        self,
        status_code: int,
        error: str,
        message: str,
        details: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status_code=status_code, detail=message, headers=headers)
        self.error = error
        self.details = details


def error_response(
    status_code: int,
    error: str,
    message: str,
    details: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = ErrorBody(error=error, message=message, details=details)
    return JSONResponse(body.model_dump(exclude_none=True), status_code, headers=headers)


def api_error_response(error: ApiError) -> JSONResponse:
    return error_response(
        error.status_code, error.error, str(error.detail), error.details, error.headers
    )


def settings_of(request: Request) -> ApiSettings:
    return request.app.state.settings


def token_error(settings: ApiSettings, authorization: str | None) -> ApiError | None:
    """Why an `Authorization` header does not authorise a mutation, or None if it does."""
    if not settings.api_token:
        return ApiError(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "api_token_not_configured",
            f"this endpoint is disabled until {API_TOKEN_ENV} is set on the server",
        )
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return ApiError(
            status.HTTP_401_UNAUTHORIZED,
            "unauthenticated",
            "send Authorization: Bearer <token>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not hmac.compare_digest(token.strip().encode("utf-8"), settings.api_token.encode("utf-8")):
        return ApiError(status.HTTP_403_FORBIDDEN, "forbidden", "the token is not valid")
    return None


def require_api_token(
    request: Request,
    settings: Annotated[ApiSettings, Depends(settings_of)],
    # Declared for the OpenAPI spec; the header itself is read below.
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> None:
    """The route's own check; the request guard has already made it before the body was read."""
    if error := token_error(settings, request.headers.get("Authorization")):
        raise error


def webhook_signature(secret: str, timestamp: str, source: str, body: bytes) -> str:
    """The header value a sender puts in X-Leadgen-Signature for `body` sent to `source`."""
    signed = f"{timestamp}.{source}.".encode() + body
    digest = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_PREFIX}{digest}"


def verify_webhook_signature(
    settings: ApiSettings,
    source: str,
    body: bytes,
    timestamp: str | None,
    signature: str | None,
    now: float | None = None,
) -> None:
    if not settings.webhook_secret:
        raise ApiError(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "webhook_secret_not_configured",
            f"webhooks are disabled until {WEBHOOK_SECRET_ENV} is set on the server",
        )
    if timestamp is None or not timestamp.isascii() or not timestamp.isdigit():
        raise ApiError(status.HTTP_401_UNAUTHORIZED, "invalid_signature", SIGNATURE_SCHEME)
    age = (time.time() if now is None else now) - int(timestamp)
    if abs(age) > SIGNATURE_TOLERANCE_SECONDS:
        raise ApiError(
            status.HTTP_401_UNAUTHORIZED,
            "stale_timestamp",
            f"{TIMESTAMP_HEADER} is {int(age)} s from the server's clock; at most "
            f"{SIGNATURE_TOLERANCE_SECONDS} s is accepted",
        )
    expected = webhook_signature(settings.webhook_secret, timestamp, source, body)
    # compare_digest on the whole header: no early exit that would time the prefix.
    if signature is None or not hmac.compare_digest(
        signature.strip().encode("utf-8"), expected.encode("utf-8")
    ):
        raise ApiError(status.HTTP_401_UNAUTHORIZED, "invalid_signature", SIGNATURE_SCHEME)
