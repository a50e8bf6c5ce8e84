"""Absolute URLs of our own pages, built from DUKAAN_PUBLIC_URL and never from the request.

A request's Host header (and its port) is the client's to choose: an absolute URL built from it
would let a forged Host steer a payment link, or a signed webhook, to a server of the client's.
"""

from __future__ import annotations

from django.conf import settings


def public_url(path: str) -> str:
    """`path` (from reverse(), starting with /) on the site's public address."""
    return settings.DUKAAN_PUBLIC_URL.rstrip("/") + "/" + path.lstrip("/")
