"""Read-through cache of a store's public catalogue (`store_catalog:<store id>`).

Keys (all through Django's cache, so KEY_PREFIX/version apply):
- `store_slug:<slug>`: the store id behind a slug, so a hit needs no SQL at all.
- `store_catalog:<store id>`: the catalogue and what it was built after; 1 hour TTL
  (settings.CATALOGUE_CACHE_SECONDS).
- `store_catalog_head:<store id>`: the same entry without the catalogue: its version, for answers
  that need only that (ETags, the page cache) and so cost the same for 20 products or 2,000.
- `store_stock_version:<store id>`: a counter the invalidator bumps on stock-only changes.
- `store_catalog_lock:<store id>`: a short lock so a crowd of misses builds the catalogue once.
- `store_catalog_fence:<store id>` (with read replicas): the primary's WAL position after the store's
  latest catalogue change, set by the invalidator just before it deletes the catalogue.

Replica lag: every copy built while read replicas are configured is stamped with the WAL position
its reads saw (`lsn`: a replica's replay position, or the primary's position, read before the
build). A copy stamped below the store's fence lacks the change and is never served; a miss under a
fence reads from a replica that has replayed past it, or from the primary (dukaan.db.router
.read_point), so the instant between a change's commit and its replay can never put the old price
back into the cache. A visitor pinned by read-your-writes needs a copy at or past their own write's
position too: the cached one when it is, else one built for them where their write is visible. The
fence lives DUKAAN_REPLICA_MAX_LAG_SECONDS plus the router's lag re-check: by then a replica that
still lacks the change has left the rotation anyway, so a paused or dead replica sends builds to the
primary no longer than the router itself does.

Invalidation is not done here: database triggers log every catalogue change and the
`run_cache_invalidator` process deletes the catalogue and head keys (catalogue/invalidator.py). A
change of stock alone (an order, in a flash sale one per second or more) only bumps the stock
counter: a copy built under an older count is refreshed by one request, at most once per
DUKAAN_STOCK_REFRESH_SECONDS, while the others keep being served that copy - so a sold-out product
shows within about a second and orders never throw the catalogue away one by one.

Where no invalidator can reach the cache (a per-process local-memory cache, or the test suite),
settings.CATALOGUE_CACHE_VALIDATE_HITS makes each hit compare the store's newest change-log rows
with the ones the cached copy was built after: one indexed query, and every write path still counts
because the triggers write that log.

Redis being down is never an error: django-redis ignores the failure, we notice it, skip the cache for
a few seconds and render from the database; it comes back by itself.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db.models import Max

from catalogue.models import CatalogueChange
from dukaan.db import replicas
from dukaan.db import router as db_router
from stores.models import Store
from stores.selectors import active_store_by_slug

# What a miss runs: the store in, its JSON-ready catalogue out (catalogue.builder.build_catalogue).
BuildCatalogue = Callable[[Store], dict[str, Any]]

logger = logging.getLogger("dukaan.cache")

CATALOGUE_KEY = "store_catalog:{store_id}"
HEAD_KEY = "store_catalog_head:{store_id}"
STOCK_VERSION_KEY = "store_stock_version:{store_id}"
SLUG_KEY = "store_slug:{slug}"
LOCK_KEY = "store_catalog_lock:{store_id}"
FENCE_KEY = "store_catalog_fence:{store_id}"
STOCK_OP = "STOCK"  # the change-log op of an update that changed nothing but stock

# A lost lock (crashed builder) frees itself after this long.
LOCK_SECONDS = 10
# How long a miss waits for another request's build before building itself.
LOCK_WAIT_SECONDS = 2.0
LOCK_POLL_SECONDS = 0.02
# After a cache failure the cache is skipped this long, so an outage costs one failed call per
# few seconds instead of one per request.
CACHE_RETRY_SECONDS = 5.0
# Each process logs its hit/miss counters at most this often.
STATS_LOG_SECONDS = 60.0


def catalogue_key(store_id: int) -> str:
    return CATALOGUE_KEY.format(store_id=store_id)


def head_key(store_id: int) -> str:
    return HEAD_KEY.format(store_id=store_id)


def stock_version_key(store_id: int) -> str:
    return STOCK_VERSION_KEY.format(store_id=store_id)


def slug_key(slug: str) -> str:
    return SLUG_KEY.format(slug=slug)


def lock_key(store_id: int) -> str:
    return LOCK_KEY.format(store_id=store_id)


def fence_key(store_id: int) -> str:
    return FENCE_KEY.format(store_id=store_id)


def fence_cache_key(store_id: int) -> str:
    """The exact key of the store's fence in the cache server (prefix and version included)."""
    return str(_cache().make_key(fence_key(store_id)))


