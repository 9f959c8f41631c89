"""What the access log keeps of a client's address."""

from __future__ import annotations

import pytest

from screener.accesslog import client_column


@pytest.mark.parametrize("address, mode, expected", [
    ("203.0.113.77", "truncate", "203.0.113.0"),
    ("2001:db8:abcd:12:1:2:3:4", "truncate", "2001:db8:abcd::"),
    ("203.0.113.77", "full", "203.0.113.77"),
    ("203.0.113.77", "none", None),
    ("not-an-address", "truncate", "-"),
])
def test_client_column(address, mode, expected):
    assert client_column(address, mode, b"key") == expected


def test_hash_is_keyed_and_stable():
    one = client_column("203.0.113.77", "hash", b"key")
    assert one == client_column("203.0.113.77", "hash", b"key")
    assert one != client_column("203.0.113.77", "hash", b"other key")
    assert one != client_column("203.0.113.78", "hash", b"key")
    assert "203.0.113" not in one and len(one) == 16
