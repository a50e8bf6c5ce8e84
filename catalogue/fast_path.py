"""The storefront's early path: a stored answer for an anonymous visitor, before most of the middleware.

In a flash crowd nearly every request reaching an app server is an anonymous GET of a store page, a
product page or the catalogue API that the page cache (catalogue/page_cache.py) already holds. The
full stack spends most of such a hit on middleware that has nothing to do for it (sessions, CSRF,
authentication, messages, the dashboard's language, read-your-writes) and on resolving the URL.
This middleware stands in the stack just after the request id, security, CSP and charset middleware
(which still run, so X-Request-ID, the CSP and the security headers are theirs) and answers such a
hit itself: the same `stored_answer()` the views serve (catalogue/views.py), with what the skipped
middleware would have added (Content-Length from CommonMiddleware, X-Frame-Options from
XFrameOptionsMiddleware, both by their own code; DRF's Allow header for the API).

It answers only when the rest of the stack would give the same answer, and lets the request go the
full way on any doubt:
- a GET or HEAD, DEBUG off (DEBUG adds headers of its own), DUKAAN_STOREFRONT_EARLY_PATH on;
- no Authorization header, no Content-Type, and no cookie but the cart badge's count cookies
  (`dukaan_cart_<store id>`): a session, a read-your-writes pin, a CSRF cookie or anything else is
  served by the full stack, so a signed-in seller never gets a stored copy from here;
- the path resolves to the store page, the product page or the catalogue API, and CommonMiddleware
  would neither refuse the host nor redirect (and, for the API, DRF's content negotiation accepts);
- the page cache has the catalogue's current version (the same fence and stamp rules as the views,
  read in a fresh routing scope as ReadYourWritesMiddleware would open it): a 304, or the stored
  copy. A miss, an uncached store or Redis down goes the full way and is rendered there;
- the middleware after this one is exactly FOLLOWING (what it stands in for); with any other list it
  switches itself off at start, with a warning.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed, SuspiciousOperation
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.urls import Resolver404, get_urlconf, resolve
from django.utils.cache import patch_vary_headers

from catalogue import api, views
from dukaan.db import router as db_router

logger = logging.getLogger("dukaan.fast_path")

# What comes after this middleware in settings.MIDDLEWARE, and what answering early skips: each
# entry has been checked to do nothing to an anonymous, cookie-less GET of a stored storefront
# answer beyond what __call__ does in its place (see the module docstring).
FOLLOWING = (
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "stores.middleware.DashboardLanguageMiddleware",
    "dukaan.db.read_your_writes.ReadYourWritesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
)

# The cart badge's count cookie (checkout/cart.py COUNT_COOKIE_PREFIX; checkout sits above this app,
# so the name is repeated here and a test keeps the two equal). The full stack ignores it too.
CART_COOKIE_PREFIX = "dukaan_cart_"
SAFE_METHODS = ("GET", "HEAD")

STORE, PRODUCT, API = "store", "product", "api"

# Path -> (kind, slug, product id) or None, per URLconf: resolving costs more than the rest of a hit.
_ROUTES_MAX = 4096
_routes: dict[tuple[str, str], tuple[str, str, int | None] | None] = {}
_routes_lock = threading.Lock()


class Stats:
    """Per-process counters (tests read them to tell which path answered)."""

    def __init__(self) -> None:
        self.served = 0
        self.passed = 0

    def reset(self) -> None:
        self.served = self.passed = 0


stats = Stats()


@receiver(setting_changed)
def _forget(**kwargs: Any) -> None:
    with _routes_lock:
        _routes.clear()
    _api_headers.cache_clear()


def _route(path: str) -> tuple[str, str, int | None] | None:
    key = (str(get_urlconf() or settings.ROOT_URLCONF), path)
    try:
        return _routes[key]
    except KeyError:
        pass
    try:
        match = resolve(path)
    except Resolver404:
        found = None
    else:
        found = None
        if match.func is views.store:
            found = (STORE, match.kwargs["slug"], None)
        elif match.func is views.product:
            found = (PRODUCT, match.kwargs["slug"], int(match.kwargs["product_id"]))
        elif getattr(match.func, "view_class", None) is api.StoreCatalogView:
            found = (API, match.kwargs["slug"], None)
    with _routes_lock:
        if len(_routes) >= _ROUTES_MAX:
            _routes.clear()
        _routes[key] = found
    return found


@functools.cache
def _api_headers() -> dict[str, str] | None:
    """The headers DRF's finalize_response adds to the catalogue API's answers (None: go the full way).

    Only while the view has no authentication, throttles, versioning or permission but AllowAny:
    otherwise DRF could answer differently for some visitor, and the early path leaves the API alone.
    """
    from rest_framework.permissions import AllowAny

    view = api.StoreCatalogView()
    view.setup(HttpRequest())  # as as_view() does: HEAD is answered by get()
    if (
        view.authentication_classes
        or view.throttle_classes
        or view.versioning_class is not None
        or any(permission is not AllowAny for permission in view.permission_classes)
    ):
        return None
    return dict(view.default_response_headers)


def _api_accepts(request: HttpRequest) -> bool:
    """DRF's content negotiation of the view agrees (else it answers 406, or 404 for ?format=)."""
    from rest_framework.request import Request

    view = api.StoreCatalogView
    try:
        view.content_negotiation_class().select_renderer(
            Request(request), [r() for r in view.renderer_classes]
        )
    except Exception:
        return False
    return True


