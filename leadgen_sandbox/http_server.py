"""The HTTP plumbing every sandbox server shares: requests, responses, faults, admin.

Each server is a ``ThreadingHTTPServer`` on loopback running one ``SandboxApp``. The
handler reads the request, answers ``/_sandbox/...`` admin calls itself, asks the
``FaultInjector`` what to break, and otherwise lets the app answer.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qsl, unquote, urlsplit

from leadgen_sandbox.faults import (
    FaultConfig,
    FaultDecision,
    FaultInjector,
    FaultKind,
    QuotaState,
    StatsRecorder,
)

log = logging.getLogger(__name__)

ADMIN_PREFIX = "/_sandbox/"
JSON_CONTENT_TYPE = "application/json; charset=UTF-8"
GARBAGE_BODY = b'\x1f\x8b\x08\x00<<garbage \xff\xfe{"partial": tru'


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # percent-decoded, without the query string
    query: Mapping[str, str]  # first value of each parameter
    headers: Message
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def json(self) -> Any:
        """The body as JSON; raises ValueError when it is not."""
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Response:
    status: int
    # Bytes, or chunks written (and flushed) one by one for bodies that stream or drip.
    body: bytes | Iterable[bytes] = b""
    content_type: str = JSON_CONTENT_TYPE
    headers: dict[str, str] = field(default_factory=dict)
    # Needed for streamed bodies to keep the connection open; without it the server closes.
    content_length: int | None = None

    @classmethod
    def json(
        cls, status: int, payload: object, headers: Mapping[str, str] | None = None
    ) -> Response:
        body = json.dumps(payload, indent=2).encode()
        return cls(status, body, JSON_CONTENT_TYPE, dict(headers or {}))


class SandboxApp(ABC):
    """One fake outside service: answers requests, and errors in its own native format."""

    @abstractmethod
    def handle(self, request: Request) -> Response: ...

    @abstractmethod
    def server_error(self, request: Request, status: int) -> Response:
        """A 5xx answer as the real service words it."""

    @abstractmethod
    def rate_limited(self, request: Request, quota: QuotaState) -> Response:
        """A 429 answer as the real service words it."""

    def admin(self, route: tuple[str, str], request: Request) -> Response | None:
        """An admin call of this service's own (`/_sandbox/...`), or None if it has none."""
        return None

    def quota_headers(self, quota: QuotaState) -> dict[str, str]:
        """Headers describing the quota on every answer (OpenAI sends x-ratelimit-*)."""
        return {}


class SandboxHTTPServer(ThreadingHTTPServer):
    """A loopback-only threading server; ``start(app)`` serves the app in a daemon thread."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, host: str, port: int, stopping: threading.Event) -> None:
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"the sandbox binds to loopback only, not {host!r}")
        super().__init__((host, port), SandboxRequestHandler)
        self.stopping = stopping
        self.faults = FaultInjector()
        self.stats = StatsRecorder()
        self.app: SandboxApp | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def start(self, app: SandboxApp, name: str) -> None:
        self.app = app
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.1}, name=name, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting requests; hanging or dripping handlers end via ``stopping``."""
        if self._thread is not None:
            self.shutdown()
            self._thread.join()
        self.server_close()


class SandboxRequestHandler(BaseHTTPRequestHandler):
    server: SandboxHTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "LeadgenSandbox/1.0"
    # Idle keep-alive connections are dropped after this many seconds.
    timeout: ClassVar[float] = 30.0
    # Headers and body go out in separate writes; without this, Nagle's algorithm and
    # delayed ACKs add ~40 ms to every keep-alive response.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def _dispatch(self) -> None:
        request = self._read_request()
        if request.path.startswith(ADMIN_PREFIX):
            self._write(self._admin(request))
            return
        server = self.server
        assert server.app is not None, "a server handles requests only after start(app)"
        decision = server.faults.decide()
        if decision.kind is FaultKind.HANG and server.stopping.wait(decision.hang_seconds):
            self.close_connection = True  # shutting down: drop the request unanswered
            return
        if decision.latency_seconds:
            server.stopping.wait(decision.latency_seconds)
        response = self._answer(server.app, request, decision)
        if decision.quota is not None:
            response.headers.update(server.app.quota_headers(decision.quota))
        server.stats.record(response.status, decision.kind)
        self._write(response)

    def _answer(self, app: SandboxApp, request: Request, decision: FaultDecision) -> Response:
        if decision.kind is FaultKind.RATE_LIMITED:
            assert decision.quota is not None
            return app.rate_limited(request, decision.quota)
        if decision.kind is FaultKind.SERVER_ERROR:
            return app.server_error(request, decision.error_status)
        try:
            response = app.handle(request)
        except Exception:
            log.exception("sandbox app failed on %s %s", request.method, request.path)
            return app.server_error(request, 500)
        if decision.kind is FaultKind.MALFORMED:
            return _malformed(response, truncate=decision.malformed_truncate)
        return response

    def _admin(self, request: Request) -> Response:
        server = self.server
        route = (request.method, request.path.removeprefix(ADMIN_PREFIX).strip("/"))
        if route == ("POST", "faults"):
            try:
                config = FaultConfig.from_json(request.json() if request.body else {})
            except (ValueError, TypeError) as error:
                return Response.json(400, {"error": str(error)})
            server.faults.configure(config)
            return Response.json(200, {"faults": config.to_json()})
        if route == ("GET", "faults"):
            return Response.json(200, {"faults": server.faults.config.to_json()})
        if route == ("GET", "stats"):
            return Response.json(200, server.stats.snapshot().to_json())
        if route == ("POST", "reset"):
            server.faults.configure(FaultConfig())
            server.stats.reset()
            return Response.json(200, {"reset": True})
        own = server.app.admin(route, request) if server.app is not None else None
        if own is not None:
            return own
        return Response.json(404, {"error": f"no admin endpoint {request.method} {request.path}"})

    def _read_request(self) -> Request:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        return Request(
            method=self.command,
            path=unquote(url.path),
            query=dict(reversed(parse_qsl(url.query, keep_blank_values=True))),
            headers=self.headers,
            body=body,
        )

    def _write(self, response: Response) -> None:
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            for name, value in response.headers.items():
                self.send_header(name, value)
            if isinstance(response.body, bytes):
                self.send_header("Content-Length", str(len(response.body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(response.body)
                return
            if response.content_length is None:
                self.close_connection = True
                self.send_header("Connection", "close")
            else:
                self.send_header("Content-Length", str(response.content_length))
            self.end_headers()
            if self.command == "HEAD":
                return
            for chunk in response.body:
                self.wfile.write(chunk)
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (a read limit or timeout): that is what hostile pages test.
            self.close_connection = True


def _malformed(response: Response, *, truncate: bool) -> Response:
    """A 200 with a broken body: the real body cut in half, or garbage bytes."""
    if truncate and isinstance(response.body, bytes) and len(response.body) > 2:
        body = response.body[: len(response.body) // 2]
    else:
        body = GARBAGE_BODY
    return Response(200, body, response.content_type)
