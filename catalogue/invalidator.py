"""The cache invalidator: turns the trigger-written change log into deleted catalogue keys.

What makes it dependable (the LISTEN/NOTIFY listener that silently died is the failure it avoids):
- A NOTIFY sent while nobody listens is gone. The triggers therefore also append to the change log
  in the writer's transaction (catalogue/change_log.py), and the invalidator works from that log:
  NOTIFY only wakes it up. Its position is persisted after the keys are deleted, and on start and
  after every reconnect it first processes everything after that position.
- A failed Redis DELETE is retried until it succeeds (catalogue/key_deleter.py); the position never
  moves past a change whose keys are not gone.
- A store whose changes were all to stock (orders in a flash sale) keeps its cached copy: its stock
  counter is bumped instead, and the copy is refreshed at most once a second (catalogue/cache.py).
- Replica lag: deleting the key before the replicas have the change would let a concurrent miss
  rebuild it from a replica that has not replayed it. So before deleting, the invalidator fences the
  changed stores with the primary's WAL position read after the change was seen: until the replicas
  have replayed past it, a miss builds from the primary (or a replica already past it), and a copy
  stamped earlier is never served (catalogue/cache.py). Shoppers get the new price as soon as the key
  is gone, whatever the lag. The fence lives only as long as the router would keep a replica that
  lacks the change in rotation (cache.fence_seconds()); stock-only changes are not fenced (their
  copies are refreshed, not thrown away, and checkout checks stock on the primary).
- As a second line, each batch is deleted again once every reachable replica has replayed past that
  position (dukaan/db/replicas.py measures it), plus CATALOGUE_BUILD_MAX_SECONDS (a build that
  started before the replay and finishes later is at most that long; slower builds are never
  stored). Only then does the position advance, so a crash in between repeats both deletes.
- Several invalidators at once only repeat deletes; each writes a position it has fully processed.
"""

from __future__ import annotations

import contextlib
import logging
import select
import statistics
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DatabaseError, InterfaceError

from catalogue.cache import fence_seconds
from catalogue.change_log import ChangeLog, Position
from catalogue.key_deleter import CatalogueKeyDeleter, Stopped, redis_client_from_settings
from dukaan.backoff import Backoff
from dukaan.db import replicas
from dukaan.db.wal import current_wal_lsn, lsn_to_int

__all__ = ["Invalidator", "Position", "Stopped"]

logger = logging.getLogger("dukaan.invalidator")

CHANNEL = "product_changes"
HEARTBEAT_SECONDS = 5.0
PRUNE_EVERY_SECONDS = 600.0
STATS_EVERY_SECONDS = 60.0
# Pending batches waiting for replicas are merged beyond this many (memory stays bounded while a
# replica is paused for a long time).
MAX_PENDING_BATCHES = 1000
REPLICA_CHECK_SECONDS = 0.05
MAX_BACKOFF_SECONDS = 10.0


def _connection_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [DatabaseError, InterfaceError, OSError, ValueError]
    try:
        import psycopg2

        errors.append(psycopg2.Error)
    except ImportError:  # SQLite-only installs
        pass
    return tuple(errors)


@dataclass
class Batch:
    """Stores invalidated together, waiting for their second delete once the replicas have them."""

    store_ids: set[int]  # their catalogues are deleted
    position: Position
    target_lsn: int | None
    seen_at: float
    replayed_at: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    stock_ids: set[int] = field(default_factory=set)  # only their stock changed: refreshed, not deleted


