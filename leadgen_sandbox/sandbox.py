"""The Sandbox: the three local servers, their shared data set, faults and stats."""

from __future__ import annotations

import ipaddress
import signal
import threading
from types import FrameType, TracebackType
from typing import Literal

from leadgen_sandbox.dataset import SandboxDataset
from leadgen_sandbox.dns import SandboxDNSServer
from leadgen_sandbox.faults import FaultConfig, SandboxStats
from leadgen_sandbox.http_server import SandboxApp, SandboxHTTPServer
from leadgen_sandbox.llm import LlmApp
from leadgen_sandbox.places import PlacesApp
from leadgen_sandbox.websites import WebsitesApp

ServerName = Literal["places", "llm", "web"]
SERVER_NAMES: tuple[ServerName, ...] = ("places", "llm", "web")


class Sandbox:
    """Local Places, OpenAI-compatible and website servers on loopback; thread-safe.

    Use as a context manager, or call ``start()`` and ``stop()``. Ports default to 0
    (ephemeral); the URLs are known once started.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        places_port: int = 0,
        llm_port: int = 0,
        web_port: int = 0,
        result_cap: int | None = 60,
        page_size_max: int = 20,
    ) -> None:
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"the sandbox binds to loopback only, not {host!r}")
        self.host = host
        self.ports: dict[ServerName, int] = {
            "places": places_port,
            "llm": llm_port,
            "web": web_port,
        }
        self.result_cap = result_cap
        self.page_size_max = page_size_max
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._servers: dict[ServerName, SandboxHTTPServer] = {}
        self._dns: SandboxDNSServer | None = None
        self._dataset: SandboxDataset | None = None

    def start(self) -> Sandbox:
        with self._lock:
            if self._servers or self._stopping.is_set():
                raise RuntimeError("a Sandbox starts once; create a new one to start again")
            servers: dict[ServerName, SandboxHTTPServer] = {}
            try:
                for name in SERVER_NAMES:
                    servers[name] = SandboxHTTPServer(self.host, self.ports[name], self._stopping)
            except OSError:
                for server in servers.values():
                    server.server_close()
                raise
            dataset = SandboxDataset(servers["web"].base_url)
            apps: dict[ServerName, SandboxApp] = {
                "places": PlacesApp(dataset, self.result_cap, self.page_size_max),
                "llm": LlmApp(dataset),
                "web": WebsitesApp(dataset, self._stopping),
            }
            for name, server in servers.items():
                server.start(apps[name], name=f"sandbox-{name}")
            self._dns = SandboxDNSServer(self.host).start()
            self._servers, self._dataset = servers, dataset
        return self

    def stop(self) -> None:
        with self._lock:
            self._stopping.set()  # wakes handlers that hang, drip or add latency
            for server in self._servers.values():
                server.stop()
            if self._dns is not None:
                self._dns.stop()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _server(self, name: ServerName) -> SandboxHTTPServer:
        if name not in SERVER_NAMES:
            raise ValueError(f"unknown sandbox server {name!r}; expected one of {SERVER_NAMES}")
        server = self._servers.get(name)
        if server is None:
            raise RuntimeError("the Sandbox is not started")
        return server

    @property
    def places_url(self) -> str:
        """Base URL for Places v1: clients call f"{places_url}/v1/places:searchText"."""
        return self._server("places").base_url

    @property
    def llm_url(self) -> str:
        """The OpenAI ``base_url``, ending in /v1."""
        return f"{self._server('llm').base_url}/v1"

    @property
    def web_url(self) -> str:
        return self._server("web").base_url

    @property
    def dns_address(self) -> str:
        """The DNS server's "host:port": what LEADGEN_DNS_RESOLVER is set to."""
        if self._dns is None:
            raise RuntimeError("the Sandbox is not started")
        return self._dns.address

    @property
    def dataset(self) -> SandboxDataset:
        if self._dataset is None:
            raise RuntimeError("the Sandbox is not started")
        return self._dataset

    def env(self) -> dict[str, str]:
        """The environment variables that point the product at this sandbox.

        The web fetcher refuses loopback unless the origin is allowed, so the websites'
        origin goes on its allow list.
        """
        return {
            "LEADGEN_PLACES_BASE_URL": self.places_url,
            "LEADGEN_LLM_BASE_URL": self.llm_url,
            "LEADGEN_WEB_ALLOWED_HOSTS": self.web_url,
            "LEADGEN_DNS_RESOLVER": self.dns_address,
        }

    def set_faults(self, server: ServerName, faults: FaultConfig) -> None:
        self._server(server).faults.configure(faults)

    def faults(self, server: ServerName) -> FaultConfig:
        return self._server(server).faults.config

    def stats(self, server: ServerName) -> SandboxStats:
        return self._server(server).stats.snapshot()

    def reset_stats(self, server: ServerName | None = None) -> None:
        for name in (server,) if server else SERVER_NAMES:
            self._server(name).stats.reset()


def serve_forever(
    host: str = "127.0.0.1", places_port: int = 0, llm_port: int = 0, web_port: int = 0
) -> None:
    """Run a sandbox until SIGINT or SIGTERM, printing its URLs and what to export."""
    done = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        done.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    sandbox = Sandbox(host, places_port, llm_port, web_port).start()
    try:
        print("Leadgen sandbox running on loopback:", flush=True)
        print(f"  Google Places API (New):   {sandbox.places_url}")
        print(f"  OpenAI-compatible LLM:     {sandbox.llm_url}")
        print(f"  Business websites:         {sandbox.web_url}")
        print(f"  DNS (mail domains, UDP):   {sandbox.dns_address}")
        print("Point the product at it with:")
        for name, value in sandbox.env().items():
            print(f"export {name}={value}")
        print("Press Ctrl+C to stop.", flush=True)
        while not done.wait(0.5):
            pass
    finally:
        sandbox.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        print("Leadgen sandbox stopped.", flush=True)
