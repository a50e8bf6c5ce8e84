"""Primary/replica database routing.

Writes and migrations go to the primary ("default"). A read goes to a healthy replica, except:
- there are no replicas (DATABASE_REPLICA_URLS unset): everything uses the primary;
- inside `use_primary()` (checkout, payments, stock: code that must see current data);
- while the primary connection is inside a transaction (atomic blocks, select_for_update);
- for models whose staleness breaks a request outright (sessions, API tokens);
- outside a request (management commands, shells, workers read current data);
- during an unsafe-method request (POST/PATCH/...: it validates against what it is about to write);
- while the visitor is pinned by read-your-writes (see dukaan/db/read_your_writes.py) and no healthy
  replica has replayed the WAL position of their last write yet.

`read_point(min_lsn)` and `reads_from(alias)` serve a read that must reflect a given WAL position
(the catalogue cache's fence): it learns where it may go and what position it will see there, and
sends its queries there.

The per-request decision lives in a contextvar (`RoutingState`), so it follows the request into
async views and threads started with asgiref; the chosen replica is kept for the whole request.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, connections
from django.db.backends.signals import connection_created
from django.dispatch import receiver

from dukaan.db import replicas
from dukaan.db.wal import current_wal_lsn, lsn_to_int

PRIMARY = "default"

# Reads of these always go to the primary: a session or token written a moment ago by a client
# that keeps no cookies must be found on its very next request. They are small primary-key reads.
PRIMARY_ONLY_MODELS = frozenset({"sessions.session", "authtoken.token"})

_CTE_WRITE_SQL = re.compile(r"^\s*WITH\b.*\b(INSERT|UPDATE|DELETE)\b", re.IGNORECASE | re.DOTALL)


@dataclass
class RoutingState:
    """What the router knows about the current request."""

    primary_reads: bool = False  # every read of this request goes to the primary
    reason: str = ""  # why (for logs and the DEBUG header)
    pinned: bool = False  # read-your-writes pin found (cookie or server side)
    pin_lsn: int | None = None  # the replica must have replayed this; None with a pin = primary only
    pin_satisfied: bool = False  # a replica had caught up with the pin: it can be dropped
    wrote: bool = False  # a write reached the primary during the request
    read_alias: str | None = None  # the replica chosen for this request
    replica_decided: bool = False
    served: set[str] = field(default_factory=set)  # aliases the router sent reads to


_state_var: contextvars.ContextVar[RoutingState | None] = contextvars.ContextVar("db_routing", default=None)
_force_primary_var: contextvars.ContextVar[int] = contextvars.ContextVar("db_force_primary", default=0)
_read_from_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("db_read_from", default=None)


def current_state() -> RoutingState | None:
    return _state_var.get()


@contextmanager
def routing_scope(state: RoutingState | None = None) -> Iterator[RoutingState]:
    """Route the reads inside as one request would (the middleware uses this; so can workers)."""
    state = state or RoutingState()
    token = _state_var.set(state)
    try:
        yield state
    finally:
        _state_var.reset(token)


@contextmanager
def use_primary() -> Iterator[None]:
    """Every read inside goes to the primary: wrap checkout, payment and stock code in this.

        with use_primary():
            order = order_place(store=store, items=cart, ...)

    Nests, and works in async code (it is a contextvar).
    """
    token = _force_primary_var.set(_force_primary_var.get() + 1)
    try:
        yield
    finally:
        _force_primary_var.reset(token)


@contextmanager
def reads_from(alias: str) -> Iterator[None]:
    """Every read inside goes to `alias` (one that read_point() chose), unless it must be the primary.

    use_primary(), an open transaction and the primary-only models still win: they need the
    primary whatever was chosen.
    """
    token = _read_from_var.set(alias)
    try:
        yield
    finally:
        _read_from_var.reset(token)


@dataclass(frozen=True)
class ReadPoint:
    """Where a read goes and the WAL position it sees there (at least: every change committed at or
    before `lsn` is visible). `lsn` is None without replicas, where nothing lags."""

    alias: str
    lsn: int | None


def _primary_position() -> int | None:
    """The primary's WAL write position now, on the raw driver cursor (never in query counts)."""
    conn = connections[PRIMARY]
    if conn.vendor != "postgresql":
        return None
    try:
        conn.ensure_connection()
        with conn.connection.cursor() as cursor:
            return lsn_to_int(current_wal_lsn(cursor))
    except Exception:  # Django's or the raw driver's error: no position, so nothing trusts this read
        return None


