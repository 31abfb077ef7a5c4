"""DNS for mail domains: MX, then A/AAAA, through one configured resolver, cached.

Lookups go only to the resolver the configuration names (``LEADGEN_DNS_RESOLVER``,
"host[:port]", several comma-separated): with none configured there is no client and
every email's domain state is "unknown". dnspython does the wire format; the system's
resolver configuration (resolv.conf) is never read. Answers are cached per domain
(least recently used dropped first), failures included for a short while, so a
site's three addresses at one domain cost one lookup.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

import dns.exception
import dns.name
import dns.resolver

from leadgen_pipeline.clients.resilience import Usage
from leadgen_pipeline.domain.deliverability import MailDomainState

RESOLVER_ENV = "LEADGEN_DNS_RESOLVER"


class InvalidResolver(ValueError):
    """A resolver setting that names no usable address."""


def parse_resolvers(spec: str) -> list[tuple[str, int]]:
    """ "127.0.0.1:5353,::1" -> [("127.0.0.1", 5353), ("::1", 53)]; IP addresses only, so
    finding the resolver never needs a lookup of its own."""
    import ipaddress

    resolvers = []
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        if item.startswith("["):  # [::1]:5353
            host, _, rest = item[1:].partition("]")
            port_text = rest.removeprefix(":") or "53"
        elif item.count(":") == 1:  # 127.0.0.1:5353
            host, _, port_text = item.partition(":")
        else:  # 127.0.0.1, ::1
            host, port_text = item, "53"
        port = int(port_text) if port_text.isdigit() else -1
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise InvalidResolver(f"{item!r} is not an IP address[:port]") from None
        if not 0 < port < 65536:
            raise InvalidResolver(f"{item!r} has no valid port")
        resolvers.append((host, port))
    return resolvers


@dataclass
class MailDomainResolver:
    """Looks up where a domain takes mail: "mx", "a", "none", "null_mx" or "unknown"."""

    resolvers: list[tuple[str, int]]
    timeout_s: float = 3.0
    cache_size: int = 4096
    # A failed lookup (timeout, SERVFAIL) is asked again after this long.
    failure_ttl_s: float = 60.0
    usage: Usage = field(default_factory=Usage)
    _cache: OrderedDict[str, tuple[MailDomainState, float]] = field(
        default_factory=OrderedDict, repr=False
    )
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if not self.resolvers:
            raise InvalidResolver("no resolver address given")
        self._resolver = dns.resolver.Resolver(configure=False)
        self._resolver.nameservers = [host for host, _ in self.resolvers]
        self._resolver.nameserver_ports = dict(self.resolvers)
        self._resolver.lifetime = self.timeout_s
        self._resolver.timeout = self.timeout_s / 2
        self._resolver.cache = None  # ours is per domain, with failures kept briefly

    @classmethod
    def from_spec(cls, spec: str | None, timeout_s: float = 3.0) -> MailDomainResolver | None:
        """A resolver for ``LEADGEN_DNS_RESOLVER``'s value; None when it is unset or empty."""
        resolvers = parse_resolvers(spec or "")
        return cls(resolvers, timeout_s=timeout_s) if resolvers else None

    def mail_domain(self, domain: str) -> MailDomainState:
        domain = domain.strip().lower().rstrip(".")
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(domain)
            if cached is not None and (
                cached[0] != "unknown" or now - cached[1] < self.failure_ttl_s
            ):
                self._cache.move_to_end(domain)
                return cached[0]
        state = self._look_up(domain)
        with self._lock:
            self._cache[domain] = (state, now)
            self._cache.move_to_end(domain)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return state

    def _look_up(self, domain: str) -> MailDomainState:
        try:
            name = dns.name.from_text(domain)
        except dns.exception.DNSException:
            return "none"
        try:
            answer = self._query(name, "MX")
            exchanges = [str(record.exchange) for record in answer]
            if exchanges == ["."]:
                return "null_mx"
            return "mx"
        except dns.resolver.NXDOMAIN:
            return "none"
        except dns.resolver.NoAnswer:
            pass
        except dns.exception.DNSException:
            return "unknown"
        # No MX: an address record is the implicit MX (RFC 5321 5.1).
        for record_type in ("A", "AAAA"):
            try:
                self._query(name, record_type)
                return "a"
            except (dns.resolver.NoAnswer, dns.resolver.NXDOMAIN):
                continue
            except dns.exception.DNSException:
                return "unknown"
        return "none"

    def _query(self, name: dns.name.Name, record_type: str) -> dns.resolver.Answer:
        try:
            answer = self._resolver.resolve(name, record_type, search=False)
        except dns.exception.DNSException as error:
            self.usage.record_call(type(error).__name__)
            raise
        self.usage.record_call("answer")
        return answer
