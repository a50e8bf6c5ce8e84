"""PostgreSQL WAL positions: how far the primary has written and a replica has replayed.

Freshness across replicas is judged by these positions, never by time: a replica has a change
once its pg_last_wal_replay_lsn() is at or past the primary's pg_current_wal_lsn() read after
the change committed.
"""

from __future__ import annotations

from typing import Any


def lsn_to_int(lsn: str | None) -> int | None:
    """'16/B374D848' -> an integer that orders like the WAL position (None stays None)."""
    if not lsn:
        return None
    high, _, low = lsn.partition("/")
    return (int(high, 16) << 32) + int(low, 16)


CURRENT_WAL_LSN_SQL = "SELECT pg_current_wal_lsn()::text"


def current_wal_lsn(cursor: Any) -> str:
    """The server's WAL write position as text, read with `cursor` (a primary's connection).

    Commits are flushed before they return (synchronous_commit on), so the position read after
    a commit is past everything that commit wrote.
    """
    cursor.execute(CURRENT_WAL_LSN_SQL)
    return cursor.fetchone()[0]
