"""Clients for the live deployment tests: one request, or a stream of them from several threads."""

from __future__ import annotations

import http.client
import importlib.util
import json
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


stack = _load("dukaan_local_stack", ROOT / "deploy" / "local_stack.py")
render = stack.nginx_render


@dataclass
class Reply:
    status: int | None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: str = ""
    started: float = 0.0
    ended: float = 0.0

    @property
    def served_by(self) -> str:
        return self.headers.get("x-served-by", "")

    @property
    def upstreams(self) -> list[str]:
        """Every app server nginx tried, in order; the last one answered."""
        raw = self.headers.get("x-upstream", "")
        return [part.strip() for part in raw.split(",") if part.strip()]


def call(
    port: int, path: str = "/healthz", method: str = "GET", body: bytes | None = None, headers=None
) -> Reply:
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        conn.request(method, path, body=body, headers={"Host": "localhost", **(headers or {})})
        response = conn.getresponse()
        payload = response.read()
        return Reply(
            status=response.status,
            headers={k.lower(): v for k, v in response.getheaders()},
            body=payload,
            started=started,
            ended=time.monotonic(),
        )
    except (OSError, http.client.HTTPException) as exc:
        return Reply(status=None, error=repr(exc), started=started, ended=time.monotonic())
    finally:
        conn.close()


class Stream:
    """Client threads sending requests through nginx until stopped (bounded by count and time)."""

    def __init__(self, port: int, path: str = "/healthz", threads: int = 6, limit: int = 20000) -> None:
        self.port, self.path, self.limit = port, path, limit
        self.replies: list[Reply] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def _run(self) -> None:
        while not self._stop.is_set():
            reply = call(self.port, self.path)
            with self._lock:
                self.replies.append(reply)
                if len(self.replies) >= self.limit:
                    self._stop.set()

    def __enter__(self) -> Stream:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def count(self) -> int:
        with self._lock:
            return len(self.replies)

    def wait_for(self, count: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while self.count() < count and time.monotonic() < deadline and not self._stop.is_set():
            time.sleep(0.01)
        assert self.count() >= count, f"only {self.count()} of {count} requests completed in {timeout}s"

    def stop(self) -> list[Reply]:
        self._stop.set()
        for thread in self._threads:
            thread.join(20)
        return list(self.replies)


def json_lines(text: str) -> list[dict]:
    records = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                records.append(json.loads(line))
            except ValueError:
                continue
    return records
