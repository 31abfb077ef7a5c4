"""The sandbox's DNS server: mail domains answered on loopback, over UDP.

The product's DNS client asks only the resolver it is configured with; in tests and the
demo that is this server, so no query reaches the machine's resolver. It answers from
rules, not a zone file, so every domain the data set, the corpus or a test invents
has an answer:

- a domain whose first label starts with ``nomail-`` (or a ``.invalid``/``.test`` name)
  does not exist (NXDOMAIN); ``a-only-`` has an A record and no MX; ``nullmx-`` has
  the RFC 7505 null MX; ``slow-`` never answers (the client times out);
- any other domain has an MX and an A record, except one in ten chosen by a hash of
  its name, which has nothing (NXDOMAIN), and one in ten, which has only an A record:
  a business's site on a domain that takes no mail is a real thing.
"""

from __future__ import annotations

import hashlib
import ipaddress
import threading

from dnslib import AAAA, MX, QTYPE, RCODE, RR, A, DNSRecord
from dnslib.server import BaseResolver, DNSServer

SANDBOX_ADDRESS = "192.0.2.10"  # TEST-NET-1: never routed, never connected to
TTL = 300


def domain_state(domain: str) -> str:
    """What the sandbox says about ``domain``: "mx", "a", "none", "null_mx" or "slow"."""
    domain = domain.lower().rstrip(".")
    label = domain.split(".", 1)[0]
    if label.startswith("nomail-") or domain.endswith((".invalid", ".test")):
        return "none"
    for prefix, state in (("a-only-", "a"), ("nullmx-", "null_mx"), ("slow-", "slow")):
        if label.startswith(prefix):
            return state
    bucket = hashlib.sha256(domain.encode()).digest()[0] % 10
    return {0: "none", 1: "a"}.get(bucket, "mx")


SLOW_ANSWER_SECONDS = 10.0


class _RuleResolver(BaseResolver):
    def __init__(self, stopping: threading.Event) -> None:
        self.stopping = stopping

    def resolve(self, request: DNSRecord, handler: object) -> DNSRecord:
        reply = request.reply()
        question = request.q
        name = str(question.qname).rstrip(".")
        state = domain_state(name)
        if state == "slow":
            # Answer long after any client's timeout (or at once when the server stops).
            self.stopping.wait(SLOW_ANSWER_SECONDS)
            reply.header.rcode = RCODE.SERVFAIL
            return reply
        if state == "none":
            reply.header.rcode = RCODE.NXDOMAIN
            return reply
        if question.qtype == QTYPE.MX and state in ("mx", "null_mx"):
            exchange = "." if state == "null_mx" else f"mail.{name}."
            preference = 0 if state == "null_mx" else 10
            reply.add_answer(RR(question.qname, QTYPE.MX, rdata=MX(exchange, preference), ttl=TTL))
        elif question.qtype == QTYPE.A:
            reply.add_answer(RR(question.qname, QTYPE.A, rdata=A(SANDBOX_ADDRESS), ttl=TTL))
        elif question.qtype == QTYPE.AAAA and state == "mx":
            reply.add_answer(RR(question.qname, QTYPE.AAAA, rdata=AAAA("2001:db8::10"), ttl=TTL))
        return reply


class SandboxDNSServer:
    """DNS over UDP on a loopback port; ``start()``/``stop()`` or a context manager."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"the sandbox binds to loopback only, not {host!r}")
        self.host = host
        self._stopping = threading.Event()
        resolver = _RuleResolver(self._stopping)
        # Answers are small (one MX or address record): UDP never truncates them.
        self._udp = DNSServer(resolver, address=host, port=port, logger=_Quiet())
        self.port = self._udp.server.server_address[1]
        self._lock = threading.Lock()

    @property
    def address(self) -> str:
        """What LEADGEN_DNS_RESOLVER is set to."""
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    def start(self) -> SandboxDNSServer:
        self._udp.start_thread()
        return self

    def stop(self) -> None:
        with self._lock:
            self._stopping.set()
            self._udp.server.shutdown()
            self._udp.server.server_close()

    def __enter__(self) -> SandboxDNSServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Quiet:
    """dnslib logs every query to stdout by default."""

    def __getattr__(self, name: str) -> object:
        return lambda *args, **kwargs: None
