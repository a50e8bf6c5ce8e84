"""Read-your-writes: a visitor who just wrote reads the primary until a replica has their write."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from dukaan.db import replicas
from dukaan.db import router as db_router
from dukaan.db.wal import lsn_to_int


class ReadYourWritesMiddleware:
    """Read-your-writes (the "VIP pass") and the per-request routing state.

    Every request runs inside a `dukaan.db.router.RoutingState`. When a request writes to the
    primary (any INSERT/UPDATE/DELETE through Django's connection, whatever the HTTP method), the
    visitor is pinned for DUKAAN_READ_YOUR_WRITES_SECONDS: a signed cookie carries the primary's WAL
    position after the write and the expiry; for authenticated users the same pin is kept in the
    cache by user id, so API clients that keep no cookies (token auth) are pinned too. A pinned
    request reads a replica only once that replica has replayed the pinned position (the pin is
    then dropped), otherwise the primary. Unsafe methods always read the primary. With no replicas
    configured this middleware only tracks state and costs nothing.
    """

    sync_capable = True
    async_capable = True
    COOKIE_NAME = "dukaan_rw"
    _SALT = "dukaan.read-your-writes"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if iscoroutinefunction(self):
            return self.__acall__(request)
        state = self._begin(request)
        with db_router.routing_scope(state):
            response = self.get_response(request)
        self._finish(request, response, state)
        return response

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        state = await sync_to_async(self._begin)(request)
        with db_router.routing_scope(state):
            response = await self.get_response(request)
        await sync_to_async(self._finish)(request, response, state)
        return response

    # --- the pin -------------------------------------------------------------------------------
    @staticmethod
    def _window() -> int:
        return int(settings.DUKAAN_READ_YOUR_WRITES_SECONDS)

    @staticmethod
    def _token_key(request: HttpRequest) -> str | None:
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "token" or not key.strip():
            return None
        return "rw:token:" + hashlib.sha256(key.strip().encode()).hexdigest()[:40]

    def _cookie_pin(self, request: HttpRequest) -> dict | None:
        raw = request.COOKIES.get(self.COOKIE_NAME)
        if not raw:
            return None
        try:
            pin = signing.loads(raw, salt=self._SALT, max_age=self._window() + 5)
        except signing.BadSignature:  # tampered or expired: no pin
            return None
        return pin if isinstance(pin, dict) else None

    def _session_user_id(self, request: HttpRequest) -> str | None:
        # Only when a session cookie exists: anonymous visitors cost no session read.
        if settings.SESSION_COOKIE_NAME not in request.COOKIES or not hasattr(request, "session"):
            return None
        user_id = request.session.get(SESSION_KEY)
        return str(user_id) if user_id is not None else None

    def _begin(self, request: HttpRequest) -> db_router.RoutingState:
        state = db_router.RoutingState()
        request.db_routing = state
        if not replicas.replica_aliases():
            return state
        db_router.watch_writes()
        if request.method not in ("GET", "HEAD", "OPTIONS", "TRACE"):
            state.primary_reads, state.reason = True, "unsafe-method"
        token_key = self._token_key(request)
        request._rw_token_key = token_key
        user_id = cache.get(token_key) if token_key else self._session_user_id(request)
        request._rw_user_id = user_id
        pins = [self._cookie_pin(request), cache.get(f"rw:user:{user_id}") if user_id else None]
        now = time.time()
        live = [pin for pin in pins if pin and float(pin.get("e", 0)) > now]
        if live:
            state.pinned = True
            state.reason = state.reason or "read-your-writes"
            positions = [lsn_to_int(pin.get("l")) for pin in live]
            state.pin_lsn = None if None in positions else max(positions)
        return state

    def _finish(self, request: HttpRequest, response: HttpResponse, state: db_router.RoutingState) -> None:
        if settings.DEBUG:
            response["X-Dukaan-DB-Read"] = ",".join(sorted(state.served)) or "-"
        if not replicas.replica_aliases():
            return
        token_key = getattr(request, "_rw_token_key", None)
        known_user_id = getattr(request, "_rw_user_id", None)
        user = getattr(request, "user", None)
        if state.wrote:
            window = self._window()
            pin = {"l": db_router.primary_wal_lsn(), "e": time.time() + window}
            response.set_cookie(
                self.COOKIE_NAME,
                signing.dumps(pin, salt=self._SALT),
                max_age=window,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
            if user is not None and user.is_authenticated:
                cache.set(f"rw:user:{user.pk}", pin, window)
                if token_key:
                    cache.set(token_key, str(user.pk), 24 * 60 * 60)
        elif state.pinned and state.pin_satisfied:
            # A replica has replayed the pinned write: the visitor no longer needs the primary.
            if self.COOKIE_NAME in request.COOKIES:
                response.delete_cookie(self.COOKIE_NAME, samesite="Lax")
            if known_user_id:
                cache.delete(f"rw:user:{known_user_id}")
        elif token_key and not known_user_id and user is not None and user.is_authenticated:
            # Learn which user this token belongs to, so a pin set from another device applies.
            cache.set(token_key, str(user.pk), 24 * 60 * 60)
