"""One run of a scheduled job at a time, across every worker and scheduler: PostgreSQL advisory locks.

A second run that finds the lock taken skips (the first is doing the work), so two schedulers
running at once during a rolling deploy, or a job slower than its interval, do no harm. The lock
is the session's, so a killed worker's connection closing releases it. (On SQLite, the embedded
default with one process, a process-local lock stands in.)
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections

logger = logging.getLogger("dukaan.jobs")

_local_locks: dict[str, threading.Lock] = {}
_local_guard = threading.Lock()


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for pg_advisory_lock (Python's hash() changes per process)."""
    return int.from_bytes(
        hashlib.blake2b(f"dukaan:{name}".encode(), digest_size=8).digest(), "big", signed=True
    )


@contextmanager
def job_lock(name: str, database: str = "default") -> Iterator[bool]:
    """Yields True while this process holds the lock `name`, False if another holds it (skip the job)."""
    connection = connections[database]
    if connection.vendor != "postgresql":
        with _local_guard:
            lock = _local_locks.setdefault(name, threading.Lock())
        acquired = lock.acquire(blocking=False)
        try:
            yield acquired
        finally:
            if acquired:
                lock.release()
        return
    key = lock_key(name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        acquired = bool(cursor.fetchone()[0])
    try:
        yield acquired
    finally:
        if acquired:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
            except Exception:
                # A broken connection: closing it ends the session, and the lock with it.
                logger.warning("could not release job lock %s; closing the connection", name)
                connection.close()
