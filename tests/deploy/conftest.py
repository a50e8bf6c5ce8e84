"""Live deployment fixtures: real nginx (Debian's package) in front of real gunicorn app servers.

The servers start exactly as in production, through deploy/entrypoint.sh and
deploy/gunicorn.conf.py, driven by deploy/local_stack.py (the script operators use). They run in
production mode (DJANGO_DEBUG=0) on a SQLite file in a temp folder, migrated once per session,
with static files collected into a temp STATIC_ROOT that nginx serves.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import require
from tests.deploy.live import stack

ROOT = Path(__file__).resolve().parents[2]
SLOW_CONFIG = Path(__file__).resolve().parent / "gunicorn_slow.conf.py"


# The live servers get their own SQLite database and in-process cache: nothing from the
# suite's own DATABASE_URL/REDIS_URL/S3 settings leaks into them.
_ISOLATE = (
    "DATABASE_URL",
    "DATABASE_REPLICA_URLS",
    "REDIS_URL",
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_S3_ENDPOINT_URL",
    "DUKAAN_CDN_DOMAIN",
    "DJANGO_SETTINGS_MODULE",
)


@pytest.fixture(scope="session")
def live_env(tmp_path_factory) -> dict[str, str]:
    require(stack.find_nginx() is not None, "nginx is not installed (apt-get install nginx)")
    data_dir = tmp_path_factory.mktemp("live-app")
    env = stack.base_env(data_dir, data_dir / "static", GUNICORN_WORKERS="1", GUNICORN_THREADS="8")
    for name in _ISOLATE:
        env.pop(name, None)
    env["DJANGO_MEDIA_ROOT"] = str(data_dir / "media")
    # Production mode has no console SMS backend; point the HTTP one at a closed port, never outside.
    env["DUKAAN_SMS_HTTP_URL"] = "http://127.0.0.1:9/sms"
    stack.prepare(env, seed=False)
    return env


@pytest.fixture
def start_app(live_env, tmp_path):
    started = []

    def start(name: str, slow_seconds: float | None = None, **extra_env: str):
        env = dict(live_env, **extra_env)
        config = None
        if slow_seconds is not None:
            env["DUKAAN_TEST_SLOW_SECONDS"] = str(slow_seconds)
            config = SLOW_CONFIG
        proc = stack.start_app(name, env, tmp_path / "logs", config=config)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.stop(timeout=10)


@pytest.fixture(scope="session")
def shared_pair(live_env, tmp_path_factory):
    """Two app servers for the tests that do not stop, slow down or kill one."""
    logs = tmp_path_factory.mktemp("shared-logs")
    apps = [stack.start_app(name, live_env, logs) for name in ("app1", "app2")]
    yield apps
    for proc in apps:
        proc.stop(timeout=10)


@pytest.fixture
def start_nginx(live_env, tmp_path):
    started = []

    def start(apps, **options):
        options.setdefault("static_root", live_env["DJANGO_STATIC_ROOT"])
        prefix = tmp_path / f"nginx{len(started)}"
        nginx = stack.start_nginx(prefix, [f"127.0.0.1:{app.port}" for app in apps], **options)
        started.append(nginx)
        return nginx

    yield start
    for nginx in started:
        nginx.stop()
