"""A throwaway PostgreSQL primary and streaming replica on free loopback ports.

For tests and for developers who want to run Dukaan against a real replica:

    .venv/bin/python deploy/postgres/pg_pair.py up      # prints DATABASE_URL / DATABASE_REPLICA_URLS
    .venv/bin/python deploy/postgres/pg_pair.py status
    .venv/bin/python deploy/postgres/pg_pair.py pause   # hold replay on the replica (lag on demand)
    .venv/bin/python deploy/postgres/pg_pair.py resume
    .venv/bin/python deploy/postgres/pg_pair.py stop-replica | start-replica
    .venv/bin/python deploy/postgres/pg_pair.py down

Importable by tests (`PgPair().start()` ... `.stop()`, or `with PgPair() as pair:`). It needs only the
PostgreSQL server binaries (/usr/lib/postgresql/<version>/bin or PG_BINDIR), never the machine's
long-running server. PostgreSQL refuses to run as root, so as root every server tool runs through
`runuser -u postgres --` (the OS user is created when missing) and the data lives under /tmp.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

DEFAULT_STATE_FILE = Path(__file__).resolve().parents[2] / "var" / "pg_pair.json"
SLOT_NAME = "dukaan_replica"
DATABASE_NAME = "dukaan"

_PRIMARY_CONF = """
# --- added by deploy/postgres/pg_pair.py (throwaway data: durability switched off)
# synchronous_commit stays on: pg_current_wal_lsn() then covers every commit that has returned,
# which is what read-your-writes compares replicas against.
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{socket_dir}'
wal_level = replica
max_wal_senders = 10
max_replication_slots = 10
hot_standby = on
wal_receiver_status_interval = 1s
fsync = off
full_page_writes = off
shared_buffers = 32MB
max_connections = 60
"""


class PgPairError(RuntimeError):
    pass


def find_bindir() -> Path | None:
    """The newest PostgreSQL server bin folder on this machine (PG_BINDIR wins)."""
    explicit = os.environ.get("PG_BINDIR")
    if explicit:
        return Path(explicit) if (Path(explicit) / "initdb").exists() else None
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name)
    )
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def server_binaries_available() -> bool:
    bindir = find_bindir()
    return bool(bindir and (bindir / "pg_basebackup").exists() and (bindir / "pg_ctl").exists())


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def lsn_to_int(lsn: str | None) -> int | None:
    """'16/B374D848' -> a comparable integer (None stays None)."""
    if not lsn:
        return None
    high, low = lsn.split("/")
    return (int(high, 16) << 32) + int(low, 16)


class PgPair:
    """A primary and a streaming replica in one temporary folder.

    Attributes once started: primary_port, replica_port, primary_dsn, replica_dsn (both for the
    `dukaan` database, created at start), root (the folder).
    """

    def __init__(self, root: str | Path | None = None, *, database: str = DATABASE_NAME) -> None:
        self.bindir = find_bindir()
        self.root = Path(root) if root else None
        self.database = database
        self.primary_port = 0
        self.replica_port = 0
        self._run_as = "postgres" if os.geteuid() == 0 else None

    # --- description -------------------------------------------------------------------------
    @property
    def primary_dir(self) -> Path:
        return self._root() / "primary"

    @property
    def replica_dir(self) -> Path:
        return self._root() / "replica"

    @property
    def primary_dsn(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.primary_port}/{self.database}"

    @property
    def replica_dsn(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.replica_port}/{self.database}"

    def dsn(self, which: str, database: str | None = None) -> str:
        port = self.primary_port if which == "primary" else self.replica_port
        return f"postgres://postgres@127.0.0.1:{port}/{database or self.database}"

    def env(self) -> dict[str, str]:
        """Environment for a Dukaan process using this pair."""
        return {"DATABASE_URL": self.primary_dsn, "DATABASE_REPLICA_URLS": self.replica_dsn}

    def to_json(self) -> dict[str, Any]:
        return {
            "root": str(self._root()),
            "database": self.database,
            "primary_port": self.primary_port,
            "replica_port": self.replica_port,
            "bindir": str(self.bindir),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PgPair:
        pair = cls(data["root"], database=data["database"])
        pair.primary_port = int(data["primary_port"])
        pair.replica_port = int(data["replica_port"])
        if data.get("bindir"):
            pair.bindir = Path(data["bindir"])
        return pair

    def _root(self) -> Path:
        if self.root is None:
            raise PgPairError("the pair has not been started")
        return self.root

    # --- running server tools ------------------------------------------------------------------
    def _tool(self, name: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        if self.bindir is None:
            raise PgPairError("PostgreSQL server binaries not found (install postgresql or set PG_BINDIR)")
        command = [str(self.bindir / name), *args]
        if self._run_as:
            command = ["runuser", "-u", self._run_as, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if check and result.returncode != 0:
            raise PgPairError(
                f"{name} failed ({result.returncode}): {result.stderr.strip() or result.stdout}"
            )
        return result

    def _ensure_os_user(self) -> None:
        if not self._run_as:
            return
        try:
            pwd.getpwnam(self._run_as)
        except KeyError:
            subprocess.run(
                ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", self._run_as],
                check=True,
            )

    def _chown(self, path: Path) -> None:
        if self._run_as:
            entry = pwd.getpwnam(self._run_as)
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def _pg_ctl_start(self, data_dir: Path, log_name: str) -> None:
        self._tool(
            "pg_ctl", "-D", str(data_dir), "-l", str(self._root() / log_name), "-w", "-t", "60", "start"
        )

    # --- lifecycle -----------------------------------------------------------------------------
    def start(self) -> PgPair:
        self._ensure_os_user()
        if self.root is None:
            self.root = Path(tempfile.mkdtemp(prefix="dukaan-pgpair-", dir="/tmp"))
        self.root.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o755)
        self._chown(self.root)
        try:
            self._start_primary()
            self._start_replica()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_primary(self) -> None:
        self._tool(
            "initdb", "-D", str(self.primary_dir), "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        for attempt in range(5):
            self.primary_port = free_port()
            conf = _PRIMARY_CONF.format(port=self.primary_port, socket_dir=self._root())
            self._append(self.primary_dir / "postgresql.auto.conf", conf, replace=attempt > 0)
            hba = (
                "local all all trust\nlocal replication all trust\n"
                "host all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust\n"
            )
            (self.primary_dir / "pg_hba.conf").write_text(hba)
            try:
                self._pg_ctl_start(self.primary_dir, "primary.log")
                break
            except PgPairError:
                if attempt == 4:
                    raise  # the port was taken between our probe and the server's bind, five times
        self.execute("primary", f'CREATE DATABASE "{self.database}"', database="postgres")

    def _start_replica(self) -> None:
        self._tool(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary_port), "-U", "postgres",
            "-D", str(self.replica_dir), "-R", "-X", "stream", "-c", "fast", "-C", "-S", SLOT_NAME,
        )  # fmt: skip
        self.replica_port = free_port()
        # The base backup copied the primary's settings; a later `port` line wins.
        self._append(self.replica_dir / "postgresql.auto.conf", f"port = {self.replica_port}\n")
        self._pg_ctl_start(self.replica_dir, "replica.log")
        self.wait_streaming()

    def _append(self, path: Path, text: str, *, replace: bool = False) -> None:
        marker = "# --- added by deploy/postgres/pg_pair.py"
        current = path.read_text() if path.exists() else ""
        if replace and marker in current:
            current = current[: current.index(marker)]
        path.write_text(current + text)
        self._chown(path)

    def stop(self) -> None:
        """Stop both servers (immediately: the data is thrown away) and delete the folder."""
        if self.root is None or not self.root.exists():
            return
        for data_dir in (self.replica_dir, self.primary_dir):
            if (data_dir / "postmaster.pid").exists():
                self._tool("pg_ctl", "-D", str(data_dir), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    def stop_replica(self) -> None:
        self._tool("pg_ctl", "-D", str(self.replica_dir), "-m", "fast", "-w", "stop")

    def start_replica(self) -> None:
        self._pg_ctl_start(self.replica_dir, "replica.log")
        self.wait_streaming()

    def reset(self) -> None:
        """Back to a clean state for the next test: replica running, replay resumed and caught up."""
        if not self.replica_running():
            self.start_replica()
        if self.is_paused():
            self.resume()
        self.wait_for_replay()

    def replica_running(self) -> bool:
        return self._tool("pg_ctl", "-D", str(self.replica_dir), "status", check=False).returncode == 0

    def __enter__(self) -> PgPair:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- SQL helpers ---------------------------------------------------------------------------
    def connect(self, which: str, database: str | None = None):  # -> psycopg2 connection
        import psycopg2

        conn = psycopg2.connect(self.dsn(which, database), connect_timeout=5)
        conn.autocommit = True
        return conn

    def execute(
        self, which: str, sql: str, params: tuple = (), *, database: str | None = None
    ) -> list[tuple]:
        with contextlib.closing(self.connect(which, database)) as conn, conn.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def scalar(self, which: str, sql: str, params: tuple = (), *, database: str | None = None) -> Any:
        rows = self.execute(which, sql, params, database=database)
        return rows[0][0] if rows else None

    def wait_streaming(self, timeout: float = 30) -> None:
        self._wait(
            lambda: (
                self.scalar("primary", "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")
                >= 1
            ),
            timeout,
            "the replica never started streaming",
        )

    def primary_lsn(self) -> str:
        # The write position, not the insert one: right after a segment switch the insert position
        # points past a page header that a fully caught-up replica never reports as replayed.
        return self.scalar("primary", "SELECT pg_current_wal_lsn()::text")

    def replay_lsn(self) -> str | None:
        return self.scalar("replica", "SELECT pg_last_wal_replay_lsn()::text")

    def receive_lsn(self) -> str | None:
        return self.scalar("replica", "SELECT pg_last_wal_receive_lsn()::text")

    def pause(self) -> None:
        """Hold replay: new primary writes reach the replica (received) but are not applied."""
        self.execute("replica", "SELECT pg_wal_replay_pause()")
        self._wait(
            lambda: self.scalar("replica", "SELECT pg_get_wal_replay_pause_state()") == "paused",
            30,
            "replay never paused",
        )

    def resume(self) -> None:
        self.execute("replica", "SELECT pg_wal_replay_resume()")

    def is_paused(self) -> bool:
        return bool(self.scalar("replica", "SELECT pg_is_wal_replay_paused()"))

    def wait_for_replay(self, lsn: str | None = None, timeout: float = 30) -> None:
        """Wait until the replica has replayed (applied, not merely received) `lsn` (default: now)."""
        target = lsn_to_int(lsn or self.primary_lsn())
        self._wait(
            lambda: (lsn_to_int(self.replay_lsn()) or 0) >= target, timeout, f"replay never reached {lsn}"
        )

    def wait_for_receive(self, lsn: str | None = None, timeout: float = 30) -> None:
        """Wait until the replica has received `lsn` (useful while replay is paused)."""
        target = lsn_to_int(lsn or self.primary_lsn())
        self._wait(
            lambda: (lsn_to_int(self.receive_lsn()) or 0) >= target, timeout, f"receive never reached {lsn}"
        )

    def replica_lag_seconds(self) -> float:
        """The lag the application measures: 0 when everything received is replayed."""
        value = self.scalar(
            "replica",
            "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
            " ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END",
        )
        return float(value) if value is not None else float("inf")

    @staticmethod
    def _wait(condition, timeout: float, message: str) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if condition():
                    return
            except Exception:  # a server still starting refuses connections: keep polling
                if time.monotonic() > deadline:
                    raise
            if time.monotonic() > deadline:
                raise PgPairError(message)
            time.sleep(0.05)


# --- command line ------------------------------------------------------------------------------
def _load(state_file: Path) -> PgPair:
    if not state_file.exists():
        sys.exit(f"no pair is running ({state_file} is missing); start one with `up`")
    return PgPair.from_json(json.loads(state_file.read_text()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "command", choices=["up", "down", "status", "pause", "resume", "stop-replica", "start-replica", "env"]
    )
    parser.add_argument("--state", type=Path, default=DEFAULT_STATE_FILE, help="where `up` records the pair")
    args = parser.parse_args(argv)
    state_file: Path = args.state

    if args.command == "up":
        if state_file.exists():
            sys.exit(f"a pair is already recorded in {state_file}; run `down` first")
        started = time.monotonic()
        pair = PgPair().start()
        state_file.parent.mkdir(parents=True, exist_ok=True)
        state_file.write_text(json.dumps(pair.to_json(), indent=2))
        print(f"primary + streaming replica up in {time.monotonic() - started:.1f}s ({pair.root})")
        for key, value in pair.env().items():
            print(f"export {key}={value}")
        print("then: .venv/bin/python manage.py migrate && .venv/bin/python manage.py runserver")
        return 0

    pair = _load(state_file)
    if args.command == "down":
        pair.stop()
        state_file.unlink()
        print("pair stopped and deleted")
    elif args.command == "env":
        for key, value in pair.env().items():
            print(f"export {key}={value}")
    elif args.command == "pause":
        pair.pause()
        print("replay paused on the replica: new writes are received but not applied")
    elif args.command == "resume":
        pair.resume()
        print("replay resumed")
    elif args.command == "stop-replica":
        pair.stop_replica()
        print("replica stopped (the app should fall back to the primary)")
    elif args.command == "start-replica":
        pair.start_replica()
        print("replica started and streaming")
    else:
        print(json.dumps(pair.to_json(), indent=2))
        print(f"replica running: {pair.replica_running()}")
        if pair.replica_running():
            print(f"replay paused: {pair.is_paused()}, lag: {pair.replica_lag_seconds():.2f}s")
            print(f"primary lsn {pair.primary_lsn()}, replica replay lsn {pair.replay_lsn()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
