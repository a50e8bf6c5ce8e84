#!/usr/bin/env python3
"""Dukaan's production layout on one machine, without Docker: nginx + N gunicorns + the invalidator.

    .venv/bin/python deploy/local_stack.py            # http://localhost:8080/ until Ctrl-C
    .venv/bin/python deploy/local_stack.py --port 9000 --apps 3 --data-dir /tmp/dukaan-stack

Everything listens on 127.0.0.1 and lives in --data-dir (SQLite database, collected static files,
the nginx prefix with its logs, one log per process). DATABASE_URL / REDIS_URL from the
environment are passed through, so the same stack runs on PostgreSQL and Redis. Processes start
through deploy/entrypoint.sh, exactly like the containers; the live tests (tests/deploy/) import
this module and drive the same functions.

While it runs: `kill -TERM <pid>` one app server (printed at start) and keep browsing; `touch
<data-dir>/nginx/maintenance.on` turns on the maintenance page, `rm` turns it off.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import importlib.util
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"


def _load_render() -> ModuleType:
    """deploy/nginx/render.py is a script in a plain folder; load it by path."""
    spec = importlib.util.spec_from_file_location(
        "dukaan_nginx_render", ROOT / "deploy" / "nginx" / "render.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


nginx_render = _load_render()


def find_nginx() -> str | None:
    return shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(
    port: int, path: str = "/healthz", timeout: float = 30.0, proc: subprocess.Popen | None = None
) -> None:
    """Wait until 127.0.0.1:port answers `path` with a 200 (fail early if `proc` died)."""
    deadline = time.monotonic() + timeout
    last_error: object = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before answering on port {port}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path, headers={"Host": "localhost"})
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return
            last_error = f"status {status}"
        except OSError as exc:
            last_error = exc
        time.sleep(0.1)
    raise TimeoutError(f"127.0.0.1:{port}{path} not ready after {timeout}s: {last_error}")


def base_env(data_dir: Path, static_root: Path, **extra: str) -> dict[str, str]:
    """Production-mode settings for processes on loopback (plain HTTP, so no SSL redirect)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    key_file = data_dir / "secret-key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
    webhook_secret_file = data_dir / "webhook-secret"
    if not webhook_secret_file.exists():
        webhook_secret_file.write_text(secrets.token_urlsafe(32))
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)  # the production settings, whatever the caller runs on
    env.update(
        {
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
            "PYTHON": sys.executable,
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": env.get("DJANGO_SECRET_KEY") or key_file.read_text().strip(),
            "DUKAAN_PAYMENT_WEBHOOK_SECRET": env.get("DUKAAN_PAYMENT_WEBHOOK_SECRET")
            or webhook_secret_file.read_text().strip(),
            "DJANGO_ALLOWED_HOSTS": env.get("DJANGO_ALLOWED_HOSTS") or "127.0.0.1,localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DUKAAN_DATA_DIR": str(data_dir),
            "DJANGO_STATIC_ROOT": str(static_root),
            "DUKAAN_TRUSTED_PROXY_IPS": "127.0.0.1,::1",
            # Several servers share this machine's cores with nginx: one worker of two threads each
            # (deploy/gunicorn.conf.py explains; BENCHMARKS.md, "App path per request", measures).
            "GUNICORN_WORKERS": env.get("GUNICORN_WORKERS") or "1",
            "GUNICORN_THREADS": env.get("GUNICORN_THREADS") or "2",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=check, capture_output=True, text=True
    )


def has_command(env: dict[str, str], name: str) -> bool:
    result = manage(env, "help", "--commands", check=False)
    return result.returncode == 0 and name in result.stdout.split()


def prepare(env: dict[str, str], seed: bool = True) -> None:
    """Migrate (through the entrypoint's migrate role), collect static, seed the demo store."""
    subprocess.run([str(ENTRYPOINT), "migrate"], cwd=ROOT, env=env, check=True, capture_output=True)
    manage(env, "collectstatic", "--noinput")
    if seed and has_command(env, "seed_demo"):
        manage(env, "seed_demo", check=False)


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen
    log: Path
    port: int | None = None

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def signal_group(self, sig: int) -> None:
        """Signal the whole process group (a gunicorn master and its workers)."""
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, sig)

    def stop(self, timeout: float = 35.0) -> None:
        if self.alive():
            self.signal_group(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.signal_group(signal.SIGKILL)
                self.popen.wait(5)
        # Stray workers of a master that was killed outright.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def start_process(
    name: str, argv: list[str], env: dict[str, str], log_dir: Path, port: int | None = None
) -> Proc:
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{name}.log"
    handle = log.open("ab")
    popen = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )
    handle.close()
    return Proc(name=name, popen=popen, log=log, port=port)


def start_app(
    name: str, env: dict[str, str], log_dir: Path, port: int | None = None, config: Path | None = None
) -> Proc:
    """One gunicorn app server on 127.0.0.1:port, started like the container's `web` role."""
    port = port or free_port()
    app_env = dict(env, GUNICORN_BIND=f"127.0.0.1:{port}", DUKAAN_SERVER_NAME=name)
    if config is not None:
        app_env["GUNICORN_CONFIG"] = str(config)
    proc = start_process(name, [str(ENTRYPOINT), "web"], app_env, log_dir, port=port)
    try:
        wait_http(port, proc=proc.popen)
    except Exception:
        proc.stop()
        raise RuntimeError(f"{name} did not start:\n{proc.log_text()[-3000:]}") from None
    return proc


