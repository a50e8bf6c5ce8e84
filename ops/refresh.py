"""Refreshing staging from production without staging ever holding production's people.

    check (changes nothing) -> pg_dump the source -> restore into a scratch database nobody reads
    -> migrate + sanitize there -> leak check there -> pg_dump the sanitized scratch
    -> pg_restore that into staging in one transaction -> mark it staging, empty its cache
    -> leak check staging

Why a scratch database: sanitizing in place leaves the replaced values in staging's dead row
versions, its WAL, its replicas and base backups, and a running staging app serves real data until
sanitize ends. Loading a dump of the already sanitized scratch writes only sanitized rows to staging.
By default the scratch database lives in a throwaway PostgreSQL cluster this process starts in a
private temporary folder, reachable only through a Unix socket there, and deletes afterwards, so
not even staging's server sees the raw rows; `scratch_server` names an existing server instead.
The scratch database, the cluster and both dump files are removed whatever step fails.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg2
from django.conf import settings

from ops.leak_check import LeakReport, WordMatcher, personal_values, scan

Say = Callable[[str], None]
BASE_DIR = Path(settings.BASE_DIR)
MARKER_TABLE = "ops_environmentmarker"
# Never copied out of production at all: the sanitizer would only delete them.
SECRET_TABLES = ("django_session", "authtoken_token", "stores_otpchallenge")
OUTPUT_TAIL = 2000


class RefreshRefused(RuntimeError):
    """The checks found a reason not to start: nothing was changed."""


class RefreshFailed(RuntimeError):
    """A step failed after the checks; the scratch database and dumps are already removed."""


class LeakFound(RefreshFailed):
    """The leak check found a source value in a sanitized database."""


@dataclass(frozen=True)
class DatabaseFacts:
    """Who a database is, read from the server itself rather than from how its URL is spelt."""

    label: str
    name: str
    system_identifier: int
    comment: str
    marked: str | None  # the marker row's environment, if any row says production
    in_recovery: bool

    @property
    def identity(self) -> tuple[int, str]:
        # A server (and its replicas) share the system identifier; the name picks the database.
        return (self.system_identifier, self.name)

    def production_reason(self) -> str | None:
        if self.marked:
            return f"its {MARKER_TABLE} row says {self.marked!r}"
        if "production" in self.comment.lower():
            return f"its database comment says {self.comment!r}"
        return None


@dataclass
class RefreshReport:
    source: DatabaseFacts
    target: DatabaseFacts
    scratch: str = ""  # where the raw copy lived
    leak: LeakReport | None = None
    row_counts: dict[str, int] = field(default_factory=dict)
    cache_cleared: bool = False


def inspect_database(dsn: str, *, label: str) -> DatabaseFacts:
    """Read a database's identity and production marks, in a read-only session."""
    try:
        connection = psycopg2.connect(dsn, connect_timeout=10)
    except psycopg2.Error as exc:
        raise RefreshRefused(f"cannot connect to the {label} database: {_first_line(exc)}") from exc
    try:
        connection.set_session(readonly=True, autocommit=True)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_database(), (SELECT system_identifier FROM pg_control_system()),"
                " coalesce(shobj_description(d.oid, 'pg_database'), ''), pg_is_in_recovery(),"
                " to_regclass(%s) IS NOT NULL"
                " FROM pg_database d WHERE d.datname = current_database()",
                [f"public.{MARKER_TABLE}"],
            )
            name, system_identifier, comment, in_recovery, has_marker = cursor.fetchone()
            marked = None
            if has_marker:
                cursor.execute(
                    f"SELECT environment FROM {MARKER_TABLE}"  # noqa: S608 - a constant
                    " WHERE environment = 'production' LIMIT 1"
                )
                row = cursor.fetchone()
                marked = row[0] if row else None
    except psycopg2.Error as exc:
        raise RefreshRefused(f"cannot inspect the {label} database: {_first_line(exc)}") from exc
    finally:
        connection.close()
    return DatabaseFacts(label, name, int(system_identifier), comment, marked, in_recovery)


def check_refresh(
    source_dsn: str, target_dsn: str, *, scratch_server: str | None = None
) -> tuple[DatabaseFacts, DatabaseFacts]:
    """Every reason to refuse, before anything is written anywhere. Raises RefreshRefused."""
    if settings.DUKAAN_ENVIRONMENT == "production":
        raise RefreshRefused(
            "DUKAAN_ENVIRONMENT is 'production': run the refresh with the staging app's environment."
        )
    source = inspect_database(source_dsn, label="source")
    target = inspect_database(target_dsn, label="target")
    reason = target.production_reason()
    if reason:
        raise RefreshRefused(f"the target database {target.name!r} is marked production: {reason}.")
    if source.identity == target.identity:
        raise RefreshRefused(
            f"the source and the target are the same database ({target.name!r} on the server with "
            f"system identifier {target.system_identifier}), however the URLs are spelt."
        )
    if target.in_recovery:
        raise RefreshRefused(f"the target database {target.name!r} is a read-only replica.")
    if scratch_server:
        scratch = inspect_database(scratch_server, label="scratch server")
        if scratch.system_identifier == source.system_identifier:
            raise RefreshRefused("the scratch server is the source's server: scratch work stays off it.")
    return source, target


