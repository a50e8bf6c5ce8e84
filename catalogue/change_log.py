"""Reading the trigger-written change log, and the invalidator's persisted position in it.

Change-log ids come from a sequence and commit out of order (id 11 may commit before id 10), so on
PostgreSQL the position is a transaction snapshot (pg_current_snapshot()): the next read takes every
row whose transaction was not yet visible in the previous snapshot - the PgQ technique. SQLite has a
single writer, so there the last id is exact.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.models import Max
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from catalogue.models import CatalogueChange, InvalidatorCursor

logger = logging.getLogger("dukaan.invalidator")

PRUNE_BATCH = 5000


@dataclass(frozen=True)
class Position:
    snapshot: str = ""  # PostgreSQL: pg_snapshot text; "" = from the beginning of the log
    last_change_id: int = 0


@dataclass(frozen=True)
class Changes:
    """What a read of the log found after a position."""

    position: Position  # the position after these changes
    newest_by_store: dict[int, int]  # store id -> its newest change id
    oldest_age_seconds: float  # how long the oldest of them has waited
    # Stores whose every change here was to stock alone (op STOCK): their catalogue is refreshed,
    # not thrown away.
    stock_only: frozenset[int] = frozenset()


class ChangeLog:
    """The change log and one named cursor in it, on one database connection."""

    def __init__(self, *, name: str = "default", database: str = "default") -> None:
        self.name = name
        self.database = database

    @property
    def connection(self) -> Any:
        return connections[self.database]

    @property
    def vendor(self) -> str:
        return self.connection.vendor

    def load_position(self) -> Position:
        cursor, _ = InvalidatorCursor.objects.using(self.database).get_or_create(name=self.name)
        return Position(cursor.snapshot, cursor.last_change_id)

    def save_position(self, position: Position) -> None:
        now = timezone.now()
        InvalidatorCursor.objects.using(self.database).filter(name=self.name).update(
            snapshot=position.snapshot,
            last_change_id=position.last_change_id,
            last_processed_at=now,
            heartbeat_at=now,
        )

    def heartbeat(self, position: Position | None) -> None:
        """Say the invalidator is alive; with `position`, also that it is complete up to there."""
        fields: dict[str, Any] = {"heartbeat_at": timezone.now()}
        if position is not None:
            fields.update(snapshot=position.snapshot, last_change_id=position.last_change_id)
        InvalidatorCursor.objects.using(self.database).filter(name=self.name).update(**fields)

    def changes_after(self, position: Position) -> Changes:
        if self.vendor == "postgresql":
            return self._changes_after_postgres(position)
        return self._changes_after_by_id(position)

    def _changes_after_postgres(self, position: Position) -> Changes:
        prev = position.snapshot or None
        with self.connection.cursor() as cur:
            cur.execute(
                """
                WITH snap AS (SELECT pg_current_snapshot() AS s, clock_timestamp() AS now)
                SELECT snap.s::text, c.store_id, max(c.id),
                       extract(epoch FROM snap.now - min(c.created_at)),
                       sum(CASE WHEN c.op = 'STOCK' THEN 0 ELSE 1 END)
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
        newest = {row[1]: row[2] for row in rows if row[1] is not None}
        oldest = max((float(row[3]) for row in rows if row[1] is not None), default=0.0)
        stock_only = frozenset(row[1] for row in rows if row[1] is not None and row[4] == 0)
        last_id = max([position.last_change_id, *newest.values()])
        return Changes(Position(snapshot, last_id), newest, oldest, stock_only)

    def _changes_after_by_id(self, position: Position) -> Changes:
        with self.connection.cursor() as cur:
            cur.execute(
                "SELECT store_id, max(id), min(created_at),"
                " sum(CASE WHEN op = 'STOCK' THEN 0 ELSE 1 END) FROM dukaan_cataloguechange"
                " WHERE id > %s GROUP BY store_id",
                [position.last_change_id],
            )
            rows = cur.fetchall()
        newest = {row[0]: row[1] for row in rows}
        now = timezone.now()
        oldest = 0.0
        for row in rows:
            created = row[2]
            if isinstance(created, str):
                created = parse_datetime(created).replace(tzinfo=UTC)
            oldest = max(oldest, (now - created).total_seconds())
        stock_only = frozenset(row[0] for row in rows if row[3] == 0)
        last_id = max([position.last_change_id, *newest.values()])
        return Changes(Position("", last_id), newest, oldest, stock_only)

    def prune(self, *, should_stop=lambda: False) -> int:
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
                if cur.rowcount < PRUNE_BATCH or should_stop():
                    break
        if total:
            logger.info("pruned %d change-log row(s) older than %s", total, cutoff.isoformat())
        return total


def invalidator_status(database: str = "default") -> dict[str, Any]:
    """For /readyz: how far each invalidator has got, and the newest change in the log."""
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
