"""The mail-domain DNS client against the sandbox's loopback DNS server."""

import pytest

from leadgen_pipeline.clients.dns import (
    InvalidResolver,
    MailDomainResolver,
    parse_resolvers,
)
from leadgen_sandbox.dns import SandboxDNSServer, domain_state


@pytest.fixture(scope="module")
def dns_server():
    with SandboxDNSServer() as server:
        yield server


@pytest.fixture
def resolver(dns_server):
    return MailDomainResolver(parse_resolvers(dns_server.address), timeout_s=0.5)


@pytest.mark.parametrize(
    ("domain", "state"),
    [
        ("gmail.com", "mx"),
        ("a-only-bakery.de", "a"),
        ("nomail-bakery.de", "none"),
        ("nullmx-bakery.de", "null_mx"),
        ("slow-bakery.de", "unknown"),
    ],
)
def test_mx_then_address_records_then_nothing(resolver, domain, state):
    assert resolver.mail_domain(domain) == state


def test_the_hash_rule_gives_domains_without_mail_too(resolver):
    domains = [f"business{index}.com" for index in range(40)]
    states = {resolver.mail_domain(domain) for domain in domains}
    assert states == {"mx", "a", "none"}
    assert all(resolver.mail_domain(d) == domain_state(d) for d in domains)


def test_each_domain_is_looked_up_once(resolver):
    for _ in range(3):
        assert resolver.mail_domain("Cafe-Luna.IT") == resolver.mail_domain("cafe-luna.it")
    first = resolver.usage.snapshot()["calls"]
    resolver.mail_domain("cafe-luna.it.")
    assert resolver.usage.snapshot()["calls"] == first


def test_no_resolver_configured_means_no_client():
    assert MailDomainResolver.from_spec(None) is None
    assert MailDomainResolver.from_spec("  ") is None


@pytest.mark.parametrize(
    ("spec", "parsed"),
    [
        ("127.0.0.1", [("127.0.0.1", 53)]),
        ("127.0.0.1:5353, ::1", [("127.0.0.1", 5353), ("::1", 53)]),
        ("[::1]:5300", [("::1", 5300)]),
    ],
)
def test_resolver_addresses(spec, parsed):
    assert parse_resolvers(spec) == parsed


@pytest.mark.parametrize("spec", ["dns.google", "127.0.0.1:abc", "127.0.0.1:70000"])
def test_a_resolver_must_be_an_ip_address_with_a_port(spec):
    with pytest.raises(InvalidResolver):
        parse_resolvers(spec)
