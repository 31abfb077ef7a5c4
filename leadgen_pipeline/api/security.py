"""Who may change things: a bearer token for the API, an HMAC signature for webhooks.

Both secrets come from the environment. When one is not set the endpoints it
guards answer 503 instead of running open: a forgotten variable must not turn
into an unauthenticated API.
"""

import hashlib
import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from leadgen_pipeline.api.settings import API_TOKEN_ENV, WEBHOOK_SECRET_ENV, ApiSettings

SIGNATURE_HEADER = "X-Leadgen-Signature"
SIGNATURE_PREFIX = "sha256="

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


def settings_of(request: Request) -> ApiSettings:
    return request.app.state.settings


def require_api_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    settings: Annotated[ApiSettings, Depends(settings_of)],
) -> None:
    if not settings.api_token:
        raise ApiError(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "api_token_not_configured",
            f"this endpoint is disabled until {API_TOKEN_ENV} is set on the server",
        )
    if credentials is None:
        raise ApiError(
            status.HTTP_401_UNAUTHORIZED,
            "unauthenticated",
            "send Authorization: Bearer <token>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not hmac.compare_digest(
        credentials.credentials.encode("utf-8"), settings.api_token.encode("utf-8")
    ):
        raise ApiError(status.HTTP_403_FORBIDDEN, "forbidden", "the token is not valid")


def webhook_signature(secret: str, body: bytes) -> str:
    """The header value a sender puts in X-Leadgen-Signature for `body`."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_PREFIX}{digest}"


def verify_webhook_signature(settings: ApiSettings, body: bytes, header: str | None) -> None:
    if not settings.webhook_secret:
        raise ApiError(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "webhook_secret_not_configured",
            f"webhooks are disabled until {WEBHOOK_SECRET_ENV} is set on the server",
        )
    expected = webhook_signature(settings.webhook_secret, body)
    # compare_digest on the whole header: no early exit that would time the prefix.
    if header is None or not hmac.compare_digest(
        header.strip().encode("utf-8"), expected.encode("utf-8")
    ):
        raise ApiError(
            status.HTTP_401_UNAUTHORIZED,
            "invalid_signature",
            f"{SIGNATURE_HEADER} must be {SIGNATURE_PREFIX}<hex HMAC-SHA256 of the raw body>",
        )