def refresh_staging(
    *, source_dsn: str, target_dsn: str, scratch_server: str | None = None, say: Say | None = None
) -> RefreshReport:
    """Refresh the target from the source; see the module docstring for the steps."""
    tell = say or (lambda message: None)
    source, target = check_refresh(source_dsn, target_dsn, scratch_server=scratch_server)
    report = RefreshReport(source=source, target=target)
    tell(f"checked: source {source.name!r}, target {target.name!r} (not production, not the same database)")
    with tempfile.TemporaryDirectory(prefix="dukaan-refresh-") as work:  # mode 0700
        raw = Path(work) / "raw.dump"
        clean = Path(work) / "sanitized.dump"
        tell("pg_dump the source (without sessions, tokens, codes and the environment marker)")
        excluded = [f"--exclude-table-data={table}" for table in (*SECRET_TABLES, MARKER_TABLE)]
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", *excluded,
              f"--file={raw}", f"--dbname={source_dsn}"], "pg_dump of the source")  # fmt: skip
        with scratch_database(scratch_server, say=tell) as scratch_dsn:
            report.scratch = "a throwaway local cluster" if not scratch_server else "the scratch server"
            tell(f"restore into the scratch database ({report.scratch})")
            _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
                  f"--dbname={scratch_dsn}", str(raw)], "restore into the scratch database")  # fmt: skip
            raw.unlink()
            # What to look for later: exactly the values that were dumped, read from the copy.
            needles = personal_values(scratch_dsn)
            tell(f"  {len(needles)} personal values to look for afterwards")
            tell("migrate the scratch database (staging code may be ahead of production)")
            _manage(scratch_dsn, "migrate", "--noinput", "-v", "0")
            tell("sanitize the scratch database")
            tell(_manage(scratch_dsn, "sanitize_staging", "--yes").rstrip())
            _reset_change_log(scratch_dsn)
            tell("leak check of the scratch database")
            _require_clean(scratch_dsn, needles, "the sanitized scratch database")
            tell("pg_dump the sanitized scratch database")
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                  f"--file={clean}", f"--dbname={scratch_dsn}"], "pg_dump of the scratch")  # fmt: skip
        tell("scratch database removed")
        # Marks may have changed while the copy was sanitized: check the target again.
        check_refresh(source_dsn, target_dsn)
        tell(f"load the sanitized dump into {target.name!r} (one transaction)")
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
              "--exit-on-error", f"--dbname={target_dsn}", str(clean)], "load into the target")  # fmt: skip
    _mark_staging(target_dsn)
    report.row_counts = table_row_counts(target_dsn)
    report.cache_cleared = _clear_staging_cache(target)
    tell("staging's cache emptied" if report.cache_cleared else "cache not emptied: not run as staging's app")
    tell("leak check of staging")
    report.leak = _require_clean(target_dsn, needles, f"staging ({target.name!r})")
    return report


def _require_clean(dsn: str, needles: WordMatcher, what: str) -> LeakReport:
    connection = psycopg2.connect(dsn)
    try:
        result = scan(connection, needles)
        connection.rollback()
    finally:
        connection.close()
    if result.leak:
        raise LeakFound(f"LEAK in {what}: {result.leak}.")
    return result


@contextlib.contextmanager
def scratch_database(scratch_server: str | None, *, say: Say) -> Iterator[str]:
    """A new empty database for the raw copy, dropped (with its cluster, if we made one) on exit."""
    name = f"dukaan_scratch_{secrets.token_hex(4)}"
    if scratch_server:
        with _admin(scratch_server) as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        try:
            yield _with_database(scratch_server, name)
        finally:
            with _admin(scratch_server) as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    cluster = ScratchCluster()
    try:
        cluster.start()
        say(f"  throwaway PostgreSQL {cluster.version} in {cluster.root}")
        with _admin(cluster.dsn("postgres")) as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        yield cluster.dsn(name)
    finally:
        cluster.remove()


