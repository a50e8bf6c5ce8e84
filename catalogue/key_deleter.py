"""Deleting stores' cached catalogues (or marking their stock behind, or fencing them), never silently.

django-redis with IGNORE_EXCEPTIONS would turn a failed DELETE into silence, so the deleter uses a
Redis client of its own that raises, and retries with backoff until Redis answers: the caller moves
its position in the change log only after a delete succeeded.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import caches

from catalogue.cache import (
    catalogue_cache_keys,
    catalogue_key,
    fence_cache_key,
    fence_key,
    head_key,
    stock_version_cache_key,
    stock_version_key,
)
from dukaan.backoff import Backoff

logger = logging.getLogger("dukaan.invalidator")

DELETE_CHUNK = 500

# Raise each fence to ARGV[1] (a WAL position as a decimal integer) and hold it ARGV[2] ms, but never
# lower one: two invalidators, or a catch-up after a crash, may fence with an older position than
# another already set. Compared as digit strings (length first): exact past 2^53, unlike tonumber.
RAISE_FENCES = """
local raised = 0
for _, key in ipairs(KEYS) do
  local current = redis.call('GET', key)
  if (not current) or #current < #ARGV[1] or (#current == #ARGV[1] and current <= ARGV[1]) then
    redis.call('SET', key, ARGV[1], 'PX', ARGV[2])
    raised = raised + 1
  end
end
return raised
"""


class Stopped(Exception):
    """Raised inside a retry loop when the process was asked to stop."""


def redis_client_from_settings() -> Any:
    """A client that raises on failure (unlike the IGNORE_EXCEPTIONS cache), or None without Redis."""
    if not settings.REDIS_URL:
        return None
    import redis

    return redis.Redis.from_url(
        settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2, health_check_interval=10
    )


class CatalogueKeyDeleter:
    def __init__(self, redis_client: Any, *, should_stop: Callable[[], bool] = lambda: False) -> None:
        self.redis = redis_client
        self.should_stop = should_stop
        self._raise_fences = redis_client.register_script(RAISE_FENCES) if redis_client is not None else None
        self._local_fence_lock = threading.Lock()

    def fence(self, store_ids: set[int], lsn: int, seconds: float) -> None:
        """Hold the stores' fences at WAL position `lsn` (or higher) for `seconds`; retries like delete().

        Set before the catalogue is deleted: a miss from then on builds from reads at or past `lsn`
        only, and a copy stamped earlier is never served (catalogue/cache.py).
        """
        if not store_ids:
            return
        if self.redis is None:
            cache = caches["default"]
            with self._local_fence_lock:  # the cache is this process's memory: a lock makes it atomic
                for store_id in store_ids:
                    current = cache.get(fence_key(store_id))
                    if not isinstance(current, int) or current <= lsn:
                        cache.set(fence_key(store_id), lsn, seconds)
            return
        keys = [fence_cache_key(store_id) for store_id in sorted(store_ids)]
        milliseconds = max(1, int(seconds * 1000))

        def raise_fences() -> None:
            for start in range(0, len(keys), DELETE_CHUNK):
                self._raise_fences(keys=keys[start : start + DELETE_CHUNK], args=[lsn, milliseconds])

        self._retrying(raise_fences)

    def delete(self, store_ids: set[int]) -> None:
        """Delete the stores' catalogue keys; retries until Redis answers (raises Stopped on stop)."""
        if self.redis is None:
            # No Redis: the cache is this process's memory (the invalidator run in tests or a shell).
            caches["default"].delete_many([k for s in store_ids for k in (catalogue_key(s), head_key(s))])
            return
        keys = [key for store_id in sorted(store_ids) for key in catalogue_cache_keys(store_id)]
        self._retrying(lambda: self._delete_chunks(keys))

    def bump_stock(self, store_ids: set[int]) -> None:
        """Say the stores' stock changed: their cached copies are refreshed, not thrown away."""
        if not store_ids:
            return
        if self.redis is None:
            cache = caches["default"]
            for store_id in store_ids:
                try:
                    cache.incr(stock_version_key(store_id))
                except ValueError:  # no counter yet
                    cache.set(stock_version_key(store_id), 1, None)
            return
        keys = [stock_version_cache_key(store_id) for store_id in sorted(store_ids)]

        def bump() -> None:
            pipeline = self.redis.pipeline(transaction=False)
            for key in keys:
                pipeline.incr(key)
            pipeline.execute()

        self._retrying(bump)

    def _delete_chunks(self, keys: list[str]) -> None:
        for start in range(0, len(keys), DELETE_CHUNK):
            self.redis.delete(*keys[start : start + DELETE_CHUNK])

    def _retrying(self, operation: Callable[[], None]) -> None:
        backoff = Backoff(first=0.05, maximum=5.0)
        while True:
            try:
                operation()
                return
            except Exception as exc:  # redis.RedisError and socket errors: never give up on a delete
                if self.should_stop():
                    raise Stopped from exc
                delay = backoff.next()
                logger.warning(
                    "redis write failed (%s); retrying in %.2fs, position not advanced", exc, delay
                )
                self._sleep(delay)

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.should_stop() and time.monotonic() < deadline:
            time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))
