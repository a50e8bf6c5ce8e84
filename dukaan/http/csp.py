"""The Content-Security-Policy header (django-csp), with the origins our own files are served from.

settings.CONTENT_SECURITY_POLICY holds the fixed policy: 'self' only, no inline script or style
anywhere (every template keeps its JavaScript and CSS in static/), so no per-request nonce is
needed and one header fits the storefront answers shared through Redis and nginx's micro-cache.
The middleware adds the origins the current settings serve files from: product photos and logos
on the bucket or CDN (img-src), static files too when they live there (script/style/font-src),
and the public address the checkout redirects a form to (form-action: the payment page).
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase


def origin_of(url: str | None) -> str | None:
    """scheme://host[:port] of an absolute URL, or None."""
    parts = urlsplit((url or "").strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def cdn_origin(cdn_domain: str | None) -> str | None:
    """The origin of DUKAAN_CDN_DOMAIN, by the rule dukaan.storage.cdn_domain_and_protocol applies
    to build the URLs ("cdn.mydukaan.io" is https, a loopback "127.0.0.1:9000/bucket" http,
    an explicit scheme wins). Not imported from there: that module loads boto3."""
    value = (cdn_domain or "").strip()
    if not value:
        return None
    if "://" in value:
        return origin_of(value)
    host = urlsplit(f"//{value}").hostname or ""
    return origin_of(f"{'http' if _is_loopback(host) else 'https'}://{value}")


def media_origins(
    *, bucket: str | None, cdn_domain: str | None, endpoint_url: str | None, region: str | None
) -> list[str]:
    """Where the media storage's public URLs point: nothing extra for the local disk (/media/)."""
    if not bucket:
        return []
    if cdn_domain:
        return [origin] if (origin := cdn_origin(cdn_domain)) else []
    if endpoint_url:  # an S3-compatible server, path-style URLs (http://minio:9000/bucket/key)
        return [origin] if (origin := origin_of(endpoint_url)) else []
    # AWS itself, virtual-hosted style, with or without the region in the host name.
    origins = [f"https://{bucket}.s3.amazonaws.com"]
    if region:
        origins.append(f"https://{bucket}.s3.{region}.amazonaws.com")
    return origins


@lru_cache(maxsize=8)
def _origins_for(
    bucket: str, cdn_domain: str, endpoint_url: str, region: str, static_on_s3: bool, public_url: str
) -> dict[str, list[str]]:
    media = media_origins(bucket=bucket, cdn_domain=cdn_domain, endpoint_url=endpoint_url, region=region)
    static = media if static_on_s3 and bucket else []
    public = origin_of(public_url)
    return {
        "img-src": media + static,
        "script-src": static,
        "style-src": static,
        "font-src": static,
        # The checkout form's answer redirects to the payment page at DUKAAN_PUBLIC_URL; browsers
        # check form-action on every redirect a form submission follows.
        "form-action": [public] if public else [],
    }


def asset_origins() -> dict[str, list[str]]:
    """The extra sources per directive for the current settings (tests change them at run time)."""
    return _origins_for(
        settings.AWS_STORAGE_BUCKET_NAME or "",
        getattr(settings, "DUKAAN_CDN_DOMAIN", "") or "",
        settings.AWS_S3_ENDPOINT_URL or "",
        settings.AWS_S3_REGION_NAME or "",
        bool(getattr(settings, "STATIC_ON_S3", False)),
        settings.DUKAAN_PUBLIC_URL or "",
    )


def _merged(base: dict[str, Any] | None, extra: dict[str, list[str]]) -> dict[str, Any]:
    merged: dict[str, Any] = {key: list(value) for key, value in extra.items() if value}
    for key, value in (base or {}).items():
        if value is None:
            continue
        values = list(value) if isinstance(value, list | tuple | set) else [value]
        merged[key] = merged.get(key, []) + values
    return merged


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, plus the asset and payment origins of asset_origins()."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        parts.update = _merged(parts.update, asset_origins())
        return parts

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        response = super().process_response(request, response)
        # django-csp joins the directives in set order, which differs between worker processes:
        # one fixed order, so every server (and every cached copy) sends the same header.
        for header in (HEADER, HEADER_REPORT_ONLY):
            if header in response:
                response[header] = _in_fixed_order(response[header])
        return response


def _in_fixed_order(policy: str) -> str:
    parts = [part.strip() for part in policy.split(";") if part.strip()]
    return "; ".join(sorted(parts, key=lambda part: (not part.startswith("default-src "), part)))
