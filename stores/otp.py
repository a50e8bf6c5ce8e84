"""One-time codes: how they are made, hashed and compared, and who asked for them (client IP).

Only a keyed hash of a code is ever stored, so a database dump does not hand out logins.
The rules around codes (limits, attempts, expiry) live in stores.services.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets

from django.conf import settings
from django.http import HttpRequest

CODE_LENGTH = 6
_CODE_INPUT = re.compile(r"^\d{6}$")


def generate_code() -> str:
    """Six random digits from the OS's CSPRNG (leading zeros kept)."""
    return f"{secrets.randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}"


def hash_code(phone_e164: str, code: str) -> str:
    """HMAC-SHA256 of the code, keyed with SECRET_KEY and bound to the phone it was sent to."""
    key = settings.SECRET_KEY.encode()
    message = f"dukaan-otp:{phone_e164}:{code}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def code_matches(stored_hash: str, phone_e164: str, code: str) -> bool:
    """Constant-time comparison, so response timing does not leak how many characters matched."""
    return hmac.compare_digest(stored_hash.encode(), hash_code(phone_e164, code).encode())


def clean_code_input(raw: object) -> str | None:
    """The six digits a seller typed (spaces and dashes allowed between them), or None."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    if not isinstance(raw, str) or len(raw) > 20:
        return None
    digits = raw.strip().replace(" ", "").replace("-", "")
    return digits if _CODE_INPUT.match(digits) else None


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def rate_limit_address(ip: str | None) -> str | None:
    """The address per-IP limits count by: an IPv4 address, or the /64 network of an IPv6 one.

    One phone line or home gets a whole IPv6 /64 and can switch addresses inside it at will, so
    counting single IPv6 addresses would put no limit on the SMS one client can make us send.
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
