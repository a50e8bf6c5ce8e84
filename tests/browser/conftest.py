"""Browser fixtures: a real Dukaan server in a subprocess and headless Chromium on a phone-sized page.

Reusable by any browser test under tests/browser/:
- `dukaan_server`: session-scoped; a tests.servers.AppServer (`runserver --nothreading`) on a free
  port against a fresh SQLite file and media folder in a temp dir (DJANGO_DEBUG=1, demo store
  seeded). Its log goes to `dukaan_server.log_path`; `dukaan_server.wait_for_otp(phone)` reads the
  code that the console SMS backend writes there.
- `browser` (from tests/conftest.py): session-scoped headless Chromium through Playwright.
- `phone_page`: a fresh 390x844 touch context and page per test (base_url = the server).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import AppServer, free_port

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


class DukaanServer(AppServer):
    """The app server plus what the browser tests read from its log and its data folder."""

    def __init__(self, env: dict[str, str], *, data_dir: Path, port: int) -> None:
        super().__init__(
            env,
            log_path=data_dir / "server.log",
            port=port,
            threaded=False,
            start_timeout=SERVER_START_SECONDS,
        )
        self.data_dir = data_dir

    @property
    def base_url(self) -> str:
        return self.url

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


@pytest.fixture(scope="session")
def dukaan_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DukaanServer]:
    data_dir = tmp_path_factory.mktemp("dukaan-server")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in _SHARED_SERVICE_VARS}
    env.update(
        {
            "DJANGO_DEBUG": "1",
            "DUKAAN_DATA_DIR": str(data_dir),
            "DJANGO_MEDIA_ROOT": str(data_dir / "media"),
            "DUKAAN_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "DUKAAN_LOG_FORMAT": "plain",
            "PYTHONUNBUFFERED": "1",
        }
    )
    server = DukaanServer(env, data_dir=data_dir, port=port)
    server.migrate()
    server.manage("seed_demo")
    with server:
        yield server


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
