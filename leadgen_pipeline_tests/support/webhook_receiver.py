"""A subscriber's server on 127.0.0.1 (a LoopbackServer): it records every webhook it is
sent, and answers as a test tells it (fail the first tries of each event, fail always, or
hang)."""

import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from leadgen_pipeline_tests.support.loopback import LoopbackServer, answer, loopback_server


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]  # lower-case names
    body: bytes
    status: int  # what the receiver answered

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)


class WebhookReceiver:
    def __init__(
        self,
        server: LoopbackServer,
        fail_first: int = 0,
        always_fail: bool = False,
        hang: bool = False,
    ) -> None:
        self.url = server.url
        self.fail_first = fail_first
        self.always_fail = always_fail
        self.hang = hang
        self.released = threading.Event()  # set to let hanging requests go
        self.received: list[Received] = []
        self._tries: Counter[str] = Counter()
        self._lock = threading.Lock()
        server.routes["/*"] = self._receive

    def _receive(self, handler: BaseHTTPRequestHandler) -> None:
        if self.hang:
            self.released.wait(30)
            return
        headers = {k.lower(): v for k, v in handler.headers.items()}
        with self._lock:
            message_id = headers.get("webhook-id", "")
            self._tries[message_id] += 1
            failing = self.always_fail or self._tries[message_id] <= self.fail_first
            status = 500 if failing else 200
            self.received.append(Received(headers, handler.body, status))  # type: ignore[attr-defined]
        answer(handler, status, b'{"error":"try later"}' if failing else b"{}")

    def accepted(self) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.status == 200]

    def tries(self, message_id: str) -> int:
        with self._lock:
            return self._tries[message_id]


@contextmanager
def webhook_receiver(**behaviour: Any) -> Iterator[WebhookReceiver]:
    with loopback_server() as server:
        receiver = WebhookReceiver(server, **behaviour)
        try:
            yield receiver
        finally:
            receiver.released.set()
