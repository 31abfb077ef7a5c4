"""The website guard as decisions: resolve, then check the address; nothing connects."""

import pytest

from leadgen_pipeline.clients.web import (
    AddressGuard,
    BlockedAddress,
    is_public_address,
    origin_of,
    parse_allowed_origins,
)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("172.31.255.255", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("127.0.0.1", False),
        ("0.0.0.0", False),
        ("100.64.0.1", False),  # carrier-grade NAT
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:10.0.0.1", False),  # IPv4-mapped private
        ("8.8.8.8", True),
        ("2001:4860:4860::8888", True),
        # IPv6 forms that carry an IPv4 address are judged by the IPv4 inside.
        ("::ffff:8.8.8.8", True),
        ("64:ff9b::10.0.0.1", False),  # NAT64, well-known prefix
        ("64:ff9b::169.254.169.254", False),
        ("64:ff9b::127.0.0.1", False),
        ("64:ff9b::8.8.8.8", True),
        ("64:ff9b:1::10.0.0.1", False),  # NAT64, local-use prefix (/96 form)
        ("64:ff9b:1::192.168.1.1", False),
        ("64:ff9b:1::8.8.8.8", True),
        ("64:ff9b:1:a00:1::", False),  # local-use, IPv4 at the /48 position: refused
        ("2002:a00:1::", False),  # 6to4 of 10.0.0.1
        ("2002:a9fe:a9fe::1", False),  # 6to4 of 169.254.169.254
        ("2002:7f00:1::", False),  # 6to4 of 127.0.0.1
        ("2002:808:808::", True),  # 6to4 of 8.8.8.8
        ("2001:0:4136:e378:8000:63bf:f5ff:fffe", False),  # Teredo, client 10.0.0.1
        ("2001:0:808:808:8000:63bf:f7f7:f7f7", True),  # Teredo, 8.8.8.8 to 8.8.8.8
        ("::10.0.0.1", False),  # IPv4-compatible
        ("::127.0.0.1", False),
        ("::169.254.169.254", False),
        ("::8.8.8.8", True),
    ],
)
def test_only_global_unicast_addresses_are_public(address, public):
    assert is_public_address(address) is public


@pytest.mark.parametrize(
    "url",
    [
        "http://10.255.255.1/",
        "http://192.168.0.10:80/admin",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://127.0.0.1/",
        "http://localhost/",
        "http://0x7f000001/",  # 127.0.0.1 written in hex
        "http://2130706433/",  # 127.0.0.1 written as one number
    ],
)
def test_private_and_loopback_destinations_are_refused(url):
    guard = AddressGuard()
    with pytest.raises(BlockedAddress, match=r"non-public|not a web port"):
        guard.permitted_addresses(*origin_of(url))


@pytest.mark.parametrize(
    "url", ["ftp://example.com/", "file:///etc/passwd", "javascript:alert(1)", "http:///nohost"]
)
def test_only_http_urls_with_a_host_are_fetched(url):
    with pytest.raises(BlockedAddress, match="only http"):
        origin_of(url)


def test_a_public_address_on_an_odd_port_is_refused():
    with pytest.raises(BlockedAddress, match="not a web port"):
        AddressGuard().permitted_addresses("8.8.8.8", 6379)


def test_a_public_literal_address_is_permitted_without_connecting():
    assert AddressGuard().permitted_addresses("8.8.8.8", 443) == ["8.8.8.8"]


def test_an_allowed_origin_is_exempt_but_only_on_its_port():
    guard = AddressGuard(allowed_origins=parse_allowed_origins("http://127.0.0.1:8703"))
    assert guard.permitted_addresses("127.0.0.1", 8703) == ["127.0.0.1"]
    with pytest.raises(BlockedAddress):
        guard.permitted_addresses("127.0.0.1", 8704)
    with pytest.raises(BlockedAddress):
        guard.permitted_addresses("10.0.0.1", 8703)


def test_allowed_origins_parse_from_a_comma_list():
    assert parse_allowed_origins(" http://127.0.0.1:8703, https://[::1] ,") == {
        ("127.0.0.1", 8703),
        ("::1", 443),
    }


@pytest.mark.parametrize(
    "addresses",
    [
        ["8.8.8.8", "10.0.0.1"],
        ["10.0.0.1", "8.8.8.8"],
        ["2001:4860:4860::8888", "::1"],
        ["8.8.8.8", "64:ff9b::a9fe:a9fe"],
    ],
)
def test_a_name_resolving_to_a_public_and_a_private_address_is_refused(addresses):
    with pytest.raises(BlockedAddress, match="non-public"):
        AddressGuard().check_addresses("mixed.example", 443, addresses)


def test_a_name_resolving_to_an_allowed_and_a_private_address_is_refused():
    guard = AddressGuard(allowed_origins=parse_allowed_origins("http://127.0.0.1:8703"))
    assert guard.check_addresses("sites.test", 8703, ["127.0.0.1"]) == ["127.0.0.1"]
    for addresses in (["127.0.0.1", "10.0.0.1"], ["10.0.0.1", "127.0.0.1"]):
        with pytest.raises(BlockedAddress):
            guard.check_addresses("sites.test", 8703, addresses)
    public_guard = AddressGuard(allowed_origins=parse_allowed_origins("http://127.0.0.1:80"))
    with pytest.raises(BlockedAddress, match=r"non-public address \(169\.254\.169\.254\)"):
        public_guard.check_addresses("sites.test", 80, ["127.0.0.1", "169.254.169.254"])


def test_every_public_address_of_a_name_is_returned_and_none_is_refused():
    guard = AddressGuard()
    assert guard.check_addresses("ok.example", 443, ["8.8.8.8", "2001:4860:4860::8888"]) == [
        "8.8.8.8",
        "2001:4860:4860::8888",
    ]
    with pytest.raises(BlockedAddress, match="no address"):
        guard.check_addresses("empty.example", 443, [])


def test_an_origin_allowed_by_name_passes_whole():
    guard = AddressGuard(allowed_origins=parse_allowed_origins("http://localhost:8703"))
    assert guard.check_addresses("localhost", 8703, ["127.0.0.1", "::1"]) == ["127.0.0.1", "::1"]
