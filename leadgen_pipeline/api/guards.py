"""The request guard: what every request passes before any route sees it.

An ASGI middleware, because these checks must come before FastAPI reads and
parses a body (it does so before a route's dependencies run):

1. A path or query that holds a NUL character is refused (422, as any other
   invalid parameter): PostgreSQL cannot store one, and no search, id or
   filter contains one.
2. A mutating API request (POST under /api/, webhooks aside) without a valid
   bearer token is refused from its headers alone, before one byte of its
   body is read.
3. Every body is capped: a declared length over the cap is refused at once
   (413), a streamed one as soon as it passes the cap; what is read is at most
   the cap, so a flood of large bodies cannot grow the process.
4. A JSON body nested deeper than MAX_JSON_DEPTH is refused (422) before
   Python's recursive parser could overflow the stack on it.
5. Job status polls are let in a few at a time (`status_in_flight`); the
   others wait their turn parked, before routing. However many clients poll,
   the event loop then has only a few of them to run at once, and the rest of
   the API (the directory, the mutations) is not queued behind them
   (docs/benchmarks.md, api_under_load).

Every response also gets the browser security headers (SECURITY_HEADERS).
"""

import asyncio
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote_to_bytes

from leadgen_pipeline.api.security import api_error_response, error_response, token_error
from leadgen_pipeline.api.settings import ApiSettings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
AsgiApp = Callable[[Scope, Receive, Send], Awaitable[None]]

DEFAULT_MAX_BODY_BYTES = 64 * 1024
# An enrichment batch carries up to 1,000 place ids of up to 256 characters.
MAX_BODY_BYTES = {"/api/enrich-batch": 512 * 1024}
MAX_JSON_DEPTH = 32
WEBHOOK_PATH_PREFIX = "/api/webhooks/"
STATUS_PATH_PREFIX = "/api/orchestration/status/"
MUTATING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# No page of ours loads a script, a frame or anything from elsewhere; the
# directory pages carry their own inline styles. The API docs (Swagger UI)
# load their script and styles from this server (fastapi-offline's assets),
# and start with one inline script.
PAGE_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)
_JSON_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def json_depth_exceeds(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether brackets outside strings nest deeper than `limit` (valid JSON or not)."""
    depth = 0
    for token in _JSON_TOKENS.finditer(body):
        char = token.group()
        if char in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif char in (b"]", b"}"):
            depth -= 1
    return False


def holds_nul(scope: Scope) -> bool:
    query = scope.get("query_string", b"").replace(b"+", b" ")
    return "\x00" in scope["path"] or b"\x00" in unquote_to_bytes(query)


def max_body_bytes(path: str) -> int:
    return MAX_BODY_BYTES.get(path, DEFAULT_MAX_BODY_BYTES)


def needs_token(method: str, path: str) -> bool:
    return (
        method in MUTATING_METHODS
        and path.startswith("/api/")
        and not path.startswith(WEBHOOK_PATH_PREFIX)
    )


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _with_security_headers(scope: Scope, send: Send) -> Send:
    csp = DOCS_CSP if scope["path"] in ("/docs", "/docs/oauth2-redirect") else PAGE_CSP

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            present = {key.lower() for key, _ in headers}
            for key, value in (*SECURITY_HEADERS, (b"content-security-policy", csp.encode())):
                if key not in present:
                    headers.append((key, value))
            message["headers"] = headers
        await send(message)

    return send_with_headers


async def _read_capped(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None as soon as it passes `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"".join(chunks)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # nothing more to read: waits for the disconnect

    return replay


class RequestGuard:
    def __init__(self, app: AsgiApp, settings: ApiSettings) -> None:
        self.app = app
        self.settings = settings
        self._status_polls: asyncio.Semaphore | None = None

    async def _poll(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._status_polls is None:  # created in the event loop it belongs to
            self._status_polls = asyncio.Semaphore(self.settings.status_in_flight)
        async with self._status_polls:
            await self.app(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _with_security_headers(scope, send)
        method, path = scope["method"], scope["path"]
        if holds_nul(scope):
            response = error_response(
                422, "invalid_request", "the path or query holds a NUL character"
            )
            await response(scope, receive, send)
            return
        if needs_token(method, path) and (
            problem := token_error(self.settings, _header(scope, b"authorization"))
        ):
            await api_error_response(problem)(scope, receive, send)
            return
        limit = max_body_bytes(path)
        too_large = error_response(413, "body_too_large", f"the body is over {limit} bytes")
        declared = _header(scope, b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await too_large(scope, receive, send)
            return
        app = self._poll if method == "GET" and path.startswith(STATUS_PATH_PREFIX) else self.app
        if method not in MUTATING_METHODS and declared is None:
            await app(scope, receive, send)
            return
        body = await _read_capped(receive, limit)
        if body is None:
            await too_large(scope, receive, send)
            return
        if json_depth_exceeds(body):
            response = error_response(
                422, "invalid_request", f"the JSON nests deeper than {MAX_JSON_DEPTH} levels"
            )
            await response(scope, receive, send)
            return
        await app(scope, _replaying(body, receive), send)
