"""Per-client limits count an IPv6 client per /64 and an IPv4 client per address: one host,
which holds a whole /64, cannot multiply its budget by changing address (issue 26)."""

from __future__ import annotations

import ipaddress
import secrets

import pytest
from hypothesis import given
from hypothesis import strategies as st

from screener.web.clientkey import client_key


@pytest.mark.parametrize("address, key", [
    ("203.0.113.9", "203.0.113.9"),
    ("2001:db8:1:2::9", "2001:db8:1:2::/64"),
    ("2001:DB8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
    ("::ffff:203.0.113.9", "203.0.113.9"),
    ("fe80::1%eth0", "fe80::/64"),
    (None, "unknown"), ("", "unknown"), ("not an address", "not an address"),
])
def test_the_key_of_an_address(address, key):
    assert client_key(address) == key


@given(network=st.integers(0, 2**64 - 1), host_a=st.integers(0, 2**64 - 1),
       host_b=st.integers(0, 2**64 - 1), other=st.integers(0, 2**64 - 1))
def test_one_slash_64_is_one_client_and_another_is_another(network, host_a, host_b, other):
    def address(high: int, low: int) -> str:
        return str(ipaddress.IPv6Address((high << 64) | low))

    if ipaddress.IPv6Address(network << 64).ipv4_mapped is not None:
        return  # ::ffff:0:0/96 is IPv4 written as IPv6
    assert client_key(address(network, host_a)) == client_key(address(network, host_b))
    if other != network:
        assert client_key(address(network, host_a)) != client_key(address(other, host_a))


def fresh_v6() -> str:
    """A /64 of the documentation range that no other test uses."""
    return f"2001:db8:{secrets.randbits(16):x}:{secrets.randbits(16):x}"


def fresh_v4() -> str:
    return f"198.51.{secrets.randbits(7)}.{secrets.randbits(7) + 1}"


# Each limit that keys on the client: (settings, method, path, form); three requests allowed.
LIMITS = {
    "api": ({"RATELIMIT_ENABLED": True, "API_RATE_LIMIT": "3 per minute"},
            "GET", "/api/v1/questions", None),
    "handoff": ({"RATELIMIT_ENABLED": True, "HANDOFF_RATE_LIMIT": "3 per hour"},
                "POST", "/withdraw", {}),
    "staff sign-in": ({"STAFF_SIGN_IN_RATE_LIMIT": "3 per hour"}, "POST", "/staff/sign-in",
                      {"email": "a@riverside.example", "password": "p"}),
}


@pytest.fixture(params=list(LIMITS))
def request_from(request, make_handoff_app):
    """``request_from(address)``: the limited request from that client; its status."""
    settings, method, path, form = LIMITS[request.param]
    client = make_handoff_app(**settings).test_client()

    def send(address: str) -> int:
        return client.open(path, method=method, data=form,
                           environ_base={"REMOTE_ADDR": address}).status_code

    return send


@pytest.mark.parametrize("backend", ["sqlite"])
def test_addresses_in_one_slash_64_share_a_count(request_from):
    network = fresh_v6()
    spent = [request_from(f"{network}::{i + 1:x}") for i in range(3)]
    assert 429 not in spent
    assert request_from(f"{network}:ffff:ffff:ffff:fffe") == 429
    assert request_from(f"{network}::1") == 429


@pytest.mark.parametrize("backend", ["sqlite"])
def test_another_slash_64_and_another_ipv4_address_count_apart(request_from):
    network, v4 = fresh_v6(), fresh_v4()
    assert 429 not in [request_from(f"{network}::1") for _ in range(3)]
    assert request_from(f"{network}::2") == 429
    assert request_from(f"{fresh_v6()}::1") != 429
    assert 429 not in [request_from(v4) for _ in range(3)]
    assert request_from(v4) == 429
    neighbour = v4.rsplit(".", 1)[0] + "." + str(int(v4.rsplit(".", 1)[1]) + 1)
    assert request_from(neighbour) != 429
