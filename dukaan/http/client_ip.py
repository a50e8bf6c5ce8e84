"""Who is asking: the client address behind our own proxies, and the unit per-IP limits count.

Used by every per-IP limit (one-time codes, order placement, admin sign-in) and by /readyz to
decide who may see its details.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def rate_limit_address(ip: str | None) -> str | None:
    """The address per-IP limits count by: an IPv4 address, or the /64 network of an IPv6 one.

    One phone line or home gets a whole IPv6 /64 and can switch addresses inside it at will, so
    counting single IPv6 addresses would put no limit on what one client can do.
    IPv4 clients seen through a dual-stack socket (::ffff:a.b.c.d) count as their IPv4 address.
    """
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return str(address)


def client_ip(request: HttpRequest) -> str | None:
    """The address a request came from, for per-IP limits.

    X-Forwarded-For is trusted only when the direct peer is one of our own proxies
    (DUKAAN_TRUSTED_PROXY_IPS), and then only its last hop: the address our proxy saw.
    Anything earlier in the header was written by the client and could be forged.
    """
    remote = _valid_ip(request.META.get("REMOTE_ADDR", "") or "")
    if remote is None:
        return None
    trusted = {ip for ip in (_valid_ip(p) for p in settings.DUKAAN_TRUSTED_PROXY_IPS) if ip}
    if remote in trusted:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop for hop in forwarded.split(",") if hop.strip()]
        if hops:
            last = _valid_ip(hops[-1])
            if last is not None:
                return last
    return remote


def client_rate_limit_address(request: HttpRequest) -> str | None:
    """`client_ip` as per-IP limits count it (an IPv6 client as its /64)."""
    return rate_limit_address(client_ip(request))
