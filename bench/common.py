"""What every benchmark shares: throwaway databases, the sandbox in its own process, the
product's own resources as clients, a request-rate probe, deadlines and the report format."""

import dataclasses
import json
import os
import queue
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

import dagster as dg
import requests
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from leadgen_pipeline.clients.places import PlacesClient
from leadgen_pipeline.domain.places import SEARCH_FIELD_MASK, Prospect, ranked_prospects
from leadgen_pipeline.domain.search_request import parse_search_request
from leadgen_pipeline.resources import (
    DatabaseResource,
    LLMResource,
    PlacesResource,
    WebsiteFetcherResource,
)
from leadgen_pipeline.storage import prospect_store, search_store
from leadgen_pipeline.storage import schema as t
from leadgen_sandbox import SERVER_NAMES, FaultConfig, ServerName
from leadgen_sandbox.postgres import throwaway_postgres_database

REPO_ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN_URL = os.environ.get(
    "LEADGEN_BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BENCH_STARTED = time.monotonic()
# Loopback addresses the sandbox's business websites are spread over.
WEB_HOSTS = 64


class BenchTimeout(RuntimeError):
    """A benchmark step ran past its time budget."""


def progress(message: str) -> None:
    print(f"  [{time.monotonic() - BENCH_STARTED:6.1f} s] {message}", flush=True)


@dataclass(frozen=True)
class Deadline:
    """A time budget; `check()` raises once it is spent, so no loop runs unbounded."""

    seconds: float
    what: str
    started: float = field(default_factory=time.monotonic)

    @property
    def remaining(self) -> float:
        return self.seconds - (time.monotonic() - self.started)

    def check(self, *_: object) -> None:
        if self.remaining <= 0:
            raise BenchTimeout(f"{self.what} took more than {self.seconds:g} s")


# --- databases ------------------------------------------------------------------------


def throwaway_database(label: str) -> AbstractContextManager[str]:
    """A new, empty PostgreSQL database for one benchmark, dropped afterwards."""
    return throwaway_postgres_database(PG_ADMIN_URL, f"leadgen_bench_{label}")


# --- the sandbox in its own process ---------------------------------------------------


@dataclass(frozen=True)
class SandboxUrls:
    """Where the sandbox servers listen; picklable, so child processes get it too."""

    places_url: str
    llm_url: str  # the OpenAI base URL, ending in /v1
    web_url: str
    web_urls: tuple[str, ...]  # every web host's base URL, web_url first

    @property
    def web_origins(self) -> str:
        """The websites' allow list (LEADGEN_WEB_ALLOWED_HOSTS)."""
        return ",".join(self.web_urls)

    def env(self) -> dict[str, str]:
        """The variables that point the product's Definitions at the sandbox."""
        return {
            "GOOGLE_PLACES_API_KEY": "sandbox-places-key",
            "OPENAI_API_KEY": "sandbox-llm-key",
            "LEADGEN_PLACES_BASE_URL": self.places_url,
            "LEADGEN_LLM_BASE_URL": self.llm_url,
            "LEADGEN_WEB_ALLOWED_HOSTS": self.web_origins,
        }


class SandboxProcess:
    """The sandbox servers in a child process (see bench/sandbox_server.py), driven over
    their admin endpoints: faults, stats and reset. Its business websites are spread
    over WEB_HOSTS loopback addresses, so that the fetcher's politeness works per host
    as on the web, at production's settings.

    The child's log goes to a file: clients that give up on a hostile page
    (too big, too slow) reset their connection, and the standard library's
    server prints a traceback for each.
    """

    def __init__(self, max_seconds: float = 3600.0) -> None:
        self._max_seconds = max_seconds
        self._process: subprocess.Popen[str] | None = None
        self._log_path = Path(tempfile.gettempdir()) / f"leadgen-bench-sandbox-{os.getpid()}.log"
        self._urls: SandboxUrls | None = None

    def __enter__(self) -> "SandboxProcess":
        with self._log_path.open("w") as log:
            self._process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "bench.sandbox_server",
                    "--max-seconds",
                    str(self._max_seconds),
                    "--web-hosts",
                    str(WEB_HOSTS),
                ],
                cwd=REPO_ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
        stdout = self._process.stdout
        assert stdout is not None
        ready: list[str] = []
        reader = threading.Thread(target=lambda: ready.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(60)
        if not ready or not ready[0].strip():
            self.__exit__(None, None, None)
            raise RuntimeError(
                f"the sandbox process did not start within 60 s; its log: {self._log_path}"
            )
        urls = json.loads(ready[0])
        self._urls = SandboxUrls(urls["places"], urls["llm"], urls["web"], tuple(urls["webs"]))
        return self

    def __exit__(self, *exc_info: object) -> None:
        process = self._process
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()  # the child stops when its stdin closes
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        self._process = None
        log = self._log_path.read_text(errors="replace")
        resets = log.count("ConnectionResetError") + log.count("BrokenPipeError")
        others = log.count("Traceback") - resets
        progress(
            f"sandbox stopped; its log {self._log_path}: {resets} connection resets by "
            f"clients giving up on a page, {others} other errors"
        )

    @property
    def urls(self) -> SandboxUrls:
        if self._urls is None:
            raise RuntimeError("the sandbox process is not running")
        return self._urls

    @property
    def pid(self) -> int:
        if self._process is None:
            raise RuntimeError("the sandbox process is not running")
        return self._process.pid

    def _admin_url(self, server: ServerName, path: str) -> str:
        base = {"places": self.urls.places_url, "llm": self.urls.llm_url, "web": self.urls.web_url}
        return f"{base[server].removesuffix('/v1')}/_sandbox/{path}"

    def set_faults(self, server: ServerName, faults: FaultConfig) -> None:
        url = self._admin_url(server, "faults")
        requests.post(url, json=faults.to_json(), timeout=5).raise_for_status()

    def stats(self, server: ServerName) -> dict[str, Any]:
        response = requests.get(self._admin_url(server, "stats"), timeout=5)
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        """Faults off and counters zeroed on every server."""
        for server in SERVER_NAMES:
            requests.post(self._admin_url(server, "reset"), timeout=5).raise_for_status()


# --- the product's clients, built by its own resources ---------------------------------


@dataclass(frozen=True)
class Quotas:
    """Our limiters' requests per second for each provider (the resources' max_requests);
    websites have no quota, only per-host politeness at production's settings."""

    places: int
    llm: int


@contextmanager
def product_resources(
    sandbox: SandboxUrls,
    database_url: str,
    quotas: Quotas,
    *,
    share_rate_limit: bool = True,
) -> Iterator[Any]:
    """The resources a Dagster run gets (clients, shared limiters, teardown), on the sandbox.

    Built with `dg.build_resources`, so the clients and their limiters come from
    the product's own `setup_for_execution`; everything else is the resources'
    production defaults (retries, timeouts, page budget).
    """
    database = DatabaseResource(url=database_url)
    shared = {"database": database, "share_rate_limit": share_rate_limit}
    with dg.build_resources(
        {
            "database": database,
            "places": PlacesResource(
                api_key="sandbox-places-key",
                base_url=sandbox.places_url,
                max_requests=quotas.places,
                **shared,
            ),
            "websites": WebsiteFetcherResource(allowed_origins=sandbox.web_origins),
            "llm": LLMResource(
                api_key="sandbox-llm-key",
                base_url=sandbox.llm_url,
                max_requests=quotas.llm,
                **shared,
            ),
        }
    ) as resources:
        yield resources


def unlimited_places_client(sandbox: SandboxUrls) -> PlacesClient:
    """A Places client with no limiter, for setting up populations before a measurement."""
    return PlacesClient(api_key="sandbox-places-key", base_url=sandbox.places_url)


def store_population(
    engine: Engine,
    places: PlacesClient,
    keyword: str,
    location: str,
    transform: Callable[[Prospect], Prospect] | None = None,
) -> tuple[str, list[Prospect]]:
    """Search the sandbox and store the results as the search assets do; returns (search id,
    ranked prospects). `transform` edits each listing before it is stored."""
    request = parse_search_request(keyword, location)
    search_store.register_search(engine, request, requested_by="bench")
    pages = places.search_text_pages(request.text_query, SEARCH_FIELD_MASK, max_pages=600)
    ranked = ranked_prospects(page.response for page in pages)
    if transform is not None:
        ranked = [transform(prospect) for prospect in ranked]
    prospect_store.store_search_prospects(engine, request.partition_key, ranked)
    return request.partition_key, ranked


def without_phone_and_website(prospect: Prospect) -> Prospect:
    """The listing as Places returns it for a business with neither: enrichment must buy
    Place Details for it, which makes Places the API every prospect calls."""
    return dataclasses.replace(prospect, phone_e164=None, national_phone=None, website=None)


def prospects_cut_for_time(engine: Engine, place_ids: Sequence[str]) -> int:
    """How many of these prospects had a website page cut off for time: the page deadline,
    the site's budget, or a body arriving too slowly (a slow or dripping site)."""
    query = sa.select(t.prospects.c.enrichment_report).where(
        t.prospects.c.place_id.in_(list(place_ids))
    )
    with engine.connect() as conn:
        reports = conn.execute(query).scalars().all()
    cut = ("deadline", "site budget", "too slow")
    return sum(
        1
        for report in reports
        if any(
            (page.get("error") or "").startswith(cut) for page in (report or {}).get("pages", [])
        )
    )


# --- measuring ------------------------------------------------------------------------


class RateProbe:
    """Samples one sandbox server's request counters every `interval` seconds.

    The server is where a quota is enforced, so its own count is what the
    achieved rate is measured on (admin calls are not counted by the sandbox).
    """

    def __init__(
        self,
        sandbox: SandboxProcess,
        server: ServerName,
        interval: float = 0.02,
        max_seconds: float = 900.0,
    ) -> None:
        self._sandbox = sandbox
        self._server = server
        self._interval = interval
        self._max_seconds = max_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True, name=f"probe-{server}")
        self.samples: list[tuple[float, int, int]] = []  # (monotonic, requests, 429s)

    def _poll(self) -> None:
        deadline = time.monotonic() + self._max_seconds
        while not self._stop.is_set() and time.monotonic() < deadline:
            stats = self._sandbox.stats(self._server)
            self.samples.append((time.monotonic(), stats["requests_total"], stats["rate_limited"]))
            self._stop.wait(self._interval)

    def __enter__(self) -> "RateProbe":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        stats = self._sandbox.stats(self._server)
        self.samples.append((time.monotonic(), stats["requests_total"], stats["rate_limited"]))

    @property
    def requests(self) -> int:
        return self.samples[-1][1] if self.samples else 0

    @property
    def rate_limited(self) -> int:
        return self.samples[-1][2] if self.samples else 0

    def moment_of_last_request(self) -> float:
        """The first sample (monotonic) at which the final count had arrived."""
        return next(moment for moment, count, _ in self.samples if count >= self.requests)

    def steady_rate(self, low: float = 0.1, high: float = 0.9) -> float:
        """Requests per second between the moments `low` and `high` of the final count
        had arrived: the rate once going, without the opening burst (an empty window
        admits a full quota at once) or the tail (the last prospects finishing)."""
        total = self.requests
        if total < 10:
            return 0.0
        start = next(s for s in self.samples if s[1] >= total * low)
        end = next(s for s in self.samples if s[1] >= total * high)
        if end[0] <= start[0]:
            return 0.0
        return (end[1] - start[1]) / (end[0] - start[0])


