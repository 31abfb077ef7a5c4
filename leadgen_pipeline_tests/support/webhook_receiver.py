"""A subscriber's server on 127.0.0.1: it records every webhook it is sent, and answers as
a test tells it (fail the first tries of each event, fail always, or hang)."""

import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]  # lower-case names
    body: bytes
    status: int  # what the receiver answered

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)


class WebhookReceiver:
    def __init__(self, fail_first: int = 0, always_fail: bool = False, hang: bool = False) -> None:
        self.fail_first = fail_first
        self.always_fail = always_fail
        self.hang = hang
        self.released = threading.Event()  # set to let hanging requests go
        self.received: list[Received] = []
        self._tries: Counter[str] = Counter()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                if receiver.hang:
                    receiver.released.wait(30)
                    return
                with receiver._lock:
                    message_id = headers.get("webhook-id", "")
                    receiver._tries[message_id] += 1
                    failing = (
                        receiver.always_fail or receiver._tries[message_id] <= receiver.fail_first
                    )
                    status = 500 if failing else 200
                    receiver.received.append(Received(headers, body, status))
                answer = b'{"error":"try later"}' if failing else b"{}"
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def accepted(self) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.status == 200]

    def tries(self, message_id: str) -> int:
        with self._lock:
            return self._tries[message_id]


@contextmanager
def webhook_receiver(**behaviour: Any) -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(**behaviour)
    receiver._thread.start()
    try:
        yield receiver
    finally:
        receiver.released.set()
        receiver._server.shutdown()
        receiver._server.server_close()
        receiver._thread.join(5)
