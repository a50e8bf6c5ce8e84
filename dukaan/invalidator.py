"""The cache invalidator: turns the trigger-written change log into deleted catalogue keys.

What the book found fragile (ch. 9) and how this process avoids it:
- A NOTIFY sent while nobody listens is gone. The triggers therefore also append to
  dukaan_cataloguechange in the writer's transaction, and the invalidator works from that log: NOTIFY
  only wakes it up. Its position is persisted (InvalidatorCursor) after the keys are deleted, and on
  start and after every reconnect it first processes everything after that position.
- Change-log ids come from a sequence and commit out of order (id 11 may commit before id 10), so on
  PostgreSQL the position is a transaction snapshot (pg_current_snapshot()): the next pass takes every
  row whose transaction was not yet visible in the previous snapshot - the PgQ technique. SQLite has a
  single writer, so there the last id is exact.
- django-redis with IGNORE_EXCEPTIONS would turn a failed DELETE into silence. The invalidator deletes
  through its own redis client that raises, retries with backoff, and moves its position only after
  the delete succeeded.
- Replica lag: deleting the key before the replicas have the change lets a concurrent miss rebuild it
  from a stale replica. Each batch is deleted at once (fresh for readers of the primary), and again
  once every reachable replica has replayed past the primary's WAL position read after the change
  was seen, plus CATALOGUE_BUILD_MAX_SECONDS (a build that started before the replay and finishes
  later is at most that long; slower builds are never stored). Only then does the position advance.
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
from datetime import UTC, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, InterfaceError, connections
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from dukaan.catalogue_cache import catalogue_cache_key, catalogue_key

logger = logging.getLogger("dukaan.invalidator")

CHANNEL = "product_changes"
HEARTBEAT_SECONDS = 5.0
PRUNE_EVERY_SECONDS = 600.0
STATS_EVERY_SECONDS = 60.0
PRUNE_BATCH = 5000
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


class Stopped(Exception):
    """Raised inside a retry loop when the process was asked to stop."""


@dataclass(frozen=True)
class Position:
    snapshot: str = ""  # PostgreSQL: pg_snapshot text; "" = from the beginning of the log
    last_change_id: int = 0


@dataclass
class Batch:
    store_ids: set[int]
    position: Position
    target_lsn: int | None
    seen_at: float
    replayed_at: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def lsn_to_int(lsn: str | None) -> int | None:
    if not lsn:
        return None
    high, low = lsn.split("/")
    return (int(high, 16) << 32) + int(low, 16)


class Backoff:
    def __init__(self, first: float = 0.2, maximum: float = MAX_BACKOFF_SECONDS) -> None:
        self.first = first
        self.maximum = maximum
        self.current = first

    def reset(self) -> None:
        self.current = self.first

    def next(self) -> float:
        delay = self.current
        self.current = min(self.current * 2, self.maximum)
        return delay


def redis_client_from_settings():
    """A client that raises on failure (unlike the IGNORE_EXCEPTIONS cache), or None without Redis."""
    if not settings.REDIS_URL:
        return None
    import redis

    return redis.Redis.from_url(
        settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2, health_check_interval=10
    )


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
        self.database = database
        self.replica_aliases = list(settings.REPLICA_ALIASES if replica_aliases is None else replica_aliases)
        self.settle_seconds = (
            settings.CATALOGUE_BUILD_MAX_SECONDS if settle_seconds is None else settle_seconds
        )
        self.poll_seconds = settings.DUKAAN_INVALIDATOR_POLL_SECONDS if poll_seconds is None else poll_seconds
        self.stopping = False
        self.position = Position()
        self.pending: deque[Batch] = deque()
        self.listen_conn: Any = None
        self.replica_conns: dict[str, Any] = {}
        self.replica_down_logged: dict[str, float] = {}
        self.delays_ms: deque[float] = deque(maxlen=1000)
        self.invalidated = 0
        self._last_heartbeat = 0.0
        self._last_prune = 0.0
        self._last_stats = time.monotonic()

    # --- public -------------------------------------------------------------------------------

    @property
    def connection(self):
        return connections[self.database]

    @property
    def vendor(self) -> str:
        return self.connection.vendor

    def stop(self, *_args: Any) -> None:
        self.stopping = True

    def run(self) -> None:
        """Run until stop(): catch up, then follow NOTIFY (PostgreSQL) or poll (SQLite)."""
        if self.redis is None:
            logger.warning(
                "no REDIS_URL: the cache is per-process local memory, which this process cannot reach; "
                "hits are validated against the change log instead (CATALOGUE_CACHE_VALIDATE_HITS)"
            )
        backoff = Backoff()
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
        for conn in [self.listen_conn, *self.replica_conns.values()]:
            if conn is not None:
                # Closing a broken connection may fail; it is gone either way.
                with contextlib.suppress(Exception):
                    conn.close()
        self.listen_conn = None
        self.replica_conns.clear()
        with contextlib.suppress(Exception):
            self.connection.close()

    # --- the change log ---------------------------------------------------------------------------

    def load_position(self) -> Position:
        from dukaan.models import InvalidatorCursor

        cursor, _ = InvalidatorCursor.objects.using(self.database).get_or_create(name=self.name)
        return Position(cursor.snapshot, cursor.last_change_id)

    def fetch_changes(self) -> tuple[Position, dict[int, int], float]:
        """Changes after self.position: (new position, {store id: newest change id}, oldest age in s)."""
        with self.connection.cursor() as cur:
            if self.vendor == "postgresql":
                prev = self.position.snapshot or None
                cur.execute(
                    """
                    WITH snap AS (SELECT pg_current_snapshot() AS s, clock_timestamp() AS now)
                    SELECT snap.s::text, c.store_id, max(c.id),
                           extract(epoch FROM snap.now - min(c.created_at))
                    FROM snap LEFT JOIN dukaan_cataloguechange c ON (
                        %s::text IS NULL OR (
                            c.txid >= pg_snapshot_xmin(%s::pg_snapshot)::text::bigint
                            AND NOT pg_visible_in_snapshot(c.txid::text::xid8, %s::pg_snapshot)))
                    GROUP BY snap.s::text, snap.now, c.store_id
                    """,
                    [prev, prev, prev],
                )
                rows = cur.fetchall()
                snapshot = rows[0][0]
                changes = {row[1]: row[2] for row in rows if row[1] is not None}
                oldest = max((float(row[3]) for row in rows if row[1] is not None), default=0.0)
                last_id = max([self.position.last_change_id, *changes.values()])
                return Position(snapshot, last_id), changes, oldest
            cur.execute(
                "SELECT store_id, max(id), min(created_at) FROM dukaan_cataloguechange"
                " WHERE id > %s GROUP BY store_id",
                [self.position.last_change_id],
            )
            rows = cur.fetchall()
        changes = {row[0]: row[1] for row in rows}
        now = timezone.now()
        oldest = 0.0
        for row in rows:
            created = row[2]
            if isinstance(created, str):
                created = parse_datetime(created).replace(tzinfo=UTC)
            oldest = max(oldest, (now - created).total_seconds())
        last_id = max([self.position.last_change_id, *changes.values()])
        return Position("", last_id), changes, oldest

    def process_changes(self) -> int:
        """One pass: delete the keys of every store changed since the position; returns stores touched."""
        seen_at = time.monotonic()
        position, changes, oldest_age = self.fetch_changes()
        if not changes:
            self.position = position
            return 0
        store_ids = set(changes)
        self.delete_keys(store_ids)
        delay_ms = (oldest_age + time.monotonic() - seen_at) * 1000
        self.delays_ms.append(delay_ms)
        self.invalidated += len(store_ids)
        target = self._primary_lsn() if self.replica_aliases else None
        logger.info(
            "invalidated %d store(s) %s up to change #%d, delay %.1f ms",
            len(store_ids),
            sorted(store_ids)[:20],
            position.last_change_id,
            delay_ms,
        )
        batch = Batch(store_ids=store_ids, position=position, target_lsn=target, seen_at=seen_at)
        if len(self.pending) >= MAX_PENDING_BATCHES:
            last = self.pending[-1]
            last.store_ids |= batch.store_ids
            last.position = batch.position
            last.target_lsn = batch.target_lsn
            last.replayed_at = None
        else:
            self.pending.append(batch)
        self.position = position
        if not self.replica_aliases:
            batch.replayed_at = seen_at
        return len(store_ids)

    def settle_pending(self) -> None:
        """Delete again once the replicas have each batch (plus the build window); then persist."""
        now = time.monotonic()
        waiting = [b for b in self.pending if b.replayed_at is None]
        if waiting:
            replayed = self.replicas_replayed_lsn()
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
        self.delete_keys(store_ids)
        for _ in done:
            self.pending.popleft()
        self.save_position(done[-1].position)
        logger.info(
            "confirmed %d store(s) after replicas caught up; processed through change #%d",
            len(store_ids),
            done[-1].position.last_change_id,
        )

    def save_position(self, position: Position) -> None:
        from dukaan.models import InvalidatorCursor

        now = timezone.now()
        updated = InvalidatorCursor.objects.using(self.database).filter(name=self.name)
        updated.update(
            snapshot=position.snapshot,
            last_change_id=position.last_change_id,
            last_processed_at=now,
            heartbeat_at=now,
        )

    def prune(self) -> int:
        """Delete processed change-log rows older than the retention window."""
        cutoff = timezone.now() - timedelta(hours=settings.DUKAAN_CHANGE_LOG_RETENTION_HOURS)
        persisted = self.load_position()
        total = 0
        with self.connection.cursor() as cur:
            while True:
                if self.vendor == "postgresql":
                    if not persisted.snapshot:
                        break
                    cur.execute(
                        "DELETE FROM dukaan_cataloguechange WHERE id IN"
                        " (SELECT id FROM dukaan_cataloguechange WHERE created_at < %s"
                        " AND txid < pg_snapshot_xmin(%s::pg_snapshot)::text::bigint"
                        " LIMIT %s)",
                        [cutoff, persisted.snapshot, PRUNE_BATCH],
                    )
                else:
                    cur.execute(
                        "DELETE FROM dukaan_cataloguechange WHERE id IN"
                        " (SELECT id FROM dukaan_cataloguechange WHERE created_at < %s AND id <= %s"
                        " LIMIT %s)",
                        [cutoff, persisted.last_change_id, PRUNE_BATCH],
                    )
                total += cur.rowcount
                if cur.rowcount < PRUNE_BATCH or self.stopping:
                    break
        if total:
            logger.info("pruned %d change-log row(s) older than %s", total, cutoff.isoformat())
        return total

    # --- Redis -------------------------------------------------------------------------------------

    def delete_keys(self, store_ids: set[int]) -> None:
        """Delete the stores' catalogue keys; retries until Redis answers (raises Stopped on stop)."""
        keys = [catalogue_cache_key(store_id) for store_id in sorted(store_ids)]
        if self.redis is None:
            from django.core.cache import caches

            caches["default"].delete_many([catalogue_key(store_id) for store_id in store_ids])
            return
        backoff = Backoff(first=0.05, maximum=5.0)
        while True:
            try:
                for start in range(0, len(keys), 500):
                    self.redis.delete(*keys[start : start + 500])
                return
            except Exception as exc:  # redis.RedisError and socket errors: never give up on a delete
                if self.stopping:
                    raise Stopped from exc
                delay = backoff.next()
                logger.warning(
                    "redis delete failed (%s); retrying in %.2fs, position not advanced", exc, delay
                )
                self._sleep(delay)

    # --- PostgreSQL: LISTEN and replica positions -------------------------------------------------

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
            # Commits are flushed before they return (synchronous_commit on), so the WAL write
            # position now is past every change this pass saw.
            cur.execute("SELECT pg_current_wal_lsn()::text")
            return lsn_to_int(cur.fetchone()[0])

    def replicas_replayed_lsn(self) -> int | None:
        """The lowest replay position of the reachable replicas (None: no replica to wait for)."""
        positions = []
        for alias in self.replica_aliases:
            lsn = self._replica_replay_lsn(alias)
            if lsn is not None:
                positions.append(lsn)
        return min(positions) if positions else None

    def _replica_replay_lsn(self, alias: str) -> int | None:
        conn = self.replica_conns.get(alias)
        try:
            if conn is None:
                replica = connections[alias]
                params = dict(replica.get_connection_params())
                params["connect_timeout"] = 2
                conn = replica.get_new_connection(params)
                conn.autocommit = True
                self.replica_conns[alias] = conn
            with conn.cursor() as cur:
                cur.execute("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text")
                in_recovery, lsn = cur.fetchone()
            self.replica_down_logged.pop(alias, None)
            # Not a standby (a test mirror of the primary): it has every change already.
            return lsn_to_int(lsn) if in_recovery else None
        except Exception as exc:  # a replica that is down is skipped: the router does not read it either
            self.replica_conns.pop(alias, None)
            now = time.monotonic()
            if now - self.replica_down_logged.get(alias, -1e9) > 30:
                self.replica_down_logged[alias] = now
                logger.warning("replica %s unreachable (%s); not waiting for it", alias, exc)
            return None

    # --- housekeeping ----------------------------------------------------------------------------

    def _housekeeping(self) -> None:
        now = time.monotonic()
        if now - self._last_heartbeat >= HEARTBEAT_SECONDS:
            self._last_heartbeat = now
            from dukaan.models import InvalidatorCursor

            fields: dict[str, Any] = {"heartbeat_at": timezone.now()}
            if not self.pending:
                # Idle and caught up: the current position is complete, keep the persisted one close.
                fields.update(snapshot=self.position.snapshot, last_change_id=self.position.last_change_id)
            InvalidatorCursor.objects.using(self.database).filter(name=self.name).update(**fields)
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
            "pending_batches": len(self.pending),
            "last_change_id": self.position.last_change_id,
            "delay_ms_median": round(statistics.median(delays), 1) if delays else None,
            "delay_ms_max": round(max(delays), 1) if delays else None,
        }

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))


def invalidator_status(database: str = "default") -> dict[str, Any]:
    """For /readyz: how far the invalidator has got, and the newest change in the log."""
    from django.db.models import Max

    from dukaan.models import CatalogueChange, InvalidatorCursor

    cursors = list(InvalidatorCursor.objects.using(database).order_by("name"))
    latest = CatalogueChange.objects.using(database).aggregate(latest=Max("id"))["latest"]
    return {
        "latest_change_id": latest,
        "cursors": [
            {
                "name": c.name,
                "last_change_id": c.last_change_id,
                "last_processed_at": c.last_processed_at.isoformat() if c.last_processed_at else None,
                "heartbeat_at": c.heartbeat_at.isoformat() if c.heartbeat_at else None,
            }
            for c in cursors
        ],
    }
