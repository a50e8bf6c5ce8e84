"""Replica health: which read replicas may serve reads right now, how far behind they are.

State is per process and shared by its threads. A replica that refuses connections or lags past
DUKAAN_REPLICA_MAX_LAG_SECONDS leaves the rotation (logged once, on the change); a down one is
tried again after DUKAAN_REPLICA_RECHECK_SECONDS, a lagging or healthy one has its lag re-measured
at most once a second (or every RECHECK seconds if that is shorter). Checks run on the thread's
own Django connection through the raw driver cursor, so they neither show up in query logs/counts
nor pass through execute wrappers.

Lag is the replica's own measure: 0 while everything received has been applied, otherwise the age
of the last applied transaction. After a long quiet spell that overstates a fresh lag for a moment
(the replica drops out for a second and reads use the primary): it errs towards current data.

Freshness is judged by WAL positions: pg_last_wal_replay_lsn() (applied on the replica, not merely
received) against the primary's pg_current_wal_lsn() taken after a user's write committed.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections

from dukaan.db.wal import lsn_to_int

logger = logging.getLogger("dukaan.replicas")

__all__ = ["choose_replica", "lowest_replay_position", "lsn_to_int", "snapshot"]

OK, DOWN, LAGGING, UNKNOWN = "ok", "down", "lagging", "unknown"

# Replay LSN (or the current LSN when the server is not a standby, e.g. a test mirror of the
# primary) and the lag: 0 while everything received has been applied, otherwise the age of the
# last applied transaction. NULL (nothing applied yet with WAL pending) counts as "too far behind".
_LAG_SQL = """
SELECT pg_is_in_recovery(),
       CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END::text,
       CASE WHEN NOT pg_is_in_recovery() THEN 0
            WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
            ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8 END
"""


@dataclass
class ReplicaState:
    alias: str
    status: str = UNKNOWN
    lag_seconds: float | None = None
    replay_lsn: str | None = None
    error: str = ""
    checked_at: float = 0.0  # time.monotonic() of the last check
    next_check_at: float = 0.0

    @property
    def replay_position(self) -> int | None:
        return lsn_to_int(self.replay_lsn)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.status == OK,
            "state": self.status,
            "lag_seconds": None if self.lag_seconds is None else round(self.lag_seconds, 3),
            "replay_lsn": self.replay_lsn,
            **({"error": self.error} if self.error else {}),
        }


_states: dict[str, ReplicaState] = {}
_lock = threading.Lock()
_rotation = itertools.count()


def replica_aliases() -> list[str]:
    return list(getattr(settings, "REPLICA_ALIASES", []))


def max_lag_seconds() -> float:
    return float(settings.DUKAAN_REPLICA_MAX_LAG_SECONDS)


def recheck_seconds() -> float:
    return float(settings.DUKAAN_REPLICA_RECHECK_SECONDS)


def lag_check_seconds() -> float:
    """How often a healthy replica's lag is re-measured (at most once a second)."""
    return min(1.0, recheck_seconds())


def get_state(alias: str) -> ReplicaState:
    with _lock:
        return _states.setdefault(alias, ReplicaState(alias))


def reset() -> None:
    """Forget every replica's state (tests; a process starts with none)."""
    with _lock:
        _states.clear()


def _measure(alias: str) -> tuple[str, float | None]:
    conn = connections[alias]
    conn.ensure_connection()
    if conn.vendor != "postgresql":
        return "", 0.0  # SQLite "replicas" only exist as test mirrors: always current
    with conn.connection.cursor() as cursor:
        cursor.execute(_LAG_SQL)
        _in_recovery, replay_lsn, lag = cursor.fetchone()
    return replay_lsn, lag


def _close_quietly(alias: str) -> None:
    try:
        connections[alias].close()
    except Exception:  # the connection is already broken; there is nothing left to close
        connections[alias].connection = None


