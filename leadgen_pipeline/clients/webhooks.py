"""Sending outbound webhooks: one signed POST, guarded, bounded, never raising.

Subscribers are strangers' servers as much as business websites are, so a
delivery goes through the website fetcher's `AddressGuard`: checked when the
subscription is made and again before every attempt, and inside the
connection on the very address the socket connects to (a DNS answer that
changed since cannot slip through). Redirects are not followed (a 3xx is a
failed attempt, as Standard Webhooks says), at most `max_response_bytes` of
an answer are read, and connect and read timeouts bound a receiver that
hangs.
"""

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests
import urllib3

from leadgen_pipeline.clients.web import (
    AddressGuard,
    BlockedAddress,
    guarded_session,
    origin_of,
    resolve,
)
from leadgen_pipeline.domain.outbound_webhooks import is_success

USER_AGENT = "leadgen-pipeline-webhooks/0.1"
# Subscriber origins exempt from the private-address guard ("http://10.0.0.7:8080,...").
WEBHOOK_ALLOWED_HOSTS_ENV = "LEADGEN_WEBHOOK_ALLOWED_HOSTS"
Resolver = Callable[[str, int], list[str]]


def check_subscriber_url(guard: AddressGuard, url: str, resolver: Resolver = resolve) -> None:
    """Raise BlockedAddress unless every address `url`'s host resolves to may be sent to
    (`resolver` is the system's; tests give a stub, so the decision needs no network)."""
    host, port = origin_of(url)
    guard.check_addresses(host, port, resolver(host, port))


@dataclass(frozen=True)
class SendResult:
    status_code: int | None
    error: str | None  # why the attempt failed; None when the receiver took it (2xx)
    duration_ms: int

    @property
    def delivered(self) -> bool:
        return self.error is None


@dataclass
class WebhookSender:
    guard: AddressGuard = field(default_factory=AddressGuard)
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 10.0
    # Only the start of an answer is kept, for the attempt log.
    max_response_bytes: int = 1024

    def __post_init__(self) -> None:
        # One session per sender: the sensor's worker threads each have a sender.
        self._session = guarded_session(self.guard, USER_AGENT)

    def __enter__(self) -> "WebhookSender":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._session.close()

    def send(self, url: str, body: bytes, headers: Mapping[str, str]) -> SendResult:
        """POST `body` with `headers` (the signature's) to `url`; the outcome, never an error."""
        started = time.monotonic()

        def result(status: int | None, error: str | None) -> SendResult:
            return SendResult(status, error, int((time.monotonic() - started) * 1000))

        try:
            self.guard.permitted_addresses(*origin_of(url))
            response = self._session.post(
                url,
                data=body,
                headers={**headers, "Content-Type": "application/json"},
                allow_redirects=False,
                stream=True,
                timeout=(self.connect_timeout_s, self.read_timeout_s),
            )
        except BlockedAddress as error:
            return result(None, f"blocked: {error}")
        except requests.RequestException as error:
            # The class names the failure (ConnectTimeout, ReadTimeout,
            # ConnectionError); its text may hold the URL, which may hold a token.
            return result(None, type(error).__name__)
        with response:
            excerpt = self._read_excerpt(response)
        status = response.status_code
        if is_success(status):
            return result(status, None)
        reason = f"HTTP {status}"
        if response.is_redirect:
            reason += f" (redirect to {urlsplit(response.headers.get('Location', '')).netloc})"
        elif excerpt:
            reason += f": {excerpt}"
        return result(status, reason)

    def _read_excerpt(self, response: requests.Response) -> str:
        try:
            # read1: what has arrived, so a receiver that stalls mid-answer costs one read timeout.
            raw = response.raw.read1(self.max_response_bytes, decode_content=True)
        except (urllib3.exceptions.HTTPError, OSError):
            return ""
        return raw.decode("utf-8", "replace").strip()[:200]
