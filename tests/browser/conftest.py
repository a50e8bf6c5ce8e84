"""Browser fixtures: a real Dukaan server in a subprocess and headless Chromium on a phone-sized page.

Reusable by any browser test under tests/browser/:
- `dukaan_server`: session-scoped; `manage.py runserver --noreload` on a free loopback port against
  a fresh SQLite file and media folder in a temp dir (DJANGO_DEBUG=1, demo store seeded). Its log
  goes to `dukaan_server.log_path`; `dukaan_server.wait_for_otp(phone)` reads the code that the
  console SMS backend writes there.
- `browser`: session-scoped Chromium (/usr/bin/chromium) through Playwright's sync API.
- `phone_page`: a fresh 390x844 touch context and page per test (base_url = the server).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("DUKAAN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE_VIEWPORT = {"width": 390, "height": 844}
SERVER_START_SECONDS = 30
# Settings that would point the throwaway server at shared services instead of its own SQLite.
_SHARED_SERVICE_VARS = (
    "DATABASE_URL",
    "DATABASE_REPLICA_URLS",
    "REDIS_URL",
    "DUKAAN_CACHE_PREFIX",
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_S3_ENDPOINT_URL",
    "DUKAAN_CDN_DOMAIN",
    "DJANGO_ALLOWED_HOSTS",
    "DJANGO_SETTINGS_MODULE",
    "DUKAAN_TESTING",
)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class DukaanServer:
    base_url: str
    log_path: Path
    data_dir: Path
    env: dict[str, str]
    process: subprocess.Popen | None = field(default=None, repr=False)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_offset(self) -> int:
        return self.log_path.stat().st_size

    def wait_for_otp(self, phone_e164: str, *, after: int = 0, timeout: float = 10.0) -> str:
        """The newest 6-digit code logged for `phone_e164` after byte offset `after` of the log."""
        pattern = re.compile(re.escape(phone_e164) + r"\D.*?\b(\d{6})\b")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.log_path.open(errors="replace") as log:
                log.seek(after)
                codes = [m.group(1) for line in log if (m := pattern.search(line))]
            if codes:
                return codes[-1]
            time.sleep(0.1)
        raise AssertionError(f"no OTP for {phone_e164} in {self.log_path} within {timeout}s")

    def manage(self, *args: str) -> str:
        """Run a management command against the server's database; returns its output."""
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        return result.stdout


def _wait_until_up(server: DukaanServer) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.process is not None and server.process.poll() is not None:
            raise RuntimeError(f"Dukaan server exited early:\n{server.log_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{server.base_url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError(
        f"Dukaan server did not answer /healthz in {SERVER_START_SECONDS}s:\n{server.log_text()[-3000:]}"
    )


@pytest.fixture(scope="session")
def dukaan_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DukaanServer]:
    data_dir = tmp_path_factory.mktemp("dukaan-server")
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in _SHARED_SERVICE_VARS}
    env.update(
        {
            "DJANGO_DEBUG": "1",
            "DUKAAN_DATA_DIR": str(data_dir),
            "DJANGO_MEDIA_ROOT": str(data_dir / "media"),
            "DUKAAN_PUBLIC_URL": base_url,
            "DUKAAN_LOG_FORMAT": "plain",
            "PYTHONUNBUFFERED": "1",
        }
    )
    server = DukaanServer(base_url=base_url, log_path=data_dir / "server.log", data_dir=data_dir, env=env)
    server.manage("migrate", "--noinput", "-v", "0")
    server.manage("seed_demo")
    with server.log_path.open("wb") as log:
        server.process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", "--nothreading", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(server)
        yield server
    finally:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


@pytest.fixture(scope="session")
def browser():
    require(
        shutil.which(CHROMIUM) is not None or Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM}"
    )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def phone_page(browser, dukaan_server: DukaanServer):
    """A fresh phone-sized page (own cookies) whose relative URLs go to the test server."""
    context = browser.new_context(
        viewport=PHONE_VIEWPORT,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        base_url=dukaan_server.base_url,
        locale="en-IN",
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    try:
        yield page
    finally:
        context.close()