class Invalidator:
    def __init__(
        self,
        *,
        name: str = "default",
        redis_client: Any = "settings",
        database: str = "default",
        replica_aliases: list[str] | None = None,
        settle_seconds: float | None = None,
        poll_seconds: float | None = None,
    ) -> None:
        self.name = name
        self.redis = redis_client_from_settings() if redis_client == "settings" else redis_client
        self.log = ChangeLog(name=name, database=database)
        self.keys = CatalogueKeyDeleter(self.redis, should_stop=lambda: self.stopping)
        self.replica_aliases = list(settings.REPLICA_ALIASES if replica_aliases is None else replica_aliases)
        self.settle_seconds = (
            settings.CATALOGUE_BUILD_MAX_SECONDS if settle_seconds is None else settle_seconds
        )
        self.poll_seconds = settings.DUKAAN_INVALIDATOR_POLL_SECONDS if poll_seconds is None else poll_seconds
        self.stopping = False
        self.position = Position()
        self.pending: deque[Batch] = deque()
        self.listen_conn: Any = None
        self.delays_ms: deque[float] = deque(maxlen=1000)
        self.invalidated = 0
        self.stock_refreshed = 0
        self._last_heartbeat = 0.0
        self._last_prune = 0.0
        self._last_stats = time.monotonic()

    @property
    def connection(self) -> Any:
        return self.log.connection

    @property
    def vendor(self) -> str:
        return self.log.vendor

    def stop(self, *_args: Any) -> None:
        self.stopping = True

    # --- the loop ---------------------------------------------------------------------------------

    def run(self) -> None:
        """Run until stop(): catch up, then follow NOTIFY (PostgreSQL) or poll (SQLite)."""
        if self.redis is None:
            logger.warning(
                "no REDIS_URL: the cache is per-process local memory, which this process cannot reach; "
                "hits are validated against the change log instead (CATALOGUE_CACHE_VALIDATE_HITS)"
            )
        backoff = Backoff(maximum=MAX_BACKOFF_SECONDS)
        while not self.stopping:
            try:
                self.start()
                backoff.reset()
                self.follow()
            except Stopped:
                break
            except _connection_errors() as exc:
                delay = backoff.next()
                logger.warning(
                    "invalidator lost its database connection (%s); reconnecting in %.1fs", exc, delay
                )
                self.disconnect()
                self._sleep(delay)
        self.disconnect()
        logger.info("invalidator stopped at change #%s", self.position.last_change_id)

    def start(self) -> None:
        """(Re)connect, LISTEN first, then catch up from the persisted position."""
        self.connection.ensure_connection()
        if self.vendor == "postgresql":
            self._listen()
        self.pending.clear()
        self.position = self.load_position()
        logger.info(
            "invalidator %r catching up after change #%s (%s)",
            self.name,
            self.position.last_change_id,
            self.vendor,
        )
        self.process_changes()
        logger.info("invalidator listening on %r", CHANNEL if self.vendor == "postgresql" else "(polling)")

    def follow(self) -> None:
        next_pass = time.monotonic() + HEARTBEAT_SECONDS
        while not self.stopping:
            timeout = REPLICA_CHECK_SECONDS if self.pending else self.poll_seconds
            woken = self._wait_for_notify(timeout)
            now = time.monotonic()
            if woken or self.vendor != "postgresql" or now >= next_pass:
                self.process_changes()
                next_pass = now + HEARTBEAT_SECONDS
            if self.pending:
                self.settle_pending()
            self._housekeeping()

    def disconnect(self) -> None:
        if self.listen_conn is not None:
            # Closing a broken connection may fail; it is gone either way.
            with contextlib.suppress(Exception):
                self.listen_conn.close()
        self.listen_conn = None
        with contextlib.suppress(Exception):
            self.connection.close()

    # --- one pass ---------------------------------------------------------------------------------

    def load_position(self) -> Position:
        return self.log.load_position()

    def process_changes(self) -> int:
        """One pass: delete the keys of every store changed since the position; returns stores touched."""
        seen_at = time.monotonic()
        changes = self.log.changes_after(self.position)
        if not changes.newest_by_store:
            self.position = changes.position
            return 0
        stock_ids = set(changes.stock_only)
        store_ids = set(changes.newest_by_store) - stock_ids
        # Read after the log showed the changes, so past their commits: what a replica must have
        # replayed to have them.
        target = self._primary_lsn() if self.replica_aliases else None
        if store_ids:
            if target is not None:
                self.keys.fence(store_ids, target, fence_seconds())  # before the delete: no gap
            self.keys.delete(store_ids)
        self.keys.bump_stock(stock_ids)
        delay_ms = (changes.oldest_age_seconds + time.monotonic() - seen_at) * 1000
        self.delays_ms.append(delay_ms)
        self.invalidated += len(store_ids)
        self.stock_refreshed += len(stock_ids)
        logger.info(
            "invalidated %d store(s) %s, stock of %d, up to change #%d, delay %.1f ms",
            len(store_ids),
            sorted(store_ids)[:20],
            len(stock_ids),
            changes.position.last_change_id,
            delay_ms,
        )
        batch = Batch(
            store_ids=store_ids,
            stock_ids=stock_ids,
            position=changes.position,
            target_lsn=target,
            seen_at=seen_at,
        )
        if len(self.pending) >= MAX_PENDING_BATCHES:
            last = self.pending[-1]
            last.store_ids |= batch.store_ids
            last.stock_ids |= batch.stock_ids
            last.position = batch.position
            last.target_lsn = batch.target_lsn
            last.replayed_at = None
        else:
            self.pending.append(batch)
        self.position = changes.position
        if not self.replica_aliases:
            batch.replayed_at = seen_at
        return len(store_ids) + len(stock_ids)

    def settle_pending(self) -> None:
        """Delete again once the replicas have each batch (plus the build window); then persist."""
        now = time.monotonic()
        waiting = [b for b in self.pending if b.replayed_at is None]
        if waiting:
            replayed = replicas.lowest_replay_position(self.replica_aliases)
            for batch in waiting:
                if replayed is None or (batch.target_lsn is not None and replayed >= batch.target_lsn):
                    batch.replayed_at = now
                else:
                    age = now - batch.seen_at
                    if age > 30 and not batch.extra.get("warned"):
                        batch.extra["warned"] = True
                        logger.warning(
                            "replicas have not replayed change #%d after %.0fs; its second delete waits",
                            batch.position.last_change_id,
                            age,
                        )
                    break
        done: list[Batch] = []
        for batch in self.pending:
            if batch.replayed_at is None or now < batch.replayed_at + self.settle_seconds:
                break
            done.append(batch)
        if not done:
            return
        store_ids = set().union(*(b.store_ids for b in done))
        if store_ids:
            self.keys.delete(store_ids)
        self.keys.bump_stock(set().union(*(b.stock_ids for b in done)) - store_ids)
        for _ in done:
            self.pending.popleft()
        self.log.save_position(done[-1].position)
        logger.info(
            "confirmed %d store(s) after replicas caught up; processed through change #%d",
            len(store_ids),
            done[-1].position.last_change_id,
        )

    def prune(self) -> int:
        return self.log.prune(should_stop=lambda: self.stopping)

    # --- PostgreSQL: LISTEN and the primary's position ---------------------------------------------

    def _listen(self) -> None:
        if self.listen_conn is not None:
            return
        params = dict(self.connection.get_connection_params())
        params.update(
            connect_timeout=5, keepalives=1, keepalives_idle=10, keepalives_interval=5, keepalives_count=3
        )
        conn = self.connection.get_new_connection(params)
        conn.autocommit = True  # LISTEN on a dedicated autocommit connection: nothing waits for a COMMIT
        with conn.cursor() as cur:
            cur.execute(f"LISTEN {CHANNEL}")
        self.listen_conn = conn

    def _wait_for_notify(self, timeout: float) -> bool:
        if self.vendor != "postgresql" or self.listen_conn is None:
            self._sleep(timeout)
            return False
        conn = self.listen_conn
        if not conn.notifies:
            readable, _, _ = select.select([conn], [], [], timeout)
            if not readable:
                return False
            conn.poll()
        woken = bool(conn.notifies)
        conn.notifies.clear()
        return woken

    def _primary_lsn(self) -> int | None:
        with self.connection.cursor() as cur:
            return lsn_to_int(current_wal_lsn(cur))

    # --- housekeeping -----------------------------------------------------------------------------

    def _housekeeping(self) -> None:
        now = time.monotonic()
        if now - self._last_heartbeat >= HEARTBEAT_SECONDS:
            self._last_heartbeat = now
            # Idle and caught up: the current position is complete, keep the persisted one close.
            self.log.heartbeat(None if self.pending else self.position)
        if now - self._last_prune >= PRUNE_EVERY_SECONDS:
            self._last_prune = now
            self.prune()
        if now - self._last_stats >= STATS_EVERY_SECONDS:
            self._last_stats = now
            logger.info("invalidator stats %s", self.stats())

    def stats(self) -> dict[str, Any]:
        delays = list(self.delays_ms)
        return {
            "invalidated_stores": self.invalidated,
            "stock_refreshed_stores": self.stock_refreshed,
            "pending_batches": len(self.pending),
            "last_change_id": self.position.last_change_id,
            "delay_ms_median": round(statistics.median(delays), 1) if delays else None,
            "delay_ms_max": round(max(delays), 1) if delays else None,
        }

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))
