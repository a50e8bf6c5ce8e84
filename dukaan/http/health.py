"""Health endpoints: /healthz says the process is up, /readyz checks what it depends on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from dukaan.db import replicas

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


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _check_primary(), "cache": _check_cache()}
    # Each replica's state and lag; a replica that is down never makes the app unready (reads fall
    # back to the primary), so it does not count towards "ready".
    checks["replicas"] = replicas.snapshot()
    for name, check in _extra_checks.items():
        checks[name] = _run_extra(check)
    ready = checks["database"]["ok"]
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503
    )
