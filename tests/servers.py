"""Real servers for tests: a free loopback port, polling, and Dukaan itself in a subprocess.

    from tests.servers import AppServer, GunicornServer, free_port, manage, migrate, wait_for

    app = AppServer(env, log_path=tmp_path / "app.log")      # runserver on a free port
    app.migrate()                                             # the database first
    with app:                                                 # started, answering /healthz
        urllib.request.urlopen(app.url + "/healthz")
    print(app.log_text())                                     # stopped; its output stays

The server is this checkout's `manage.py runserver --noreload` (or gunicorn: GunicornServer, same
interface) with exactly the environment the caller gives: build it from os.environ minus what must
not leak (a shared DATABASE_URL, REDIS_URL, S3...). Its stdout and stderr go to `log_path`, which
is where the console SMS backend writes login codes. `stop()` sends SIGTERM, then SIGKILL after a
timeout; the context manager and a failed start both stop it, so no test leaves a server behind.

The live deployment tests (tests/deploy/) start gunicorn and nginx through deploy/local_stack.py,
exactly as production does, and so do not use this module.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

import pytest

ROOT = Path(__file__).resolve().parents[1]
LOG_TAIL = 3000  # characters of a server's log shown when it fails to start


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (bind port 0, then release it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(
    predicate: Callable[[], object],
    timeout: float,
    message: str | Callable[[], str] = "condition never became true",
    interval: float = 0.05,
) -> float:
    """Poll `predicate` until it returns something truthy; returns the seconds that took.

    Fails the test (pytest.fail) after `timeout` seconds with `message` (a callable is asked only
    then, e.g. for the tail of a log). An exception raised by `predicate` ends the wait at once.
    """
    started = time.monotonic()
    while True:
        if predicate():
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            text = message() if callable(message) else message
            pytest.fail(f"{text} (waited {timeout}s)")
        time.sleep(interval)


def stop_process(process: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM, then SIGKILL if `process` has not exited within `timeout` seconds; reaps it."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def manage(env: Mapping[str, str], *args: str, timeout: float = 180) -> str:
    """Run `manage.py <args>` of this checkout with `env`; returns its stdout, fails on a non-zero exit."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, (
        f"manage.py {' '.join(args)} failed:\n{result.stdout[-LOG_TAIL:]}\n{result.stderr[-LOG_TAIL:]}"
    )
    return result.stdout


def migrate(env: Mapping[str, str]) -> None:
    """Bring the database that `env` points at (DATABASE_URL or DUKAAN_DATA_DIR's SQLite) up to date."""
    manage(env, "migrate", "--noinput", "-v", "0")


class AppServer:
    """`manage.py runserver --noreload` on 127.0.0.1:`port` (a free one by default), in a subprocess.

    `threaded=False` adds --nothreading (one request at a time); `skip_checks=True` adds
    --skip-checks (faster start for servers started many times). Nothing runs until `start()`
    (or `with`); `migrate()` and `manage()` use the same environment.
    """

    def __init__(
        self,
        env: Mapping[str, str],
        *,
        log_path: Path,
        port: int | None = None,
        threaded: bool = True,
        skip_checks: bool = False,
        start_timeout: float = 60,
    ) -> None:
        self.env = dict(env)
        self.log_path = Path(log_path)
        self.port = port if port is not None else free_port()
        self.threaded = threaded
        self.skip_checks = skip_checks
        self.start_timeout = start_timeout
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The server's base URL, without a trailing slash."""
        return f"http://127.0.0.1:{self.port}"

    def manage(self, *args: str, timeout: float = 180) -> str:
        """A management command against the server's database; returns its output."""
        return manage(self.env, *args, timeout=timeout)

    def migrate(self) -> None:
        migrate(self.env)

    def command(self) -> list[str]:
        argv = [sys.executable, "manage.py", "runserver", "--noreload"]
        if not self.threaded:
            argv.append("--nothreading")
        if self.skip_checks:
            argv.append("--skip-checks")
        return [*argv, f"127.0.0.1:{self.port}"]

    def start(self, *, wait: bool = True) -> Self:
        """Start the server (its log file is truncated); by default wait until it answers /healthz."""
        assert self.process is None, "this server was started already"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(
                self.command(), cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        if wait:
            self.wait_until_up()
        return self

    def is_up(self) -> bool:
        """True once GET /healthz answers 200; raises if the process has exited."""
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(
                f"app server exited with code {self.process.returncode}:\n{self.log_text()[-LOG_TAIL:]}"
            )
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                return response.status == 200
        except OSError:  # refused, reset, timed out, or an HTTP error status
            return False

    def wait_until_up(self, timeout: float | None = None) -> None:
        """Wait until the server answers /healthz; one that never does (or exits) is stopped."""
        timeout = self.start_timeout if timeout is None else timeout
        try:
            wait_for(
                self.is_up,
                timeout,
                lambda: f"app server never answered {self.url}/healthz:\n{self.log_text()[-LOG_TAIL:]}",
                interval=0.1,
            )
        except BaseException:
            self.stop()  # no test leaves a half-started server behind
            raise

    def stop(self, timeout: float = 10) -> None:
        """SIGTERM, then SIGKILL if the server has not exited within `timeout` seconds."""
        if self.process is not None:
            stop_process(self.process, timeout)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def __enter__(self) -> Self:
        if self.process is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


class GunicornServer(AppServer):
    """The same app served by gunicorn (dukaan.wsgi) instead of runserver, with no config file.

    `workers` sync processes with `threads` each; `extra_args` go to gunicorn as they are. For
    production's own layout (deploy/gunicorn.conf.py behind nginx) see deploy/local_stack.py.
    """

    def __init__(
        self,
        env: Mapping[str, str],
        *,
        log_path: Path,
        port: int | None = None,
        workers: int = 1,
        threads: int = 1,
        extra_args: Sequence[str] = (),
        start_timeout: float = 60,
    ) -> None:
        super().__init__(env, log_path=log_path, port=port, start_timeout=start_timeout)
        self.workers = workers
        self.threads = threads
        self.extra_args = list(extra_args)

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "dukaan.wsgi:application",
            "--config",
            os.devnull,
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
            "--access-logfile",
            "-",
            *self.extra_args,
        ]