def read_point(min_lsn: int | None = None, *, primary: bool = False) -> ReadPoint:
    """Where a read that must have every change up to WAL position `min_lsn` can go now.

    A healthy replica that has replayed `min_lsn` (and the visitor's read-your-writes pin), else the
    primary; the primary also whenever this request's reads must be current (`primary=True`,
    use_primary(), a transaction, an unsafe method, outside a request). The position is measured
    before the caller reads, so what it then reads is at least that current.
    """
    if not replicas.replica_aliases():
        return ReadPoint(PRIMARY, None)
    state = _state_var.get()
    forced = (
        primary
        or bool(_force_primary_var.get())
        or primary_in_transaction()
        or state is None
        or state.primary_reads
        or (state.pinned and state.pin_lsn is None)
    )
    if not forced:
        if state.pinned and state.pin_lsn is not None:
            min_lsn = max(min_lsn or 0, state.pin_lsn)
        alias = replicas.choose_replica(min_lsn=min_lsn)
        if alias is not None:
            position = replicas.get_state(alias).replay_position
            if min_lsn is None or (position is not None and position >= min_lsn):
                return ReadPoint(alias, position)
    return ReadPoint(PRIMARY, _primary_position())


def primary_in_transaction() -> bool:
    """True inside atomic() on the primary or with autocommit switched off (never opens a connection)."""
    conn = connections[PRIMARY]
    return conn.in_atomic_block or (conn.connection is not None and not conn.autocommit)


def is_write_sql(sql: str) -> bool:
    head = sql.lstrip()[:6].upper()
    if head.startswith(("INSERT", "UPDATE", "DELETE", "MERGE")):
        # Session rows are read from the primary anyway; saving one must not pin the visitor.
        return '"django_session"' not in sql[:80]
    return head.startswith("WITH") and bool(_CTE_WRITE_SQL.match(sql))


def _notice_writes(execute, sql, params, many, context):
    state = _state_var.get()
    if state is not None and not state.wrote and is_write_sql(sql):
        state.wrote = True
    return execute(sql, params, many, context)


def watch_writes() -> None:
    """Notice writes on this thread's primary connection (the middleware calls it per request).

    Connection level, so QuerySet.update(), bulk writes and raw SQL count, not just save().
    The wrapper list lives on the connection object and survives reconnects.
    """
    conn = connections[PRIMARY]
    if _notice_writes not in conn.execute_wrappers:
        conn.execute_wrappers.append(_notice_writes)


@receiver(connection_created, dispatch_uid="dukaan.db.router.notice_writes")
def _install_write_notice(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.alias == PRIMARY and _notice_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(_notice_writes)


def primary_wal_lsn() -> str | None:
    """The primary's WAL write position (after the request's commits), or None off PostgreSQL."""
    conn = connections[PRIMARY]
    if conn.vendor != "postgresql" or primary_in_transaction():
        return None
    try:
        with conn.cursor() as cursor:
            return current_wal_lsn(cursor)
    except DatabaseError:
        return None


class PrimaryReplicaRouter:
    def db_for_read(self, model: type, **hints: Any) -> str:
        alias = self._read_alias(model)
        state = _state_var.get()
        if state is not None:
            state.served.add(alias)
        return alias

    def _read_alias(self, model: type) -> str:
        if not replicas.replica_aliases() or _force_primary_var.get():
            return PRIMARY
        if model._meta.label_lower in PRIMARY_ONLY_MODELS or primary_in_transaction():
            return PRIMARY
        chosen = _read_from_var.get()
        if chosen is not None:
            return chosen
        state = _state_var.get()
        if state is None or state.primary_reads:
            return PRIMARY
        if not state.replica_decided:
            state.replica_decided = True
            if state.pinned and state.pin_lsn is None:
                state.read_alias = None  # a pin without a WAL position holds until it expires
            else:
                state.read_alias = replicas.choose_replica(min_lsn=state.pin_lsn if state.pinned else None)
                state.pin_satisfied = state.pinned and state.read_alias is not None
        return state.read_alias or PRIMARY

    def db_for_write(self, model: type, **hints: Any) -> str:
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        # Replicas hold the same rows as the primary.
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == PRIMARY