def _record(
    alias: str, status: str, *, lag: float | None, replay_lsn: str | None, error: str
) -> ReplicaState:
    now = time.monotonic()
    with _lock:
        state = _states.setdefault(alias, ReplicaState(alias))
        previous = state.status
        state.status, state.lag_seconds, state.error = status, lag, error
        if replay_lsn is not None:
            state.replay_lsn = replay_lsn
        state.checked_at = now
        # A lagging replica answers, so measuring it again is cheap; a down one may hang on connect.
        state.next_check_at = now + (recheck_seconds() if status == DOWN else lag_check_seconds())
    # Log the change, once: a replica that stays down must not flood the logs on every request.
    if status != previous and not (previous == UNKNOWN and status == OK):
        extra = {"replica": alias, "replica_state": status, "lag_seconds": lag}
        if status == OK:
            logger.info("replica %s is back in rotation (lag %.2fs)", alias, lag or 0.0, extra=extra)
        elif status == DOWN:
            logger.warning(
                "replica %s is down, reading from the primary; re-check in %.0fs: %s",
                alias, recheck_seconds(), error, extra=extra,
            )  # fmt: skip
        else:
            logger.warning(
                "replica %s lags %s (limit %.1fs), reading from the primary until it catches up",
                alias, "unknown" if lag is None else f"{lag:.1f}s", max_lag_seconds(),
                extra=extra,
            )  # fmt: skip
    return state


def mark_down(alias: str, error: str) -> ReplicaState:
    _close_quietly(alias)
    return _record(alias, DOWN, lag=None, replay_lsn=None, error=error[:200])


def check(alias: str) -> ReplicaState:
    """Connect to the replica now and measure its replay position and lag."""
    while True:
        reused = connections[alias].connection is not None
        try:
            replay_lsn, lag = _measure(alias)
            break
        except Exception as exc:  # any driver error: refused, reset, restarted server...
            _close_quietly(alias)
            if not reused:  # a fresh connection failed: the replica really is unavailable
                return mark_down(alias, str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc))
            # else a persistent connection went stale (e.g. the replica restarted): try a fresh one
    if lag is None or lag > max_lag_seconds():
        return _record(alias, LAGGING, lag=lag, replay_lsn=replay_lsn, error="")
    return _record(alias, OK, lag=lag, replay_lsn=replay_lsn, error="")


def _usable_for_this_request(alias: str) -> bool:
    """Django's per-request health check, run now so a dead connection falls back instead of failing."""
    conn = connections[alias]
    try:
        conn.close_if_health_check_failed()
        conn.ensure_connection()
        return True
    except Exception as exc:
        mark_down(alias, str(exc).strip() or repr(exc))
        return False


def choose_replica(min_lsn: int | None = None) -> str | None:
    """A healthy replica (round robin) that has replayed at least `min_lsn`, or None for the primary."""
    aliases = replica_aliases()
    if not aliases:
        return None
    start = next(_rotation) % len(aliases)
    for alias in aliases[start:] + aliases[:start]:
        state = get_state(alias)
        fresh = False
        if time.monotonic() >= state.next_check_at:
            state, fresh = check(alias), True
        if state.status != OK:
            continue
        if min_lsn is not None and (state.replay_position or 0) < min_lsn:
            if fresh:
                continue
            state = check(alias)  # one fresh look: it may have caught up since the last check
            if state.status != OK or (state.replay_position or 0) < min_lsn:
                continue
        if _usable_for_this_request(alias):
            return alias
    return None


def snapshot(*, refresh: bool = True) -> dict[str, dict[str, Any]]:
    """Every replica's state for /readyz (measured now unless refresh=False)."""
    result = {}
    for alias in replica_aliases():
        state = check(alias) if refresh else get_state(alias)
        result[alias] = state.as_dict()
    return result


def lowest_replay_position(aliases: list[str] | None = None) -> int | None:
    """The lowest replay position among the replicas that answer now (None: none to wait for).

    A replica that is down is left out, as the router leaves it out; a lagging one counts, since
    it may rejoin the rotation. A server that is not a standby (a test mirror of the primary)
    reports the primary's own position, so it never holds anything up.
    """
    positions = []
    for alias in replica_aliases() if aliases is None else aliases:
        state = check(alias)
        if state.status != DOWN and state.replay_position is not None:
            positions.append(state.replay_position)
    return min(positions) if positions else None
