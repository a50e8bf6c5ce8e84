"""Counting requests per key in fixed windows, in the shared cache (Redis in production).

Every app server counts into the same Redis, so a limit holds however nginx spreads the requests.
With the in-process cache of development each process counts on its own: good enough for a laptop.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.core.cache import cache

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    """At most `count` hits in `window_seconds`. A count of 0 switches the limit off."""

    count: int
    window_seconds: int


def _window(scope: str, key: str, limit: Limit, now: float) -> tuple[str, int]:
    """The counter's cache key for the window `now` falls in, and the seconds until that window ends."""
    window = int(now // limit.window_seconds)
    return f"ratelimit:{scope}:{key}:{window}", max(1, int((window + 1) * limit.window_seconds - now) + 1)


def rate_limit_hit(scope: str, key: str, limit: Limit, *, now: float | None = None) -> int | None:
    """Count one hit of `key` under `scope`; the seconds to wait if it is over `limit`, else None.

    A refused hit is counted too, so hammering on does not shorten the wait. When the cache is
    down the hit is let through: a Redis outage must not stop every shopper from ordering.
    """
    if limit.count <= 0 or limit.window_seconds <= 0 or not key:
        return None
    now = time.time() if now is None else now
    cache_key, wait = _window(scope, key, limit, now)
    try:
        # add() creates the window's counter only if missing, so parallel first hits both count.
        cache.add(cache_key, 0, timeout=limit.window_seconds + 1)
        hits = cache.incr(cache_key)
    except ValueError:  # the counter expired between add() and incr()
        cache.add(cache_key, 1, timeout=limit.window_seconds + 1)
        hits = 1
    except Exception:
        logger.warning("rate limit %s not counted: the cache is unavailable", scope, exc_info=True)
        return None
    if hits is None:  # django-redis with IGNORE_EXCEPTIONS answers None when Redis is down
        return None
    return None if hits <= limit.count else wait


def rate_limit_wait(scope: str, key: str, limit: Limit, *, now: float | None = None) -> int | None:
    """The seconds to wait if `key` is already over `limit` in this window, else None; counts nothing."""
    if limit.count <= 0 or limit.window_seconds <= 0 or not key:
        return None
    cache_key, wait = _window(scope, key, limit, time.time() if now is None else now)
    try:
        hits = cache.get(cache_key)
    except Exception:
        logger.warning("rate limit %s not read: the cache is unavailable", scope, exc_info=True)
        return None
    return None if hits is None or int(hits) < limit.count else wait
