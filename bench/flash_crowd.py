#!/usr/bin/env python3
"""Flash crowd on one store: wrk through nginx against two gunicorn app servers.

    .venv/bin/python bench/flash_crowd.py                       # 100 connections, 20 s, demo store
    .venv/bin/python bench/flash_crowd.py --connections 200 --duration 30 --stop-one
    REDIS_URL=redis://127.0.0.1:6379/8 .venv/bin/python bench/flash_crowd.py   # shared Redis cache

Starts the loopback stack from deploy/local_stack.py (SQLite, or DATABASE_URL/REDIS_URL from the
environment), seeds the demo store, warms the catalogue cache, then runs wrk on /<store>/.
--stop-one sends SIGTERM to one app server halfway through (a rolling restart under load).
Prints requests/s, latency percentiles, non-2xx answers and socket errors; writes them as JSON to
bench/results/.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("dukaan_local_stack", ROOT / "deploy" / "local_stack.py")
stack = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = stack
spec.loader.exec_module(stack)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from wrk import WRK_SCRIPT  # noqa: E402 - the report script shared with storefront_suite.py


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--duration", type=int, default=20, help="seconds")
    parser.add_argument("--store", default="demo-kirana")
    parser.add_argument("--stop-one", action="store_true", help="SIGTERM one app server halfway through")
    parser.add_argument("--data-dir", help="default: a fresh temp folder")
    args = parser.parse_args(argv)

    wrk = shutil.which("wrk")
    if wrk is None:
        print("wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="dukaan-flash-"))
    env = stack.base_env(data_dir, data_dir / "static")
    print(f"==> preparing {data_dir}", flush=True)
    stack.prepare(env, seed=True)
    logs = data_dir / "logs"
    apps = []
    nginx = None
    try:
        apps = [stack.start_app(f"app{i}", env, logs) for i in (1, 2)]
        nginx = stack.start_nginx(
            data_dir / "nginx", [f"127.0.0.1:{a.port}" for a in apps], static_root=str(data_dir / "static")
        )
        path = f"/{args.store}/"
        for _ in range(4):  # warm both servers' caches
            conn = http.client.HTTPConnection("127.0.0.1", nginx.port, timeout=10)
            conn.request("GET", path, headers={"Host": "127.0.0.1"})
            status = conn.getresponse().status
            conn.close()
            if status != 200:
                print(f"{path} answered {status}: is the store seeded?", file=sys.stderr)
                return 1
        script = data_dir / "report.lua"
        script.write_text(WRK_SCRIPT)
        cmd = [
            wrk,
            f"-t{args.threads}",
            f"-c{args.connections}",
            f"-d{args.duration}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            f"http://127.0.0.1:{nginx.port}{path}",
        ]
        print("==> " + " ".join(cmd), flush=True)
        if args.stop_one:
            timer = threading.Timer(args.duration / 2, lambda: apps[0].popen.send_signal(signal.SIGTERM))
            timer.start()
        output = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        print(output)
        match = re.search(r"^JSON:(.*)$", output, re.M)
        result = json.loads(match.group(1)) if match else {}
        result["requests_per_second"] = round(
            result.get("requests", 0) / (result.get("duration_us", 1) / 1e6), 1
        )
        served = {}
        for line in (nginx.prefix / "access.log").read_text().splitlines():
            record = json.loads(line)
            served[record["upstream"]] = served.get(record["upstream"], 0) + 1
        result.update(
            {
                "when": datetime.now(tz=UTC).isoformat(),
                "command": " ".join(cmd),
                "connections": args.connections,
                "duration_s": args.duration,
                "stop_one": args.stop_one,
                "cache": "redis" if env.get("REDIS_URL") else "per-process memory",
                "database": "postgresql" if env.get("DATABASE_URL") else "sqlite",
                "answers_per_upstream": served,
            }
        )
        print(json.dumps(result, indent=2))
        results_dir = ROOT / "bench" / "results"
        results_dir.mkdir(parents=True, exist_ok=True)
        out = results_dir / f"flash_crowd-{datetime.now(tz=UTC):%Y%m%dT%H%M%S}.json"
        out.write_text(json.dumps(result, indent=2))
        print(f"==> written to {out}")
        return 0
    finally:
        if nginx is not None:
            nginx.stop()
        for app in apps:
            app.stop()


if __name__ == "__main__":
    raise SystemExit(main())
