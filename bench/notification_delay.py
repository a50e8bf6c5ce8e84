"""Measure the seller's wait: an order placed over HTTP -> its notification at the provider.

Usage (needs PostgreSQL and Redis; starts everything else itself):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
    DUKAAN_BROKER_URL=redis://127.0.0.1:6379/8 \\
        .venv/bin/python bench/notification_delay.py [--orders 100] [--interval-ms 50]

It creates a throwaway database (dropped at the end) on DATABASE_URL's server, migrates it and
seeds one store, then runs gunicorn (2 workers, production settings) and `deploy/entrypoint.sh
worker` (Celery worker + beat, threads) with the HTTP notification backend pointed at a loopback
provider in this process. Orders are placed one after another with `POST /api/v1/stores/<slug>/
orders/`; the clock runs to the provider receiving that order's `order.placed` notification,
from the POST being sent (an upper bound: it includes placing the order) and from its 201 answer
(which the provider may beat: the relay starts at the commit, before the answer is written).
The broker database is flushed (FLUSHDB, that database only) before and after. Prints the median,
95th percentile and worst.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]

SEED = """
from decimal import Decimal
from products.models import Product
from stores.models import Store, User
seller = User.objects.create_user("+919876500001")
store = Store.objects.create(
    owner=seller, name="Bench Kirana", slug="bench-kirana", whatsapp_number="+919811100000"
)
product = Product.objects.create(store=store, name="Masala Chai", price=Decimal("120.00"), stock=100000)
print("PRODUCT=%d" % product.id)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.05)


class Provider:
    def __init__(self) -> None:
        self.arrivals: dict[int, float] = {}
        self.requests = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                now = time.monotonic()
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests += 1
                if body["event"] == "order.placed":
                    outer.arrivals.setdefault(body["order"], now)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/messages"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=100)
    parser.add_argument("--interval-ms", type=float, default=50, help="pause between two orders")
    args = parser.parse_args()
    server_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    broker = os.environ.get("DUKAAN_BROKER_URL", "redis://127.0.0.1:6379/8")

    import psycopg2
    import redis

    name = f"dukaan_bench_notify_{os.getpid()}"
    parts = urlsplit(server_url)
    admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    redis.Redis.from_url(broker).flushdb()
    provider = Provider()
    tmp = Path(tempfile.mkdtemp(prefix="dukaan-bench-notify-"))
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "DUKAAN_", "DJANGO_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="dukaan.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="bench-secret-key-" + "x" * 40,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DUKAAN_PAYMENT_WEBHOOK_SECRET="bench-webhook-secret",  # noqa: S106 - a throwaway server
        DUKAAN_DATA_DIR=str(tmp),
        DATABASE_URL=urlunsplit(parts._replace(path=f"/{name}")),
        DUKAAN_BROKER_URL=broker,
        DUKAAN_NOTIFY_BACKEND="http",
        DUKAAN_NOTIFY_HTTP_URL=provider.url,
        DUKAAN_NOTIFY_HTTP_TOKEN="bench",  # noqa: S106 - the loopback provider's
        DUKAAN_BEAT_SCHEDULE_FILE=str(tmp / "beat-schedule"),
        DUKAAN_ORDER_LIMIT_PER_IP="0",
        DUKAAN_ORDER_LIMIT_PER_PHONE="0",
        DUKAAN_ORDER_LIMIT_PER_STORE="0",
        DJANGO_LOG_LEVEL="WARNING",
        PYTHON=sys.executable,
    )
    processes: list[subprocess.Popen] = []
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        seeded = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", SEED],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        ).stdout.decode()
        product = int(seeded.split("PRODUCT=")[1].split()[0])
        port = free_port()
        log = (tmp / "services.log").open("wb")
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "dukaan.wsgi:application", "--config", os.devnull,
                 "--bind", f"127.0.0.1:{port}", "--workers", "2"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        )  # fmt: skip
        processes.append(
            subprocess.Popen(
                [str(ROOT / "deploy" / "entrypoint.sh"), "worker"],
                cwd=ROOT, env={**env, "DJANGO_LOG_LEVEL": "INFO"}, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )  # fmt: skip

        def up() -> bool:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            except OSError:
                return False
            return b" ready." in (tmp / "services.log").read_bytes()

        wait_until(up, 60, "gunicorn and the worker")
        sent: dict[int, float] = {}
        placed: dict[int, float] = {}
        body = {
            "customer_name": "Ravi Kumar",
            "customer_phone": "9845012345",
            "address": "12, 4th Cross, Indiranagar",
            "pincode": "560038",
            "payment_method": "cod",
            "items": [{"product": product, "quantity": 1}],
        }
        for _ in range(args.orders):
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/v1/stores/bench-kirana/orders/",
                data=json.dumps(body).encode(),
                headers={"Content-Type": "application/json"},
            )
            started = time.monotonic()
            with urllib.request.urlopen(request, timeout=30) as response:
                number = json.loads(response.read())["number"]
            sent[number], placed[number] = started, time.monotonic()
            time.sleep(args.interval_ms / 1000)
        wait_until(lambda: set(placed) <= set(provider.arrivals), 120, "every notification")
        print(f"{len(placed)} orders, {provider.requests} provider requests")
        for label, start in (("POST sent", sent), ("201 answered", placed)):
            delays = sorted((provider.arrivals[n] - t) * 1000 for n, t in start.items())
            print(
                f"{label} -> provider received: median {statistics.median(delays):.0f} ms, "
                f"p95 {delays[int(len(delays) * 0.95) - 1]:.0f} ms, worst {delays[-1]:.0f} ms, "
                f"best {delays[0]:.0f} ms"
            )
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
        redis.Redis.from_url(broker).flushdb()
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


if __name__ == "__main__":
    main()
