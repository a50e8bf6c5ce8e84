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
from csp.middleware import CheckableLazyObject, CSPMiddleware, PolicyParts
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
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
        if not _takes_the_settings_policy(request, response):
            return self._built_response(request, response)
        # The policy of the settings alone, as the code below builds it: built once per settings.
        for header, value in self._settings_headers().items():
            if header not in response:
                response[header] = value
        if getattr(request, "_csp_nonce", None) is None:
            # As django-csp does: a nonce asked for after the header was written is an error.
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response

    def _built_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        response = super().process_response(request, response)
        # django-csp joins the directives in set order, which differs between worker processes:
        # one fixed order, so every server (and every cached copy) sends the same header.
        for header in (HEADER, HEADER_REPORT_ONLY):
            if header in response:
                response[header] = _in_fixed_order(response[header])
        return response

    def _settings_headers(self) -> dict[str, str]:
        global _settings_headers
        if _settings_headers is None:
            built = self._built_response(HttpRequest(), HttpResponse())
            _settings_headers = {h: built[h] for h in (HEADER, HEADER_REPORT_ONLY) if h in built}
        return _settings_headers


# The headers of the settings' policy with nothing per request (building them costs more than the
# rest of a cached storefront answer); forgotten whenever a setting changes (tests change them).
_settings_headers: dict[str, str] | None = None
_PER_RESPONSE = (
    "_csp_config", "_csp_update", "_csp_replace", "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro",
    "_csp_exempt", "_csp_exempt_ro",
)  # fmt: skip


@receiver(setting_changed)
def _forget_settings_headers(**kwargs: Any) -> None:
    global _settings_headers
    _settings_headers = None


def _takes_the_settings_policy(request: HttpRequest, response: HttpResponseBase) -> bool:
    """The header is the settings' policy as it is: no nonce, no per-view change, no exemption,
    no excluded prefixes (path dependent), and not DEBUG (which exempts its error pages)."""
    if settings.DEBUG or getattr(request, "_csp_nonce", None) is not None:
        return False
    if any(getattr(response, name, None) not in (None, False) for name in _PER_RESPONSE):
        return False
    for name in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY"):
        if (getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES"):
            return False
    return True


def _in_fixed_order(policy: str) -> str:
    parts = [part.strip() for part in policy.split(";") if part.strip()]
    return "; ".join(sorted(parts, key=lambda part: (not part.startswith("default-src "), part)))
