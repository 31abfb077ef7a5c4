"""Fetching business websites safely: they are strangers' servers.

Every hop of every request is checked before a packet is sent: only http(s),
only default or allowed ports, and no private, loopback, link-local,
multicast or reserved address unless the origin is on the allow list (the
sandbox's own). The check runs again inside the connection, on the very
address the socket connects to, so a DNS answer that changes between check
and connect (rebinding) cannot slip through. Pages are cut off at a byte
budget (counted decoded, so a compression bomb stops there too) and a wall-clock
deadline that bounds every phase, headers included (a watchdog shuts the socket),
redirects are followed by hand within a
limit, and robots.txt is honoured. Each host is fetched politely (a few requests
in flight, a pace, its Crawl-delay: `HostPoliteness`), and all pages of one site
share a time budget, so a slow site costs a bounded time, not a worker's day.
"""

import http.client
import ipaddress
import re
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from protego import Protego
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.response import HTTPResponse
from urllib3.util import connection as urllib3_connection

from leadgen_pipeline.clients.host_politeness import HostPoliteness, SlotTimeout
from leadgen_pipeline.clients.resilience import Usage

USER_AGENT = "leadgen-pipeline/0.1 (+business contact discovery)"
HTML_TYPES = ("text/html", "application/xhtml+xml")
Origin = tuple[str, int]  # (host, port) as it appears in a URL


class BlockedAddress(OSError):
    """A destination the fetcher must not connect to."""


class RobotsUnavailable(Exception):
    """robots.txt could not be read; the site counts as disallowed until it can.

    `transient` when it may be read later (5xx, no answer); not when the site itself
    is at fault (a robots.txt dripped or cut off by our deadlines)."""

    def __init__(self, reason: str, *, transient: bool = True) -> None:
        super().__init__(reason)
        self.transient = transient


def origin_of(url: str) -> Origin:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BlockedAddress(f"only http(s) URLs with a host are fetched: {url[:100]!r}")
    return parts.hostname.lower(), parts.port or (443 if parts.scheme == "https" else 80)


def parse_allowed_origins(spec: str | Iterable[str]) -> frozenset[Origin]:
    """Origins from 'http://127.0.0.1:8703,http://[::1]:9000' (or a list of such URLs)."""
    items = spec.split(",") if isinstance(spec, str) else spec
    return frozenset(origin_of(item.strip()) for item in items if item.strip())


# IPv6 ranges that carry an IPv4 address inside: a packet to them reaches that
# IPv4 host through a translator or a tunnel, so they are judged by it.
NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052
NAT64_LOCAL_USE = ipaddress.IPv6Network("64:ff9b:1::/48")  # RFC 8215
# ::a.b.c.d, deprecated by RFC 4291 but still routed by some stacks.
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
LAST_32_BITS = 0xFFFFFFFF


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address] | None:
    """The IPv4 addresses an IPv6 address leads to (mapped, NAT64, 6to4, Teredo,
    IPv4-compatible); [] for a local-use NAT64 address whose IPv4 is not where the
    /96 form puts it; None when it embeds none."""
    if ip.ipv4_mapped is not None:
        return [ip.ipv4_mapped]
    if ip in NAT64_WELL_KNOWN or ip in NAT64_LOCAL_USE:
        # In the local-use /48 an operator may embed at /48, /56 or /64 too (RFC
        # 6052); only the /96 form (zeros between prefix and IPv4) is read, the
        # others are refused.
        if ip in NAT64_LOCAL_USE and int(ip) >> 32 != int(NAT64_LOCAL_USE.network_address) >> 32:
            return []
        return [ipaddress.IPv4Address(int(ip) & LAST_32_BITS)]
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    if ip.teredo is not None:
        server, client = ip.teredo
        return [server, client]
    if ip in IPV4_COMPATIBLE and int(ip) > 1:  # not :: nor ::1
        return [ipaddress.IPv4Address(int(ip) & LAST_32_BITS)]
    return None


