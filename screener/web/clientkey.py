"""The client a per-client limit counts: an IPv4 address, or an IPv6 /64 network.

An IPv6 host is usually given a whole /64 (SLAAC, privacy addresses) and can pick a new
address in it for every request; counted per address, one host would have 2**64 budgets
and could fill the urgent-first worklist alone. Every limit that keys on the client's
address takes its key from here, so they all agree.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

IPV6_PREFIX = 64


@lru_cache(maxsize=4096)
def client_key(address: str | None) -> str:
    """``203.0.113.9`` as it is; ``2001:db8:1:2::9`` as ``2001:db8:1:2::/64``; an
    IPv4-mapped IPv6 address as its IPv4 address. Anything else (no address, a Unix
    socket's name) is kept as it is, ``unknown`` when empty."""
    if not address:
        return "unknown"
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # a zone (fe80::1%eth0) aside
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, IPV6_PREFIX), strict=False))
    return str(ip)