def _finish_api(response: HttpResponse, headers: dict[str, str]) -> None:
    headers = dict(headers)
    vary = headers.pop("Vary", None)
    if vary is not None:
        patch_vary_headers(response, [part.strip() for part in vary.split(",")])
    for name, value in headers.items():
        response[name] = value


class StorefrontFastPathMiddleware:
    """Answers an anonymous visitor's storefront request from the page cache, when it may (above)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        path = f"{__name__}.{type(self).__name__}"
        following = tuple(settings.MIDDLEWARE[list(settings.MIDDLEWARE).index(path) + 1 :])
        if following != FOLLOWING:
            logger.warning(
                "storefront early path off: the middleware after it is not the list it stands in for "
                "(catalogue/fast_path.py FOLLOWING); every request takes the full stack"
            )
            raise MiddlewareNotUsed("the middleware after the storefront early path changed")
        # Their own response code, for the headers they would add (nothing reaches get_response).
        self.common = CommonMiddleware(get_response)
        self.xframe = XFrameOptionsMiddleware(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self._early(request)
        if response is None:
            stats.passed += 1
            return self.get_response(request)
        stats.served += 1
        return response

    def _early(self, request: HttpRequest) -> HttpResponse | None:
        meta = request.META
        if (
            request.method not in SAFE_METHODS
            or settings.DEBUG
            or not getattr(settings, "DUKAAN_STOREFRONT_EARLY_PATH", True)
            or "HTTP_AUTHORIZATION" in meta
            or meta.get("CONTENT_TYPE")
            # Django's own parse of the Cookie header: what every later middleware would read.
            or any(not name.startswith(CART_COOKIE_PREFIX) for name in request.COOKIES)
        ):
            return None
        route = _route(request.path_info)
        if route is None:
            return None
        kind, slug, product_id = route
        try:
            # The host check, a refused user agent, a www or slash redirect: the full stack's answer.
            if self.common.process_request(request) is not None:
                return None
        except SuspiciousOperation:
            return None
        headers = None
        if kind == API:
            headers = _api_headers()
            if headers is None or not _api_accepts(request):
                return None
            variant = "api"
        elif kind == PRODUCT:
            variant = views.product_variant(request, product_id)
        else:
            variant = views.store_variant(request)
        # A fresh routing state, as ReadYourWritesMiddleware opens for a visitor with no pin.
        with db_router.routing_scope():
            response = views.stored_answer(request, slug, variant)
        if response is None:
            return None
        if headers is not None:
            _finish_api(response, headers)
        response = self.xframe.process_response(request, response)
        return self.common.process_response(request, response)