def is_public_address(address: str) -> bool:
    """A global unicast address; an IPv6 one that embeds IPv4 only if every IPv4 inside is."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and (inside := embedded_ipv4(ip)) is not None:
        return bool(inside) and all(v4.is_global and not v4.is_multicast for v4 in inside)
    return ip.is_global and not ip.is_multicast


def resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise BlockedAddress(f"{host} does not resolve: {error.strerror}") from None
    return list(dict.fromkeys(info[4][0] for info in infos))


@dataclass(frozen=True)
class AddressGuard:
    """Decides whether a (host, port) may be connected to, and to which address.

    `resolver` turns a host into its addresses (the machine's resolver by default);
    tests give a stub, so a name that resolves inside the network is decided without
    a lookup or a packet."""

    allowed_origins: frozenset[Origin] = frozenset()
    allowed_ports: frozenset[int] = frozenset({80, 443})
    resolver: Callable[[str, int], list[str]] = resolve

    def permitted_addresses(self, host: str, port: int) -> list[str]:
        """The resolved addresses it is safe to connect to; raises BlockedAddress if any is not."""
        return self.check_addresses(host, port, self.resolver(host, port))

    def check_addresses(self, host: str, port: int, addresses: Sequence[str]) -> list[str]:
        """The decision on what `host` resolved to: every address must pass.

        An origin allowed by name (the sandbox's) passes whole. Otherwise each
        address passes if it is an allowed origin itself, or a public address on
        a web port. A name that resolves to one good address and one bad one is
        refused outright rather than narrowed to the good one: a name that also
        points inside the network is a name not to trust (DNS rebinding).
        """
        if (host.lower().strip("[]"), port) in self.allowed_origins:
            return list(addresses)
        for address in addresses:
            if (address, port) in self.allowed_origins:
                continue
            if port not in self.allowed_ports:
                raise BlockedAddress(f"port {port} of {host} is not a web port")
            if not is_public_address(address):
                raise BlockedAddress(f"{host} resolves to a non-public address ({address})")
        if not addresses:
            raise BlockedAddress(f"{host} resolves to no address")
        return list(addresses)


class _Watchdog:
    """Cuts the connection of one request when its deadline passes.

    Timeouts bound each read from the socket, not a whole response: a server that
    sends its status line or headers a byte every few seconds would hold a request
    for ever, and no deadline of ours is checked before the headers are complete.
    The watchdog shuts the socket down at the deadline, from a timer thread, so the
    blocked read returns at once, whatever phase the response is in.
    """

    def __init__(self, deadline: float) -> None:
        self.fired = False
        self._connection: HTTPConnection | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._fire)
        self._timer.daemon = True

    def watch(self, connection: HTTPConnection) -> None:
        """The connection the request is on: cut at once if the deadline has passed."""
        with self._lock:
            self._connection = connection
            if self.fired:
                self._shut(connection)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            if self._connection is not None:
                self._shut(self._connection)

    @staticmethod
    def _shut(connection: HTTPConnection) -> None:
        sock = connection.sock
        if sock is not None:
            with suppress(OSError):  # already closed
                sock.shutdown(socket.SHUT_RDWR)

    @contextmanager
    def armed(self) -> Iterator["_Watchdog"]:
        _watchdogs.current = self
        self._timer.start()
        try:
            yield self
        finally:
            self._timer.cancel()
            _watchdogs.current = None


_watchdogs = threading.local()  # the watchdog of the request this thread is making


def _guarded_connection(base: type[HTTPConnection]) -> type[HTTPConnection]:
    class GuardedConnection(base):  # type: ignore[valid-type, misc]
        guard: AddressGuard = AddressGuard()

        def getresponse(self, *args: object, **kwargs: object) -> object:
            watchdog = getattr(_watchdogs, "current", None)
            if watchdog is not None:
                watchdog.watch(self)
            return super().getresponse(*args, **kwargs)

        def _new_conn(self) -> socket.socket:
            last_error: OSError | None = None
            for address in self.guard.permitted_addresses(self._dns_host, self.port):
                try:
                    return urllib3_connection.create_connection(
                        (address, self.port), self.timeout, socket_options=self.socket_options
                    )
                except OSError as error:
                    last_error = error
            raise last_error or BlockedAddress(f"no address for {self._dns_host}")

    return GuardedConnection


class GuardedAdapter(HTTPAdapter):
    """A requests adapter whose every connection goes through an AddressGuard."""

    def __init__(self, guard: AddressGuard) -> None:
        self._guard = guard
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args: object, **kwargs: object) -> None:
        super().init_poolmanager(*args, **kwargs)
        pools = {}
        for scheme, pool_base, conn_base in (
            ("http", HTTPConnectionPool, HTTPConnection),
            ("https", HTTPSConnectionPool, HTTPSConnection),
        ):
            connection_cls = _guarded_connection(conn_base)
            connection_cls.guard = self._guard
            pools[scheme] = type(
                f"Guarded{pool_base.__name__}", (pool_base,), {"ConnectionCls": connection_cls}
            )
        self.poolmanager.pool_classes_by_scheme = pools


def guarded_session(guard: AddressGuard, user_agent: str) -> requests.Session:
    """A requests session whose every connection goes through `guard`."""
    session = requests.Session()
    session.trust_env = False  # no proxies or netrc from the environment
    session.headers["User-Agent"] = user_agent
    adapter = GuardedAdapter(guard)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


@dataclass(frozen=True)
class FetchedPage:
    url: str  # as requested
    final_url: str  # after redirects
    status: int | None
    content: bytes
    content_type: str | None
    truncated: bool
    elapsed_s: float
    error: str | None = None  # why nothing (or only part) usable came back
    # The loss may heal by itself (429, 5xx, a refused or timed-out connection):
    # worth trying again later, unlike a 404, a binary page or a stall mid-body.
    transient: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and self.status == 200

    @property
    def charset(self) -> str | None:
        """The charset its Content-Type header declares."""
        return charset_of(self.content_type)


TRANSIENT_STATUSES = frozenset({408, 425, 429})


def is_transient_status(status: int) -> bool:
    return status in TRANSIENT_STATUSES or status >= 500


class BudgetSpent(Exception):
    """The site's time budget ran out before this request could be made."""


class CutOff(Exception):
    """A deadline passed before the server sent its response headers."""


# What urllib3 decodes (gzip, deflate; br and zstd only with their packages installed).
DECODED_ENCODINGS = frozenset({*HTTPResponse.CONTENT_DECODERS, "identity"})


def unsupported_encodings(content_encoding: str | None) -> str | None:
    """The content codings of a response we cannot decode, or None.

    urllib3 passes a coding it does not know through as is: a brotli body sent to
    a client that never asked for it would be read as HTML."""
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    unknown = [c for c in codings if c not in DECODED_ENCODINGS]
    return ", ".join(unknown)[:50] if unknown else None


def charset_of(content_type: str | None) -> str | None:
    """The charset a Content-Type header declares: 'text/html; charset="Shift_JIS"'."""
    found = re.search(r"""charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", content_type or "", re.I)
    return found.group(1) if found else None


def _reason_behind(error: BaseException) -> tuple[str, bool] | None:
    """What requests' wrapping hides: a guard refusal or a malformed response
    (neither heals by itself), as (reason, transient); None for anything else."""
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, BlockedAddress):
            return f"blocked: {cause}", False
        if isinstance(cause, http.client.HTTPException) and not isinstance(
            cause, http.client.RemoteDisconnected
        ):
            detail = f"{type(cause).__name__}: {cause}"[:100]
            return f"malformed response: {detail}", False
        nested = [a for a in getattr(cause, "args", ()) if isinstance(a, BaseException)]
        reason = getattr(cause, "reason", None)
        cause = (
            cause.__cause__
            or (reason if isinstance(reason, BaseException) else None)
            or (nested[0] if nested else None)
            or cause.__context__
        )
    return None


@dataclass
class WebsiteFetcher:
    guard: AddressGuard = field(default_factory=AddressGuard)
    max_bytes: int = 1_000_000
    page_deadline_s: float = 15.0
    # All pages of one site (robots.txt, redirects and waits for the host's turn
    # included) within this: a crawl never holds a worker longer.
    site_budget_s: float = 20.0
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 5.0
    # A body arriving slower than this on average, once `low_speed_grace_s` has
    # passed since its headers, is cut (curl's --speed-limit): a server that drips
    # bytes never trips the read timeout, and would otherwise hold the page to
    # its deadline. Any real page, even on a slow link, arrives far faster.
    min_bytes_per_second: int = 512
    low_speed_grace_s: float = 2.0
    max_redirects: int = 5
    respect_robots: bool = True
    # RFC 9309 asks crawlers to read at least 500 KiB of a robots.txt; the rest is
    # ignored (a huge file costs the parser ~50 MB per MB).
    robots_max_bytes: int = 512_000
    politeness: HostPoliteness = field(default_factory=HostPoliteness)
    usage: Usage = field(default_factory=Usage)
    _local: threading.local = field(default_factory=threading.local, repr=False)
    # Parsed robots.txt by origin, least recently used first. A crawl stays on
    # one origin, so a few suffice; bounded, so that a long-lived fetcher does
    # not keep one for every site it ever visited.
    robots_cache_size: int = 256
    _robots: OrderedDict[str, Protego] = field(default_factory=OrderedDict, repr=False)
    _robots_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = guarded_session(self.guard, USER_AGENT)
            self._local.session = session
        return session

    def site_deadline(self) -> float:
        """The monotonic moment by which a crawl starting now must be done."""
        return time.monotonic() + self.site_budget_s

    def _deadline_reason(self, admitted: float, site_deadline: float) -> str:
        if admitted + self.page_deadline_s <= site_deadline:
            return f"deadline of {self.page_deadline_s:g} s passed"
        return f"site budget of {self.site_budget_s:g} s spent"

    def _read_capped(
        self,
        response: requests.Response,
        admitted: float,
        site_deadline: float,
        max_bytes: int,
        watchdog: _Watchdog,
    ) -> tuple[bytes, bool, str | None]:
        chunks: list[bytes] = []
        size = 0
        body_started = time.monotonic()
        while True:
            now = time.monotonic()
            if now - admitted > self.page_deadline_s:
                return b"".join(chunks), True, f"deadline of {self.page_deadline_s:g} s passed"
            if now > site_deadline:
                return b"".join(chunks), True, f"site budget of {self.site_budget_s:g} s spent"
            receiving = now - body_started
            if receiving > self.low_speed_grace_s and size < self.min_bytes_per_second * receiving:
                return b"".join(chunks), True, f"too slow: {size} bytes in {receiving:.1f} s"
            # read1 returns whatever has arrived, so a server dripping bytes
            # cannot hold one read open past the deadline. Decoding gzip and
            # deflate here, at most 64 KiB a call, lets the byte cap stop a
            # compression bomb too.
            try:
                chunk = response.raw.read1(65536, decode_content=True)
            except (urllib3.exceptions.HTTPError, OSError) as error:
                if watchdog.fired:
                    return b"".join(chunks), True, self._deadline_reason(admitted, site_deadline)
                # Reading the raw stream bypasses requests' exception wrapping.
                return b"".join(chunks), bool(chunks), f"read failed: {type(error).__name__}"
            if watchdog.fired:  # the end we read may be our own cut, not the body's
                return b"".join(chunks), True, self._deadline_reason(admitted, site_deadline)
            if not chunk:
                return b"".join(chunks), False, None
            chunks.append(chunk)
            size += len(chunk)
            if size >= max_bytes:
                return b"".join(chunks)[:max_bytes], True, None

    def _get_once(
        self, url: str, site_deadline: float, crawl_delay_s: float | None, max_bytes: int
    ) -> tuple[requests.Response, bytes, bool, str | None]:
        host, _ = origin_of(url)
        try:
            with self.politeness.slot(host, crawl_delay_s=crawl_delay_s, deadline=site_deadline):
                return self._get_admitted(url, site_deadline, max_bytes)
        except SlotTimeout:
            raise BudgetSpent(f"site budget of {self.site_budget_s:g} s spent") from None

    def _get_admitted(
        self, url: str, site_deadline: float, max_bytes: int
    ) -> tuple[requests.Response, bytes, bool, str | None]:
        # The page's time budget starts once the host's turn comes: waiting for
        # our own politeness is not the site being slow.
        admitted = time.monotonic()
        remaining = site_deadline - admitted
        if remaining <= 0:
            raise BudgetSpent(f"site budget of {self.site_budget_s:g} s spent")
        watchdog = _Watchdog(min(admitted + self.page_deadline_s, site_deadline))
        with watchdog.armed():
            try:
                response = self._session.get(
                    url,
                    stream=True,
                    allow_redirects=False,
                    timeout=(
                        min(self.connect_timeout_s, remaining),
                        min(self.read_timeout_s, remaining),
                    ),
                )
            except requests.RequestException as error:
                if watchdog.fired:
                    reason = self._deadline_reason(admitted, site_deadline)
                    raise CutOff(f"{reason} before the response headers") from error
                raise
            with response:
                if watchdog.fired:  # the headers ended at our cut: they are not all there
                    reason = self._deadline_reason(admitted, site_deadline)
                    raise CutOff(f"{reason} before the response headers")
                if response.is_redirect:
                    return response, b"", False, None
                if unknown := unsupported_encodings(response.headers.get("Content-Encoding")):
                    return response, b"", False, f"unsupported content encoding ({unknown})"
                content_type = (
                    response.headers.get("Content-Type", "").split(";")[0].strip().lower()
                )
                if (
                    response.status_code == 200
                    and content_type not in HTML_TYPES
                    and not url.endswith("/robots.txt")
                ):
                    return (
                        response,
                        b"",
                        False,
                        f"not an HTML page ({content_type or 'no content type'})",
                    )
                body, truncated, error = self._read_capped(
                    response, admitted, site_deadline, max_bytes, watchdog
                )
        return response, body, truncated, error

    def fetch(self, url: str, site_deadline: float | None = None) -> FetchedPage:
        """GET a page, following redirects by hand; failures come back as `error`, never raise.

        `site_deadline` (monotonic, from `site_deadline()`) is shared by every page
        of one crawl; without one, the page gets a site's budget of its own.
        """
        deadline = self.site_deadline() if site_deadline is None else site_deadline
        return self._fetch(url, deadline, check_robots=self.respect_robots)

    def _fetch(
        self, url: str, site_deadline: float, *, check_robots: bool, max_bytes: int | None = None
    ) -> FetchedPage:
        started = time.monotonic()
        current, seen = url, {url}
        try:
            for _ in range(self.max_redirects + 1):
                self.guard.permitted_addresses(*origin_of(current))
                crawl_delay = None
                if check_robots:
                    robots = self._robots_for(current, site_deadline)
                    if not robots.can_fetch(current, USER_AGENT):
                        return self._failed(url, current, started, "disallowed by robots.txt")
                    crawl_delay = robots.crawl_delay(USER_AGENT)
                response, body, truncated, error = self._get_once(
                    current, site_deadline, crawl_delay, max_bytes or self.max_bytes
                )
                self.usage.record_call(str(response.status_code))
                if not response.is_redirect:
                    status = response.status_code
                    return FetchedPage(
                        url,
                        current,
                        status,
                        body,
                        response.headers.get("Content-Type"),
                        truncated,
                        time.monotonic() - started,
                        error or (None if status == 200 else f"HTTP {status}"),
                        transient=is_transient_status(status),
                    )
                current = urljoin(current, response.headers.get("Location", ""))
                if current in seen:
                    return self._failed(url, current, started, "redirect loop")
                seen.add(current)
            return self._failed(url, current, started, f"more than {self.max_redirects} redirects")
        except BlockedAddress as error:
            return self._failed(url, current, started, f"blocked: {error}")
        except RobotsUnavailable as error:
            return self._failed(url, current, started, str(error), transient=error.transient)
        except (BudgetSpent, CutOff) as error:
            # Not transient: a site too slow for its budget today will be tomorrow.
            return self._failed(url, current, started, str(error))
        except requests.RequestException as error:
            if (known := _reason_behind(error)) is not None:
                # Refused by the guard on connecting (the name now resolves
                # elsewhere), or a response no HTTP client can read.
                return self._failed(url, current, started, known[0], transient=known[1])
            # No answer at all (refused, reset, timed out): the site may be back later.
            return self._failed(url, current, started, type(error).__name__, transient=True)

    def _failed(
        self, url: str, final_url: str, started: float, reason: str, *, transient: bool = False
    ) -> FetchedPage:
        self.usage.record_call(reason.split(":")[0])
        return FetchedPage(
            url, final_url, None, b"", None, False, time.monotonic() - started, reason, transient
        )

    def _robots_for(self, url: str, site_deadline: float) -> Protego:
        """robots.txt of the URL's origin (RFC 9309): what it allows, its Crawl-delay.

        A robots.txt that is missing (4xx) allows everything; one that cannot
        be read (5xx, no answer) forbids everything for now, uncached, so a
        later attempt asks again.
        """
        parts = urlsplit(url)
        root = f"{parts.scheme}://{parts.netloc}"
        with self._robots_lock:
            parser = self._robots.get(root)
            if parser is not None:
                self._robots.move_to_end(root)
        if parser is None:
            robots = self._fetch(
                f"{root}/robots.txt",
                site_deadline,
                check_robots=False,
                max_bytes=self.robots_max_bytes,
            )
            if robots.error and robots.error.startswith("site budget"):
                raise BudgetSpent(robots.error)
            if robots.transient:
                raise RobotsUnavailable(f"robots.txt unavailable: {robots.error}")
            if robots.error and (
                robots.status == 200 or robots.error.startswith(("deadline", "malformed"))
            ):
                # Cut off mid-body (too slow, a deadline, the connection lost): the
                # rules read so far may stop before the one that disallows us, so
                # nothing is allowed. Not cached: a later crawl asks again.
                raise RobotsUnavailable(
                    f"robots.txt unreadable: {robots.error}",
                    transient=robots.error.startswith("read failed"),
                )
            # Protego (Scrapy's parser) understands the wildcards and Allow
            # precedence Google documents; the standard library's does not.
            parser = Protego.parse(robots.content.decode("utf-8", "replace") if robots.ok else "")
            with self._robots_lock:
                self._robots[root] = parser
                while len(self._robots) > self.robots_cache_size:
                    self._robots.popitem(last=False)
        return parser
