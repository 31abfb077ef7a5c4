"""The subscriber URL guard as decisions (a stub resolver: nothing is looked up or connected),
and the sender's refusals before any connection."""

import pytest

from leadgen_pipeline.clients.web import AddressGuard, BlockedAddress, parse_allowed_origins
from leadgen_pipeline.clients.webhooks import WebhookSender, check_subscriber_url


def resolves_to(*addresses: str):
    asked: list[tuple[str, int]] = []

    def resolver(host: str, port: int) -> list[str]:
        asked.append((host, port))
        return list(addresses)

    resolver.asked = asked  # type: ignore[attr-defined]
    return resolver


@pytest.mark.parametrize(
    "address",
    ["10.0.0.5", "172.20.1.1", "192.168.1.10", "169.254.169.254", "127.0.0.1", "::1", "fe80::1"],
)
def test_a_subscriber_that_resolves_inside_the_network_is_refused(address):
    resolver = resolves_to(address)
    with pytest.raises(BlockedAddress, match="non-public"):
        check_subscriber_url(AddressGuard(), "https://crm.example/hooks", resolver)
    assert resolver.asked == [("crm.example", 443)]


def test_one_private_answer_among_public_ones_refuses_the_name():
    with pytest.raises(BlockedAddress):
        check_subscriber_url(
            AddressGuard(), "https://crm.example/", resolves_to("93.184.216.34", "10.0.0.1")
        )


def test_a_public_subscriber_on_a_web_port_passes():
    check_subscriber_url(AddressGuard(), "https://crm.example/hooks", resolves_to("93.184.216.34"))


def test_a_public_subscriber_on_another_port_is_refused_unless_allowed():
    url = "https://crm.example:8443/hooks"
    with pytest.raises(BlockedAddress, match="not a web port"):
        check_subscriber_url(AddressGuard(), url, resolves_to("93.184.216.34"))
    allowed = AddressGuard(allowed_origins=parse_allowed_origins("https://crm.example:8443"))
    check_subscriber_url(allowed, url, resolves_to("93.184.216.34"))


def test_an_allowed_origin_on_the_private_network_passes():
    guard = AddressGuard(allowed_origins=parse_allowed_origins("http://crm.internal:8080"))
    check_subscriber_url(guard, "http://crm.internal:8080/in", resolves_to("10.0.0.7"))
    with pytest.raises(BlockedAddress):
        check_subscriber_url(guard, "http://crm.internal:8081/in", resolves_to("10.0.0.7"))


def test_the_sender_refuses_a_loopback_address_before_connecting():
    # Nothing listens on port 80 here: a connection attempt would fail as ConnectionError.
    result = WebhookSender().send("http://127.0.0.1:80/hooks", b"{}", {})
    assert result.status_code is None
    assert result.error == "blocked: 127.0.0.1 resolves to a non-public address (127.0.0.1)"
    assert not result.delivered
