"""Fixtures for the catalogue cache and its invalidator: a clean cache, raw Redis, invalidator processes."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection

from catalogue import cache as catalogue_cache
from tests.servers import ROOT, free_port, stop_process, wait_for


@pytest.fixture(autouse=True)
def clean_catalogue_cache() -> Iterator[None]:
    """Every test starts with an empty cache (Redis db of this engineer only) and zeroed counters."""
    caches["default"].clear()
    catalogue_cache.stats.reset()
    catalogue_cache._cache_down_until = 0.0
    yield
    catalogue_cache._cache_down_until = 0.0


@pytest.fixture
def trust_invalidator(settings) -> None:
    """Production mode with Redis: hits are not validated against the change log (0 SQL)."""
    settings.CATALOGUE_CACHE_VALIDATE_HITS = False


@pytest.fixture
def validate_hits(settings) -> None:
    settings.CATALOGUE_CACHE_VALIDATE_HITS = True


@pytest.fixture
def raw_redis():
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    yield client
    client.close()


def wait_until(
    condition: Callable[[], object], timeout: float, message: str, interval: float = 0.005
) -> float:
    """tests.servers.wait_for polling every 5 ms by default: invalidation deadlines are under a second."""
    return wait_for(condition, timeout, message, interval=interval)


def database_url() -> str:
    """The URL of the database the test is using (pytest-django's test_<name> database)."""
    conf = connection.settings_dict
    user = conf.get("USER") or "postgres"
    password = f":{conf['PASSWORD']}" if conf.get("PASSWORD") else ""
    host = conf.get("HOST") or "127.0.0.1"
    port = conf.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{conf['NAME']}"


class InvalidatorProcess:
    """`manage.py run_cache_invalidator` in a subprocess; its log lines are collected."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.proc: subprocess.Popen[str] | None = None
        self.lines: list[str] = []
        self._reader: threading.Thread | None = None

    def start(self, *, wait: bool = True) -> InvalidatorProcess:
        self.lines = []
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "run_cache_invalidator"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, args=(self.proc,), daemon=True)
        self._reader.start()
        if wait:
            self.wait_for_line("invalidator listening", timeout=30)
        return self

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.lines.append(line.rstrip())

    def wait_for_line(self, text: str, timeout: float = 10) -> None:
        def seen() -> bool:
            if (
                self.proc is not None
                and self.proc.poll() is not None
                and not any(text in x for x in self.lines)
            ):
                pytest.fail("invalidator exited early:\n" + "\n".join(self.lines[-30:]))
            return any(text in line for line in self.lines)

        wait_until(seen, timeout, f"invalidator never logged {text!r}:\n" + "\n".join(self.lines[-30:]))

    def terminate(self, timeout: float = 15) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout)
        if self._reader:
            self._reader.join(5)
        return code

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def invalidator_env(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "PYTEST", "DJANGO_SETTINGS"))
    }
    env.update(
        DJANGO_DEBUG="1",
        DUKAAN_LOG_FORMAT="plain",
        DJANGO_CONN_MAX_AGE="0",
        REDIS_URL=settings.REDIS_URL,
        DUKAAN_CACHE_PREFIX=settings.CACHE_KEY_PREFIX,
        # Short confirm window so tests see the position advance quickly.
        DUKAAN_CATALOGUE_BUILD_MAX_SECONDS="1",
        DUKAAN_INVALIDATOR_POLL_SECONDS="0.2",
    )
    env.update(extra)
    return env


@pytest.fixture
def invalidator_factory() -> Iterator[Callable[..., InvalidatorProcess]]:
    """Start invalidators against this test's database; they are stopped (SIGTERM) at the end."""
    started: list[InvalidatorProcess] = []

    def make(**extra_env: str) -> InvalidatorProcess:
        env = invalidator_env(DATABASE_URL=database_url(), **extra_env)
        process = InvalidatorProcess(env)
        started.append(process)
        return process

    yield make
    for process in started:
        if process.proc is not None and process.proc.poll() is None:
            code = process.terminate()
            assert code == 0, "invalidator did not exit cleanly on SIGTERM:\n" + "\n".join(
                process.lines[-20:]
            )


class ThrowawayRedis:
    """A redis-server of our own on a free port: it may be stopped, unlike the machine's."""

    def __init__(self) -> None:
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed"
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)

        def up() -> bool:
            try:
                return bool(client.ping())
            except redis.RedisError:
                return False

        wait_until(up, 10, "throwaway redis-server never answered", interval=0.05)
        client.close()

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
        self.proc = None


@pytest.fixture
def throwaway_redis() -> Iterator[ThrowawayRedis]:
    server = ThrowawayRedis()
    server.start()
    yield server
    server.stop()