def fence_seconds() -> float:
    """How long a fence holds: the router's lag limit plus its lag re-measure interval and a second.

    A replica that has not replayed a change by then lags past the limit and has left the rotation
    (its lag is at least the change's age), so builds stop needing the fence exactly when the
    router would send them to the primary anyway.
    """
    return replicas.max_lag_seconds() + replicas.lag_check_seconds() + 1.0


def _cache():
    return caches["default"]


def catalogue_cache_key(store_id: int) -> str:
    """The exact key of the catalogue in the cache server (prefix and version included)."""
    return str(_cache().make_key(catalogue_key(store_id)))


def catalogue_cache_keys(store_id: int) -> list[str]:
    """Every key the invalidator deletes when the store's catalogue changed (server spelling)."""
    return [catalogue_cache_key(store_id), str(_cache().make_key(head_key(store_id)))]


def stock_version_cache_key(store_id: int) -> str:
    """The exact key of the stock counter the invalidator bumps (server spelling)."""
    return str(_cache().make_key(stock_version_key(store_id)))


def catalogue_version(catalogue: dict[str, Any]) -> str:
    """Names one build of one store's catalogue: every build has its own."""
    return f"{catalogue['store']['id']}:{catalogue['built_at']}"


class CacheStats:
    """Per-process counters, shown on /readyz and logged on every rebuild."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._logged_at = time.monotonic()
            self.hits = 0
            self.misses = 0
            self.rebuilds = 0
            self.rebuild_seconds = 0.0
            self.waited_for_build = 0
            self.not_stored_slow = 0
            self.not_stored_fenced = 0
            self.not_stored_older = 0
            self.cache_errors = 0
            self.stock_refreshes = 0
            self.served_while_refreshing = 0

    def add(self, **amounts: float) -> None:
        with self._lock:
            for name, amount in amounts.items():
                setattr(self, name, getattr(self, name) + amount)
            now = time.monotonic()
            due = now - self._logged_at >= STATS_LOG_SECONDS
            if due:
                self._logged_at = now
        if due:
            logger.info("catalogue cache stats %s", self.as_dict())

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            return {
                "hits": self.hits,
                "misses": self.misses,
                "rebuilds": self.rebuilds,
                "rebuild_ms_avg": round(1000 * self.rebuild_seconds / self.rebuilds, 1)
                if self.rebuilds
                else None,
                "waited_for_build": self.waited_for_build,
                "not_stored_slow": self.not_stored_slow,
                "not_stored_fenced": self.not_stored_fenced,
                "not_stored_older": self.not_stored_older,
                "cache_errors": self.cache_errors,
                "stock_refreshes": self.stock_refreshes,
                "served_while_refreshing": self.served_while_refreshing,
            }


stats = CacheStats()
_cache_down_until = 0.0


def _cache_usable() -> bool:
    return time.monotonic() >= _cache_down_until


def _cache_failed(operation: str) -> None:
    global _cache_down_until
    _cache_down_until = time.monotonic() + CACHE_RETRY_SECONDS
    stats.add(cache_errors=1)
    logger.warning(
        "catalogue cache unavailable (%s failed); serving from the database for %ss",
        operation,
        CACHE_RETRY_SECONDS,
    )


def _validate_hits() -> bool:
    return bool(getattr(settings, "CATALOGUE_CACHE_VALIDATE_HITS", False))


def _stock_refresh_seconds() -> float:
    return float(getattr(settings, "DUKAAN_STOCK_REFRESH_SECONDS", 1.0))


@dataclass(frozen=True)
class Markers:
    """What a cached copy must have been built after to be current.

    `changes`: the newest change-log rows other than stock (validating hits only; None otherwise).
    `stock`: the stock counter (with the invalidator) or the newest stock-only change-log row.
    `min_lsn`: the WAL position its reads must have seen (the fence, the visitor's own write), if any.
    """

    changes: Any
    stock: Any
    min_lsn: int | None = None


def _change_log_markers(store_id: int) -> Markers:
    """The store's newest change-log rows (ids and times), one query.

    The time makes a marker unique across databases that reuse ids (test runs on a persistent cache).
    """
    rows = (
        CatalogueChange.objects.filter(store_id=store_id)
        .values("op")
        .annotate(last=Max("id"), at=Max("created_at"))
        .order_by("op")
    )
    changes, stock = [], None
    for row in rows:
        mark = [row["last"], row["at"].isoformat()]
        if row["op"] == STOCK_OP:
            stock = mark
        else:
            changes.append([row["op"], *mark])
    return Markers(changes=changes or None, stock=stock)


def _fenced() -> bool:
    """Copies are stamped and fenced only with read replicas: without them nothing lags."""
    return bool(replicas.replica_aliases())


def _fence_value(raw: Any) -> int | None:
    # The invalidator writes the fence through its own Redis client: a plain integer.
    try:
        return int(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None


def _entry_keys(store_id: int) -> list[str]:
    """What judging a cached copy needs, fetched in one round trip."""
    keys = [catalogue_key(store_id), stock_version_key(store_id)]
    if _fenced():
        keys.append(fence_key(store_id))
    return keys


def _required_lsn(fence: int | None) -> int | None:
    """The position a copy served to this request must have: the fence, and this visitor's own write."""
    state = db_router.current_state()
    pin = state.pin_lsn if state is not None and state.pinned else None
    if fence is None or pin is None:
        return pin if fence is None else fence
    return max(fence, pin)


def _current_markers(store_id: int, stock_counter: Any = None, fence: Any = None) -> Markers:
    min_lsn = _required_lsn(_fence_value(fence))
    if _validate_hits():
        markers = _change_log_markers(store_id)
        return Markers(changes=markers.changes, stock=markers.stock, min_lsn=min_lsn)
    return Markers(changes=None, stock=stock_counter or 0, min_lsn=min_lsn)


def _markers_from(found: dict[str, Any], store_id: int) -> Markers:
    return _current_markers(store_id, found.get(stock_version_key(store_id)), found.get(fence_key(store_id)))


HIT, REFRESH, MISS = "hit", "refresh", "miss"


def _judge(entry: Any, slug: str, current: Markers) -> str:
    """HIT: serve it; REFRESH: only its stock is behind and it is old enough to rebuild; MISS."""
    if not isinstance(entry, dict) or entry.get("slug") != slug:
        return MISS
    if _validate_hits() and entry.get("marker") != current.changes:
        return MISS
    if current.min_lsn is not None:
        # Built from reads older than the store's last change or the visitor's own write.
        lsn = entry.get("lsn")
        if not isinstance(lsn, int) or lsn < current.min_lsn:
            return MISS
    if entry.get("stock_marker") != current.stock:
        built = float(entry.get("built_epoch", 0))
        if time.time() - built >= _stock_refresh_seconds():
            return REFRESH
    return HIT


def _pinned() -> bool:
    """True while this request must see its own writes (the seller's read-your-writes window).

    Only the pin: an unsafe-method request (a shopper's add-to-cart) reads the primary for its own
    validation but has written nothing the catalogue shows, so it may use the cached copy.
    """
    state = db_router.current_state()
    return state is not None and state.pinned


def _pinned_without_position() -> bool:
    """A pin whose WAL position is unknown: no cached copy can be shown to be newer than the write.

    Such a request skips the cached copy (which may predate the write by the few milliseconds the
    invalidator needs) and rebuilds from the primary. A pin with a position is served a cached copy
    stamped at or past it (_required_lsn), else rebuilt where the write is visible.
    """
    state = db_router.current_state()
    return state is not None and state.pinned and state.pin_lsn is None


# Slug -> store id, remembered by this process for a few seconds: saves a cache round trip on every
# storefront answer. Safe when a slug moves: every head and entry names its slug and is checked.
SLUG_MEMORY_SECONDS = 10.0
_slug_memory: dict[str, tuple[int, float]] = {}


def store_id_for(slug: str, *, remembered_ok: bool = True) -> int | None:
    """The store id the cache has for `slug` (None: not cached).

    `remembered_ok=False` asks the cache itself, past this process's memory (after the remembered
    id turned out to have no copy under that slug).
    """
    remembered = _slug_memory.get(slug)
    now = time.monotonic()
    if remembered_ok and remembered is not None and remembered[1] > now:
        return remembered[0]
    _slug_memory.pop(slug, None)
    store_id = _cache().get(slug_key(slug))
    if store_id is not None:
        if len(_slug_memory) > 10_000:
            _slug_memory.clear()
        _slug_memory[slug] = (store_id, now + SLUG_MEMORY_SECONDS)
    return store_id


def head_keys(store_id: int) -> list[str]:
    """The keys head_version() judges a head by: the head, the stock counter (and the fence)."""
    keys = [head_key(store_id), stock_version_key(store_id)]
    if _fenced():
        keys.append(fence_key(store_id))
    return keys


def head_version(slug: str, store_id: int, found: dict[str, Any]) -> str | None:
    """The version a cached head names, if that copy may be served as it is now (else None).

    `found` is what the cache holds under head_keys(): callers fetch those together with whatever
    else they need, in one round trip. A pinned visitor is never answered from stored copies.
    """
    if not _cache_usable() or _pinned():
        return None
    head = found.get(head_key(store_id))
    if _judge(head, slug, _markers_from(found, store_id)) != HIT:
        return None
    return f"{store_id}:{head['built_at']}"


def get_cached_catalogue(slug: str, *, build: BuildCatalogue) -> dict[str, Any] | None:
    """The public catalogue of the active store at `slug` (None when there is none), cached.

    `build` makes the catalogue on a miss; the cache knows nothing of what is in it.
    A hit is two cache reads and no SQL (with the invalidator; one indexed query when validating).
    """
    cache = _cache()
    pinned = _pinned()
    stale: dict[str, Any] | None = None
    if _cache_usable() and not _pinned_without_position():
        store_id = cache.get(slug_key(slug))
        if store_id is not None:
            found = cache.get_many(_entry_keys(store_id))
            entry = found.get(catalogue_key(store_id))
            verdict = _judge(entry, slug, _markers_from(found, store_id))
            if verdict == HIT:
                stats.add(hits=1)
                return entry["catalogue"]
            if verdict == REFRESH and not pinned:
                stale = entry
    stats.add(misses=1)
    # Timed from the first read: everything a build shows was read after this moment.
    started = time.monotonic()
    store = active_store_by_slug(slug)
    if store is None:
        return None
    if not _cache_usable():
        return _build(store, build)
    if pinned:
        # The seller who just wrote sees their change: rebuilt where it is visible (the primary, or
        # a replica that has replayed it), and that fresh copy may be cached.
        return _build_and_store(store, slug, started, build)
    return _build_once(store, slug, started, build, stale=stale)


def _build_once(
    store: Store, slug: str, started: float, build: BuildCatalogue, *, stale: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    """Stampede protection: one request builds, the others wait briefly for its result.

    With a `stale` copy (only its stock is behind) the others do not wait: they are served it.
    """
    cache = _cache()
    token = secrets.token_hex(8)
    locked = cache.add(lock_key(store.id), token, timeout=LOCK_SECONDS)
    if locked is None:  # django-redis swallowed a connection error
        _cache_failed("add")
        return _build(store, build)
    if locked:
        try:
            if stale is not None:
                stats.add(stock_refreshes=1)
            else:
                # Another request may have built it between our miss and our lock.
                found = cache.get_many(_entry_keys(store.id))
                entry = found.get(catalogue_key(store.id))
                if _judge(entry, slug, _markers_from(found, store.id)) == HIT:
                    stats.add(waited_for_build=1)
                    return entry["catalogue"]
            return _build_and_store(store, slug, started, build)
        finally:
            if cache.get(lock_key(store.id)) == token:
                cache.delete(lock_key(store.id))
    if stale is not None:
        stats.add(served_while_refreshing=1)
        return stale["catalogue"]
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(LOCK_POLL_SECONDS)
        found = cache.get_many(_entry_keys(store.id))
        entry = found.get(catalogue_key(store.id))
        if _judge(entry, slug, _markers_from(found, store.id)) != MISS:
            stats.add(waited_for_build=1)
            return entry["catalogue"]
    logger.warning("catalogue build of store %s by another request took too long; building here", store.id)
    return _build_and_store(store, slug, started, build)


def _build(store: Store, build: BuildCatalogue) -> dict[str, Any]:
    started = time.monotonic()
    catalogue = build(store)
    elapsed = time.monotonic() - started
    stats.add(rebuilds=1, rebuild_seconds=elapsed)
    logger.info(
        "catalogue built store=%s products=%d ms=%.1f", store.id, len(catalogue["products"]), elapsed * 1000
    )
    return catalogue


def _build_and_store(store: Store, slug: str, started: float, build: BuildCatalogue) -> dict[str, Any] | None:
    cache = _cache()
    fenced = _fenced()
    found = cache.get_many(_entry_keys(store.id)[1:])  # the stock counter (and the fence)
    fence = _fence_value(found.get(fence_key(store.id)))
    # Where the build may read: past the fence and this visitor's own write (the router adds the
    # pin), and the position it sees there, measured before any of its reads.
    point = db_router.read_point(min_lsn=fence)
    with db_router.reads_from(point.alias):
        # The markers must predate every row the build reads, the store row included.
        current = _current_markers(store.id, found.get(stock_version_key(store.id)))
        if _validate_hits() or fenced:
            # Read again where the build reads: the row found first may come from a lagging replica.
            store = Store.objects.filter(pk=store.pk, slug=slug, is_active=True).first()
            if store is None:
                return None
        built_epoch = time.time()
        catalogue = _build(store, build)
    elapsed = time.monotonic() - started
    # A build slower than this may have read data that a change committed (and the invalidator
    # deleted, twice) meanwhile; storing it could keep the old price for an hour, so serve it uncached.
    if elapsed > settings.CATALOGUE_BUILD_MAX_SECONDS:
        stats.add(not_stored_slow=1)
        logger.warning("catalogue of store %s took %.1fs to build; not cached", store.id, elapsed)
        return catalogue
    if fenced and not _may_store(store.id, slug, point.lsn):
        return catalogue
    head = {
        "slug": slug,
        "store_id": store.id,
        "marker": current.changes,
        "stock_marker": current.stock,
        "built_epoch": built_epoch,
        "built_at": catalogue["built_at"],
        "lsn": point.lsn,
    }
    timeout = settings.CATALOGUE_CACHE_SECONDS
    stored = cache.set(catalogue_key(store.id), {**head, "catalogue": catalogue}, timeout)
    if stored is False or (stored is None and _is_redis()):
        _cache_failed("set")
        return catalogue
    # The head after the entry: whoever trusts a head finds the entry it names.
    cache.set_many({head_key(store.id): head, slug_key(slug): store.id}, timeout)
    return catalogue


def _may_store(store_id: int, slug: str, lsn: int | None) -> bool:
    """Whether a build stamped `lsn` may replace the cached copy (it is served either way).

    Not when a fence raised during the build is past it (readers would refuse it anyway: this
    only saves them the round trip), nor over a copy stamped later than it (a slow build must not
    put back what a faster, newer one replaced).
    """
    found = _cache().get_many([fence_key(store_id), head_key(store_id)])
    fence = _fence_value(found.get(fence_key(store_id)))
    if fence is not None and (lsn is None or lsn < fence):
        stats.add(not_stored_fenced=1)
        logger.info("catalogue of store %s read at %s, before its fence %s; not cached", store_id, lsn, fence)
        return False
    head = found.get(head_key(store_id))
    newer = head.get("lsn") if isinstance(head, dict) and head.get("slug") == slug else None
    if isinstance(newer, int) and (lsn is None or newer > lsn):
        stats.add(not_stored_older=1)
        return False
    return True


def _is_redis() -> bool:
    return _cache().__class__.__module__.startswith("django_redis")


def cache_status() -> dict[str, Any]:
    return {
        "backend": "redis" if _is_redis() else "local-memory",
        "validates_hits": _validate_hits(),
        "skipping_until_retry": not _cache_usable(),
        **stats.as_dict(),
    }
