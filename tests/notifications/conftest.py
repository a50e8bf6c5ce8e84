"""Fixtures for notifications: a loopback provider that records every request, and a real worker.

provider.fail_next(3, status=500)      # the next 3 requests answer 500
provider.delay = 2.0                   # every answer waits 2 s (a slow provider)
provider.wait_for_keys(5, timeout=30)  # distinct idempotency keys received
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

from tests.conftest import require
from tests.servers import ROOT, AppServer, wait_for

TOKEN = "notify-test-token"


class Provider:
    """A WhatsApp/SMS provider on 127.0.0.1: records each POST, answers as told."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.lock = threading.Lock()
        self.failures: list[int] = []
        self.delay = 0.0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length))
                with outer.lock:
                    status = outer.failures.pop(0) if outer.failures else 200
                    outer.received.append(
                        {
                            "at": time.time(),
                            "path": self.path,
                            "auth": self.headers.get("Authorization"),
                            "idempotency_header": self.headers.get("Idempotency-Key"),
                            "type": self.headers.get("Content-Type"),
                            "body": body,
                            "status": status,
                        }
                    )
                if outer.delay:
                    time.sleep(outer.delay)
                payload = json.dumps({"id": f"msg-{len(outer.received)}", "status": status}).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:  # the client gave up (timeout)
                    pass

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/messages"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> Provider:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def fail_next(self, count: int, status: int = 500) -> None:
        with self.lock:
            self.failures.extend([status] * count)

    def bodies(self, event: str | None = None, accepted_only: bool = False) -> list[dict]:
        with self.lock:
            calls = list(self.received)
        return [
            c["body"]
            for c in calls
            if (event is None or c["body"]["event"] == event) and (not accepted_only or c["status"] < 300)
        ]

    def keys(self, event: str | None = None) -> set[str]:
        return {b["idempotency_key"] for b in self.bodies(event, accepted_only=True)}

    def wait_for_keys(self, count: int, *, event: str | None = None, timeout: float = 30) -> None:
        wait_for(
            lambda: len(self.keys(event)) >= count,
            timeout,
            lambda: (
                f"provider got {len(self.keys(event))} of {count} {event or ''} notification(s): "
                f"{self.bodies()}"
            ),
            interval=0.05,
        )


@pytest.fixture
def provider() -> Iterator[Provider]:
    server = Provider().start()
    try:
        yield server
    finally:
        server.stop()


def broker_url() -> str:
    """A Redis database of its own for the test worker's broker (DUKAAN_TEST_BROKER_URL overrides):
    the one after REDIS_URL's, so the cache tests' database is never flushed by these."""
    explicit = os.environ.get("DUKAAN_TEST_BROKER_URL")
    if explicit:
        return explicit
    cache = os.environ.get("REDIS_URL", "")
    require(cache.startswith("redis://"), "needs Redis: set REDIS_URL=redis://...")
    parts = urlsplit(cache)
    db = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(db + 1) % 16}"))


def database_url() -> str:
    """The URL of the test database this session created (the worker must see the test's rows)."""
    s = connection.settings_dict
    require(connection.vendor == "postgresql", "needs PostgreSQL: set DATABASE_URL=postgres://...")
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def service_env(tmp_path: Path, provider: Provider, **extra: str) -> dict[str, str]:
    """The environment of a worker or app server of these tests: production-like, fast clocks."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_", "REDIS_", "AWS_", "PYTEST", "DUKAAN_", "DJANGO_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="dukaan.settings",
        DJANGO_DEBUG="1",
        DUKAAN_DATA_DIR=str(tmp_path),
        DJANGO_SECRET_KEY="notifications-test-secret-key",
        DUKAAN_PAYMENT_WEBHOOK_SECRET="dev-webhook-secret",
        DATABASE_URL=database_url(),
        DJANGO_CONN_MAX_AGE="0",
        DUKAAN_BROKER_URL=broker_url(),
        DUKAAN_NOTIFY_DELIVERY="worker",
        DUKAAN_NOTIFY_BACKEND="http",
        DUKAAN_NOTIFY_HTTP_URL=provider.url,
        DUKAAN_NOTIFY_HTTP_TOKEN=TOKEN,
        DUKAAN_NOTIFY_HTTP_TIMEOUT_SECONDS="1",
        DUKAAN_NOTIFY_RETRY_SECONDS="0.2",
        DUKAAN_NOTIFY_RETRY_MAX_SECONDS="1",
        DUKAAN_NOTIFY_MAX_ATTEMPTS="5",
        DUKAAN_NOTIFY_SWEEP_SECONDS="1",
        DUKAAN_NOTIFY_LEASE_SECONDS="3",
        DUKAAN_UNPAID_SWEEP_SECONDS="1",
        DUKAAN_PUBLIC_URL="https://shop.example.test",
        DUKAAN_LOG_FORMAT="plain",
        DUKAAN_BEAT_SCHEDULE_FILE=str(tmp_path / "celerybeat-schedule"),
        DUKAAN_WORKER_CONCURRENCY="4",
        PYTHON=sys.executable,
    )
    env.update(extra)
    return env


class Worker:
    """`deploy/entrypoint.sh worker` (Celery worker + beat) in its own process group."""

    def __init__(self, env: Mapping[str, str], log_path: Path) -> None:
        self.env = dict(env)
        self.log_path = log_path
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self, timeout: float = 60) -> Worker:
        self.starts += 1
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [str(ROOT / "deploy" / "entrypoint.sh"), "worker"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its beat child too: signals go to the whole group
            )

        def ready() -> bool:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited {self.process.returncode}:\n{self.log()[-3000:]}")
            return " ready." in self.log()[offset:]

        wait_for(ready, timeout, lambda: f"worker never became ready:\n{self.log()[-3000:]}", interval=0.1)
        return self

    def kill(self) -> None:
        """SIGKILL to the worker and its scheduler at once, as when a container is killed."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@pytest.fixture
def flush_broker():
    """Empty the test broker's Redis database (only that one) before and after a test."""
    import redis

    client = redis.Redis.from_url(broker_url())
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture
def worker(tmp_path, provider, transactional_db, flush_broker) -> Iterator[Worker]:
    running = Worker(service_env(tmp_path, provider), tmp_path / "worker.log")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def app_server(tmp_path, provider, transactional_db) -> Iterator[AppServer]:
    server = AppServer(service_env(tmp_path, provider), log_path=tmp_path / "app.log", skip_checks=True)
    with server:
        yield server