def start_invalidator(env: dict[str, str], log_dir: Path) -> Proc | None:
    if not has_command(env, "run_cache_invalidator"):
        return None
    return start_process("invalidator", [str(ENTRYPOINT), "invalidator"], env, log_dir)


@dataclass
class Nginx:
    prefix: Path
    port: int
    nginx_bin: str
    popen: subprocess.Popen | None = None
    options: dict = field(default_factory=dict)

    @property
    def conf(self) -> Path:
        return self.prefix / "nginx.conf"

    @property
    def maintenance_file(self) -> Path:
        return self.prefix / "maintenance.on"

    def _cmd(self, *extra: str) -> list[str]:
        return [
            self.nginx_bin,
            "-p",
            str(self.prefix),
            "-c",
            str(self.conf),
            "-e",
            str(self.prefix / "error.log"),
            *extra,
        ]

    def render(self, upstreams: list[str], **options: object) -> None:
        self.options = {"upstreams": upstreams, **options}
        nginx_render.write_loopback(self.prefix, listen=f"127.0.0.1:{self.port}", **self.options)
        subprocess.run(self._cmd("-t", "-q"), check=True, capture_output=True)

    def start(self) -> None:
        # Foreground nginx (daemon off) as our own child: the test or the stack owns its life.
        self.popen = subprocess.Popen(
            self._cmd("-g", "daemon off;"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.popen is not None and self.popen.poll() is not None:
                raise RuntimeError(f"nginx exited: {(self.prefix / 'error.log').read_text()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise TimeoutError("nginx did not open its port")

    def reload(self, upstreams: list[str], **options: object) -> None:
        self.render(upstreams, **options)
        subprocess.run(self._cmd("-s", "reload"), check=True, capture_output=True)

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            subprocess.run(self._cmd("-s", "quit"), capture_output=True)
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)

    def maintenance(self, on: bool) -> None:
        if on:
            self.maintenance_file.touch()
        else:
            self.maintenance_file.unlink(missing_ok=True)


def start_nginx(prefix: Path, upstreams: list[str], port: int | None = None, **options: object) -> Nginx:
    """nginx from the production template on 127.0.0.1 (options: deploy/nginx/render.py NginxOptions)."""
    nginx_bin = find_nginx()
    if nginx_bin is None:
        raise RuntimeError("nginx is not installed (Debian: apt-get install nginx)")
    nginx = Nginx(prefix=prefix, port=port or free_port(), nginx_bin=nginx_bin)
    nginx.render(upstreams, **options)
    nginx.start()
    return nginx


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=8080, help="nginx port on 127.0.0.1 (default 8080)")
    parser.add_argument("--apps", type=int, default=2, help="number of gunicorn app servers (default 2)")
    parser.add_argument("--data-dir", default=str(ROOT / "var" / "local-stack"))
    parser.add_argument("--no-seed", action="store_true", help="do not run seed_demo")
    parser.add_argument(
        "--debug",
        action="store_true",
        help="DJANGO_DEBUG=1: login codes are printed to the app logs (no SMS provider needed)",
    )
    args = parser.parse_args(argv)

    data_dir = Path(args.data_dir).resolve()
    static_root = data_dir / "static"
    media_root = data_dir / "media"
    env = base_env(data_dir, static_root, DJANGO_MEDIA_ROOT=str(media_root))
    if args.debug:
        env["DJANGO_DEBUG"] = "1"
    logs = data_dir / "logs"
    print(f"==> preparing {data_dir} (migrate, collectstatic, seed_demo)", flush=True)
    prepare(env, seed=not args.no_seed)
    if not env.get("REDIS_URL"):
        print(
            "    note: no REDIS_URL, so each app server caches in its own memory;"
            " export REDIS_URL for a shared cache"
        )

    procs: list[Proc] = []
    nginx: Nginx | None = None

    def _interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # `kill`, a closed terminal or `timeout`: stop the whole stack too

    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    try:
        for index in range(1, args.apps + 1):
            procs.append(start_app(f"app{index}", env, logs))
        invalidator = start_invalidator(env, logs)
        if invalidator is not None:
            procs.append(invalidator)
        media = "" if env.get("AWS_STORAGE_BUCKET_NAME") else str(media_root)
        nginx = start_nginx(
            data_dir / "nginx",
            [f"127.0.0.1:{p.port}" for p in procs if p.port],
            port=args.port,
            static_root=str(static_root),
            media_root=media,
        )
        print(f"==> Dukaan through nginx: http://localhost:{args.port}/  (demo store: /demo-kirana/)")
        for proc in procs:
            where = f" on 127.0.0.1:{proc.port}" if proc.port else ""
            print(f"    {proc.name:<12} pid {proc.pid}{where}   log {proc.log}")
        print(f"    nginx        prefix {nginx.prefix}   access log {nginx.prefix / 'access.log'}")
        print(f"    stop one app server:  kill -TERM {procs[0].pid}   (and keep browsing)")
        print(f"    maintenance page:     touch {nginx.maintenance_file}   (rm it to reopen)")
        print("    Ctrl-C stops everything.", flush=True)
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        print("\n==> stopping")
    finally:
        # A second signal (a `timeout` wrapper forwarding TERM, a double Ctrl-C) must not cut the
        # clean-up short and leave nginx or an app server running.
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        if nginx is not None:
            nginx.stop()
        for proc in procs:
            proc.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
