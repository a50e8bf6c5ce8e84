"""Health endpoints: /healthz says the process is up, /readyz checks what it depends on."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from dukaan.db import replicas
from dukaan.http.client_ip import client_ip

READYZ_TOKEN_HEADER = "HTTP_X_READYZ_TOKEN"  # noqa: S105 (a header name, not a secret)

# Informational checks that apps add in their AppConfig.ready() (the catalogue adds its cache
# invalidator): shown on /readyz, never counted towards "ready".
_extra_checks: dict[str, Callable[[], dict[str, Any]]] = {}


def register_check(name: str, check: Callable[[], dict[str, Any]]) -> None:
    """Show `check()` under `name` on /readyz. It returns a dict; an exception is reported as not ok."""
    _extra_checks[name] = check


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _check_primary() -> dict[str, Any]:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True}
    except Exception as exc:  # any driver error means "not ready"
        return {"ok": False, "error": str(exc)[:200]}


def _check_cache() -> dict[str, Any]:
    try:
        cache.set("readyz:probe", "1", 5)
        return {"ok": cache.get("readyz:probe") == "1"}
    except Exception as exc:
        return {"ok": False, "error": str(exc)[:200]}


def _run_extra(check: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        # "ok": the check could run (every check in /readyz carries an "ok").
        return {"ok": True, **check()}
    except Exception as exc:  # an informational check never breaks /readyz
        return {"ok": False, "error": str(exc)[:200]}


def may_see_details(request: HttpRequest) -> bool:
    """Whether this caller is the operator: a trusted address, or the DUKAAN_READYZ_TOKEN header.

    The details name hosts, ports, WAL positions and cache counters: a map of the inside for a
    stranger. The address is the client behind our proxies (client_ip), so a stranger coming
    through nginx is not mistaken for nginx itself.
    """
    token = settings.DUKAAN_READYZ_TOKEN
    sent = request.META.get(READYZ_TOKEN_HEADER, "")
    if token and sent and hmac.compare_digest(sent.encode(), token.encode()):
        return True
    return client_ip(request) in set(settings.DUKAAN_READYZ_DETAIL_IPS)


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """200 when the primary answers, else 503; the checks themselves only to the operator."""
    checks = {"database": _check_primary(), "cache": _check_cache()}
    # Each replica's state and lag; a replica that is down never makes the app unready (reads fall
    # back to the primary), so it does not count towards "ready".
    checks["replicas"] = replicas.snapshot()
    for name, check in _extra_checks.items():
        checks[name] = _run_extra(check)
    ready = checks["database"]["ok"]
    body: dict[str, Any] = {"status": "ok" if ready else "unavailable"}
    if may_see_details(request):
        body["checks"] = checks
    return JsonResponse(body, status=200 if ready else 503)