def collect_results(
    results: "Queue[dict[str, Any]]", children: Sequence[BaseProcess], deadline: Deadline
) -> list[dict[str, Any]]:
    """One result from each child process; fails at once if a child dies without one."""
    collected: list[dict[str, Any]] = []
    while len(collected) < len(children):
        deadline.check()
        try:
            collected.append(results.get(timeout=1))
        except queue.Empty:
            failed = [child.name for child in children if child.exitcode not in (None, 0)]
            if failed:
                raise RuntimeError(f"child process {', '.join(failed)} failed") from None
    return collected


def stop_children(children: Sequence[Any]) -> None:
    """Join each child process; one that outlives its grace period is killed."""
    for child in children:
        child.join(30)
        if child.is_alive():
            child.kill()
            child.join(5)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), interpolated."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q) - 1]


def rss_mb() -> float:
    """This process's resident set size now, in MiB (Linux)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def reset_peak_rss() -> None:
    """Start this process's RSS high-water mark afresh from its current RSS (Linux 4.0+).

    A spawned child first imports everything its parent's main module imports,
    and that import peak would otherwise stand for the peak of what follows.
    """
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")


def peak_rss_mb() -> float:
    """This process's RSS high-water mark (VmHWM) since start or `reset_peak_rss`, in MiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def lifetime_peak_rss_mb() -> float:
    """ru_maxrss: the high-water mark over the process's whole life, imports included."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class CpuMeter:
    """CPU time used between enter and exit: this process's, another process's (by pid) and
    the whole machine's (busy share of all cores, other people's work included)."""

    def __init__(self, other_pid: int | None = None) -> None:
        self._other_pid = other_pid
        self.seconds = self.own_cores = self.other_cores = self.machine_busy = 0.0

    @staticmethod
    def _own() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    def _other(self) -> float:
        if self._other_pid is None:
            return 0.0
        with open(f"/proc/{self._other_pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    @staticmethod
    def _machine() -> tuple[int, int]:
        with open("/proc/stat") as stat:
            values = [int(v) for v in stat.readline().split()[1:]]
        idle = values[3] + values[4]  # idle + iowait
        return sum(values) - idle, sum(values)

    def __enter__(self) -> "CpuMeter":
        self._started = time.monotonic()
        self._own_before, self._other_before = self._own(), self._other()
        self._machine_before = self._machine()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.seconds = time.monotonic() - self._started
        self.own_cores = (self._own() - self._own_before) / self.seconds
        self.other_cores = (self._other() - self._other_before) / self.seconds
        busy, total = self._machine()
        busy_before, total_before = self._machine_before
        self.machine_busy = (busy - busy_before) / max(total - total_before, 1)


# --- reporting ------------------------------------------------------------------------


@dataclass
class Report:
    """A benchmark's figures: ratios (the results) and the raw numbers behind them."""

    name: str
    title: str
    ratios: dict[str, tuple[float, str]] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def ratio(self, label: str, value: float, target: str = "") -> None:
        self.ratios[label] = (value, target)

    def add_raw(self, values: Mapping[str, Any]) -> None:
        self.raw.update(values)

    def note(self, text: str) -> None:
        self.notes.append(text)

    def print(self) -> None:
        print(f"\n== {self.name}: {self.title}", flush=True)
        width = max((len(label) for label in [*self.ratios, *self.raw]), default=0)
        for label, (value, target) in self.ratios.items():
            suffix = f"   (target {target})" if target else ""
            print(f"  RATIO {label:<{width}}  {value:.3f}{suffix}")
        for label, value in self.raw.items():
            shown = f"{value:.3f}" if isinstance(value, float) else str(value)
            print(f"  raw   {label:<{width}}  {shown}")
        for text in self.notes:
            print(f"  note  {text}")
        sys.stdout.flush()

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "ratios": {label: value for label, (value, _) in self.ratios.items()},
            "raw": self.raw,
            "notes": self.notes,
        }
