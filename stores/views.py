"""The front door: what Dukaan is, and the one button that opens a store; the site's icons."""

from __future__ import annotations

import json
from functools import cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

# Browsers ask for /favicon.ico whatever the page says; the file lives with the other icons.
FAVICON = settings.BASE_DIR / "static" / "icons" / "favicon.ico"
ICONS_ONE_DAY = 24 * 3600


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


@cache
def _favicon_bytes() -> bytes:
    return FAVICON.read_bytes()


@require_safe
@cache_control(public=True, max_age=ICONS_ONE_DAY)
def favicon(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_favicon_bytes(), content_type="image/x-icon")


def manifest_icons() -> list[dict[str, str]]:
    """The home-screen icons every web app manifest of the site lists (hashed static URLs)."""
    return [
        {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
        {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        {
            "src": static("icons/icon-maskable-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
    ]


def manifest_response(manifest: dict) -> HttpResponse:
    response = HttpResponse(
        json.dumps(manifest, ensure_ascii=False), content_type="application/manifest+json; charset=utf-8"
    )
    response["Cache-Control"] = f"public, max-age={ICONS_ONE_DAY}"
    return response


@require_safe
def web_manifest(request: HttpRequest) -> HttpResponse:
    """The seller's app: "Add to home screen" opens the dashboard with Dukaan's icon."""
    return manifest_response(
        {
            "name": "Dukaan for sellers",
            "short_name": "Dukaan",
            "description": "Run your online store from your phone: products, orders and payments.",
            "id": "/dashboard/",
            "start_url": "/dashboard/",
            "scope": "/",
            "display": "standalone",
            "background_color": "#f7f7f9",
            "theme_color": "#146eb4",
            "icons": manifest_icons(),
        }
    )
