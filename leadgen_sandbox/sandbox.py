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
MAX_WEB_HOSTS = 254
# The fetcher's per-host settings for a sandbox whose sites all share one host.
ONE_WEB_HOST_POLITENESS = {
    "LEADGEN_WEB_MAX_IN_FLIGHT_PER_HOST": "16",
    "LEADGEN_WEB_HOST_REQUESTS_PER_SECOND": "1000",
}


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
        web_hosts: int = 1,
    ) -> None:
        """`web_hosts` > 1 serves the business websites on that many loopback addresses
        (the host, then 127.0.1.1, 127.0.1.2, ...; one port), each site on one of them:
        a web of many hosts, for what a crawler does per host."""
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"the sandbox binds to loopback only, not {host!r}")
        if not 1 <= web_hosts <= MAX_WEB_HOSTS:
            raise ValueError(f"web_hosts must be between 1 and {MAX_WEB_HOSTS}")
        self.web_hosts = web_hosts
        self._more_web_servers: list[SandboxHTTPServer] = []
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
            more_web = self._bind_more_web_servers(servers)
            dataset = SandboxDataset(servers["web"].base_url, [m.base_url for m in more_web])
            apps: dict[ServerName, SandboxApp] = {
                "places": PlacesApp(dataset, self.result_cap, self.page_size_max),
                "llm": LlmApp(dataset),
                "web": WebsitesApp(dataset, self._stopping),
            }
            for name, server in servers.items():
                server.start(apps[name], name=f"sandbox-{name}")
            for number, server in enumerate(more_web, start=1):
                server.start(apps["web"], name=f"sandbox-web-{number}")
            self._dns = SandboxDNSServer(self.host).start()
            self._servers, self._dataset = servers, dataset
            self._more_web_servers = more_web
        return self

    def _bind_more_web_servers(
        self, servers: dict[ServerName, SandboxHTTPServer]
    ) -> list[SandboxHTTPServer]:
        """The extra web hosts, on the web server's port; they share its faults and stats.

        A port free on 127.0.0.1 may be taken on another loopback address: the
        web server then moves to a new port and tries again.
        """
        if self.web_hosts == 1:
            return []
        for _ in range(10):
            port = servers["web"].server_address[1]
            more: list[SandboxHTTPServer] = []
            try:
                for number in range(1, self.web_hosts):
                    address = f"127.0.1.{number}"
                    more.append(SandboxHTTPServer(address, port, self._stopping))
            except OSError:
                for server in more:
                    server.server_close()
                if self.ports["web"]:
                    raise
                servers["web"].server_close()
                servers["web"] = SandboxHTTPServer(self.host, 0, self._stopping)
                continue
            for server in more:
                server.faults, server.stats = servers["web"].faults, servers["web"].stats
            return more
        raise OSError("no port free on every web host's loopback address")

    def stop(self) -> None:
        with self._lock:
            self._stopping.set()  # wakes handlers that hang, drip or add latency
            for server in [*self._servers.values(), *self._more_web_servers]:
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
    def web_urls(self) -> list[str]:
        """Every base URL the websites server answers on (one per web host)."""
        return [self.web_url, *(server.base_url for server in self._more_web_servers)]

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
        origins go on its allow list. On one web host, which then stands for every
        business's server, the fetcher's per-host politeness is opened up: at a
        real host's pace it would queue the whole world behind one server.
        """
        env = {
            "LEADGEN_PLACES_BASE_URL": self.places_url,
            "LEADGEN_LLM_BASE_URL": self.llm_url,
            "LEADGEN_WEB_ALLOWED_HOSTS": ",".join(self.web_urls),
            "LEADGEN_DNS_RESOLVER": self.dns_address,
        }
        if self.web_hosts == 1:
            env |= ONE_WEB_HOST_POLITENESS
        return env

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

    sandbox = Sandbox(host, places_port, llm_port, web_port).start()  # a port taken: OSError
    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        print("Leadgen sandbox running on loopback:", flush=True)
        print(f"  Google Places API (New):   {sandbox.places_url}")
        print(f"  OpenAI-compatible LLM:     {sandbox.llm_url}")
        print(f"  Business websites:         {sandbox.web_url}")
        print(f"  DNS (mail domains, UDP):   {sandbox.dns_address}")
        # The placeholder keys too: the resources read their keys through EnvVar, so a
        # `dg dev` run without them fails before its first request.
        from leadgen_sandbox.environment import sandbox_environ

        print("Point the product at it with:")
        for name, value in sandbox_environ(sandbox).items():
            print(f"export {name}={value}")
        print("Press Ctrl+C to stop.", flush=True)
        while not done.wait(0.5):
            pass
    finally:
        sandbox.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        print("Leadgen sandbox stopped.", flush=True)