class ScratchCluster:
    """A private PostgreSQL server: initdb in a 0700 temporary folder, a Unix socket there, no TCP.

    Durability is off (fsync, full-page writes): its data is thrown away. As root the server runs
    as the `postgres` OS user, as PostgreSQL refuses to run as root.
    """

    PORT = 5432  # only names the socket file inside our own folder; no TCP port is opened

    def __init__(self) -> None:
        self.bindir = find_server_bindir()
        if self.bindir is None:
            raise RefreshFailed(
                "no PostgreSQL server binaries (initdb, pg_ctl) found for a throwaway scratch cluster: "
                "install them (postgresql-15) or pass --scratch-server URL of a server for scratch work."
            )
        self.version = self.bindir.parent.name
        self.root = Path(tempfile.mkdtemp(prefix="dukaan-scratch-pg-"))
        self.data = self.root / "data"
        self._run_as = "postgres" if os.geteuid() == 0 else None
        self._started = False

    def dsn(self, database: str) -> str:
        host = urllib.parse.quote(str(self.root), safe="")
        return f"postgresql://postgres@{host}:{self.PORT}/{database}"

    def _server_tool(self, *args: str) -> None:
        argv = [str(self.bindir / args[0]), *args[1:]]
        if self._run_as:
            argv = ["runuser", "-u", self._run_as, "--", *argv]
        _run(argv, f"scratch cluster: {args[0]}")

    def start(self) -> None:
        if self._run_as:
            user = pwd.getpwnam(self._run_as)
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self._server_tool("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                          "--encoding=UTF8", "--no-locale", "--no-sync")  # fmt: skip
        options = (
            f"-c listen_addresses='' -c unix_socket_directories='{self.root}' -c port={self.PORT}"
            " -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
            " -c wal_level=minimal -c max_wal_senders=0"
        )
        self._started = True
        self._server_tool("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"),
                          "-w", "-t", "60", "-o", options, "start")  # fmt: skip

    def remove(self) -> None:
        if self._started and (self.data / "postmaster.pid").exists():
            with contextlib.suppress(RefreshFailed):
                self._server_tool("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


def find_server_bindir() -> Path | None:
    """The newest PostgreSQL server bin folder (PG_BINDIR wins), as deploy/postgres/pg_pair.py finds it."""
    explicit = os.environ.get("PG_BINDIR")
    if explicit:
        return Path(explicit) if (Path(explicit) / "initdb").exists() else None
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name)
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb and shutil.which("pg_ctl") else None


def table_row_counts(dsn: str) -> dict[str, int]:
    """Exact row counts of every table in the public schema."""
    connection = psycopg2.connect(dsn)
    try:
        connection.set_session(readonly=True, autocommit=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
            tables = [row[0] for row in cursor.fetchall()]
            counts = {}
            for table in tables:
                cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - names from the catalog
                counts[table] = cursor.fetchone()[0]
    finally:
        connection.close()
    return counts


def _reset_change_log(dsn: str) -> None:
    """Production's change log and invalidator position mean nothing to staging.

    The cursor holds production's transaction snapshot: on staging, whose transaction ids are
    unrelated, it would skip staging's own changes (or replay old ones), and cached catalogues
    would go stale. An empty log and a cursor at its start make staging's invalidator begin with
    staging's first own change.
    """
    connection = psycopg2.connect(dsn)
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute("TRUNCATE dukaan_cataloguechange")
            cursor.execute(
                "UPDATE dukaan_invalidatorcursor SET snapshot = '', last_change_id = 0,"
                " last_processed_at = NULL, heartbeat_at = NULL"
            )
    finally:
        connection.close()


def _mark_staging(dsn: str) -> None:
    connection = psycopg2.connect(dsn)
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {MARKER_TABLE}")  # noqa: S608 - a constant
            cursor.execute(
                f"INSERT INTO {MARKER_TABLE} (environment, marked_at, note) VALUES ('staging', now(), %s)",  # noqa: S608
                ["refreshed from production by manage.py refresh_staging, sanitized"],
            )
    finally:
        connection.close()


def _clear_staging_cache(target: DatabaseFacts) -> bool:
    """Empty this process's cache when this process is staging's app (its database is the target).

    Staging's cached catalogues are of the data just replaced, and store ids repeat across copies.
    """
    from django.core.cache import cache
    from django.db import connection

    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database(), (SELECT system_identifier FROM pg_control_system())")
        name, system_identifier = cursor.fetchone()
    if (int(system_identifier), name) != target.identity:
        return False
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")  # django-redis: only this app's keys (its prefix), not the whole server
    else:
        cache.clear()
    return True


@contextlib.contextmanager
def _admin(server_dsn: str) -> Iterator[Any]:
    connection = psycopg2.connect(_with_database(server_dsn, "postgres"), connect_timeout=10)
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            yield cursor
    finally:
        connection.close()


def _with_database(dsn: str, database: str) -> str:
    parts = urllib.parse.urlsplit(dsn)
    if parts.scheme not in ("postgres", "postgresql"):
        raise RefreshRefused(f"expected a postgres:// URL, got {parts.scheme or dsn[:20]!r}")
    return urllib.parse.urlunsplit(parts._replace(path=f"/{database}"))


def _manage(dsn: str, *args: str) -> str:
    """A management command of this checkout against another database, in a child process.

    It gets this process's environment (DUKAAN_ENVIRONMENT included, which the checks already
    found is not production) with only the database swapped; no replicas and no cache server, so
    nothing it does reaches staging's or production's Redis.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_REPLICA_URLS", "REDIS_URL")}
    env["DATABASE_URL"] = dsn
    return _run([sys.executable, "manage.py", *args], f"manage.py {args[0]} on the scratch database", env=env)


def _run(argv: list[str], what: str, *, env: dict[str, str] | None = None) -> str:
    # Our own fixed tool names; the URLs are arguments, never a shell line.
    result = subprocess.run(argv, cwd=BASE_DIR, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        output = (result.stderr or result.stdout).strip()[-OUTPUT_TAIL:]
        raise RefreshFailed(f"{what} failed (exit {result.returncode}):\n{output}")
    return result.stdout


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
