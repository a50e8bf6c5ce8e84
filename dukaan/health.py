"""Health endpoints: /healthz says the process is up, /readyz checks what it depends on."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from dukaan import replicas


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


def _check_invalidator() -> dict[str, Any]:
    from dukaan.catalogue_cache import cache_status
    from dukaan.invalidator import invalidator_status

    try:
        # "ok": the position could be read (every check in /readyz carries an "ok").
        return {"ok": True, **invalidator_status(), "catalogue_cache": cache_status()}
    except Exception as exc:
        return {"ok": False, "error": str(exc)[:200]}


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _check_primary(), "cache": _check_cache()}
    # Each replica's state and lag; a replica that is down never makes the app unready (reads fall
    # back to the primary), so it does not count towards "ready".
    checks["replicas"] = replicas.snapshot()
    # The cache invalidator's last processed change (informational: a late invalidator means stale
    # prices, not an unready app server).
    checks["invalidator"] = _check_invalidator()
    ready = checks["database"]["ok"]
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503
    )
