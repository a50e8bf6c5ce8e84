#!/usr/bin/env python3
"""The storefront under a flash crowd, every scenario side by side in one run on this machine.

    make bench                                   # = .venv/bin/python bench/storefront_suite.py
    .venv/bin/python bench/storefront_suite.py --duration 10 --no-write
    .venv/bin/python bench/storefront_suite.py --only b,d --repeat 3   # the app path and its limit

Needs PostgreSQL and Redis (DATABASE_URL and REDIS_URL, default the machine's own on 127.0.0.1: a
database `dukaan_bench` dropped and created afresh, Redis database 12 flushed), nginx and wrk.
Seeds a 2,000-product and a 20-product store, starts the loopback stack from deploy/local_stack.py
(two gunicorn app servers, the cache invalidator, nginx with the micro-cache; a second nginx
without it in front of the same app servers; a plain nginx serving the big store's page as a
file), then runs:

  a  the big store's page through nginx, micro-cache on, c50 and c500
  b  the same with the micro-cache off (the app path), c50 and c500
  c  the catalogue JSON API through nginx (micro-cache on), c50
  d  the same page's bytes served by nginx as a static file (the machine's limit), c50 and c500
  e  a flash sale: concurrent orders on a few products while (a) c500 runs
  f  freshness: 100 price changes, time until an anonymous GET through nginx shows each
  g  SQL per storefront view, miss and hit, 20 vs 2,000 products (bench/storefront_queries.py)
  h  one app server killed with SIGKILL halfway through (a) c500

Prints a table with each scenario's ratio to (d) at the same concurrency and the app servers' CPU
time per request (every process of both gunicorns, from /proc), and writes it, with the date, the
machine and the exact commands, into BENCHMARKS.md (between the storefront-suite markers), and
everything as JSON to bench/results/. Every load loop is bounded in time.

`--only` runs a subset of the scenarios (letters above, e.g. `--only b,d`), and `--repeat N` runs
each selected load N times, interleaved, for a machine shared with other work: both print and write
JSON only, never a partial table into BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from wrk import find_wrk, run_wrk  # noqa: E402

spec = importlib.util.spec_from_file_location("dukaan_local_stack", ROOT / "deploy" / "local_stack.py")
stack = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = stack
spec.loader.exec_module(stack)

BIG, SMALL = "big-bazaar", "small-shop"
SALE_PRODUCTS = 5
SALE_STOCK = 300
BEGIN, END = "<!-- storefront-suite:begin -->", "<!-- storefront-suite:end -->"
SCENARIOS = "abcdefgh"

PLAIN_NGINX = """{user}
worker_processes {workers};
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65s;
    client_body_temp_path {prefix}/tmp; proxy_temp_path {prefix}/tmp; fastcgi_temp_path {prefix}/tmp;
    uwsgi_temp_path {prefix}/tmp; scgi_temp_path {prefix}/tmp;
    open_file_cache max=1000 inactive=30s;
    server {{
        listen 127.0.0.1:{port};
        root {prefix}/html;
        location / {{ default_type text/html; try_files /page.html =404; }}
    }}
}}
"""


def http(method: str, url: str, body: bytes | None = None, headers: dict | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(
        url, data=body, method=method, headers={"Host": "127.0.0.1", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except OSError:
        return 0, b""


def shell(env: dict[str, str], code: str) -> str:
    return stack.manage(env, "shell", "--no-imports", "-c", code).stdout.strip()


def machine() -> str:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        model = found.group(1).strip() if found else ""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{os.cpu_count()} cores ({model or platform.processor()}), load average {load:.1f} at start"


def seed(env: dict[str, str]) -> dict:
    stack.manage(env, "seed_demo", "--products", "2000", "--slug", BIG)
    stack.manage(env, "seed_demo", "--products", "20", "--slug", SMALL)
    out = shell(
        env,
        "import json;"
        "from products.models import Product; from stores.models import Store;"
        "from rest_framework.authtoken.models import Token;"
        f"big = Store.objects.get(slug='{BIG}');"
        f"ids = list(Product.objects.filter(store=big, is_active=True).order_by('id')"
        f".values_list('id', flat=True)[:{SALE_PRODUCTS + 1}]);"
        f"Product.objects.filter(id__in=ids[:{SALE_PRODUCTS}]).update(stock={SALE_STOCK});"
        "token, _ = Token.objects.get_or_create(user=big.owner);"
        "print(json.dumps({'store_id': big.id, 'sale': ids[:-1], 'priced': ids[-1], 'token': token.key}))",
    )
    return json.loads(out.splitlines()[-1])


def start_plain_nginx(prefix: Path, page: bytes) -> tuple[subprocess.Popen, int]:
    (prefix / "html").mkdir(parents=True, exist_ok=True)
    (prefix / "tmp").mkdir(parents=True, exist_ok=True)
    (prefix / "html" / "page.html").write_bytes(page)
    port = stack.free_port()
    conf = prefix / "nginx.conf"
    # As the loopback rendering does: started as root, workers keep root (a private temp folder).
    user = "user root;" if os.geteuid() == 0 else ""
    conf.write_text(PLAIN_NGINX.format(user=user, prefix=prefix, port=port, workers=2))
    nginx_bin = stack.find_nginx()
    proc = subprocess.Popen(
        [nginx_bin, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    stack.wait_http(port, "/", timeout=10)
    return proc, port


def flash_sale(nginx_port: int, data: dict, duration: int, workers: int = 8) -> dict:
    """Orders on a few products from `workers` threads for `duration` seconds."""
    url = f"http://127.0.0.1:{nginx_port}/api/v1/stores/{BIG}/orders/"
    outcomes: dict[str, int] = {"placed": 0, "sold_out": 0, "other": 0}
    units: dict[int, int] = dict.fromkeys(data["sale"], 0)
    lock = threading.Lock()
    deadline = time.monotonic() + duration

    def buyer(index: int) -> None:
        n = 0
        while time.monotonic() < deadline:
            product = data["sale"][(index + n) % len(data["sale"])]
            n += 1
            body = json.dumps(
                {
                    "customer_name": "Flash Buyer",
                    "customer_phone": "+919845012345",
                    "address": "1 MG Road",
                    "pincode": "560001",
                    "payment_method": "cod",
                    "items": [{"product": product, "quantity": 1}],
                }
            ).encode()
            status, answer = http("POST", url, body, {"Content-Type": "application/json"})
            with lock:
                if status == 201:
                    outcomes["placed"] += 1
                    units[product] += 1
                elif status == 400 and (
                    b"out of stock" in answer or b"sold out" in answer or b"left" in answer
                ):
                    outcomes["sold_out"] += 1
                else:
                    outcomes["other"] += 1

    threads = [threading.Thread(target=buyer, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(duration + 30)
    return {
        "outcomes": outcomes,
        "units": units,
        "orders_per_second": round(outcomes["placed"] / duration, 1),
    }


def freshness(nginx_port: int, data: dict, changes: int, limit_seconds: float = 5.0) -> dict:
    """Change a price through the API `changes` times; time until an anonymous GET shows each."""
    product = data["priced"]
    api = f"http://127.0.0.1:{nginx_port}/api/v1/stores/{BIG}/products/{product}/"
    page = f"http://127.0.0.1:{nginx_port}/{BIG}/p/{product}/"
    delays, never = [], 0
    for i in range(changes):
        price = f"500.{(i % 99) + 1:02d}"
        body = json.dumps({"price": price}).encode()
        headers = {"Authorization": f"Token {data['token']}", "Content-Type": "application/json"}
        status, _ = http("PATCH", api, body, headers)
        changed_at = time.monotonic()
        if status != 200:
            never += 1
            continue
        while True:
            _, html = http("GET", page)
            if price.encode() in html:
                delays.append((time.monotonic() - changed_at) * 1000)
                break
            if time.monotonic() - changed_at > limit_seconds:
                never += 1
                break
            time.sleep(0.02)
    delays.sort()
    return {
        "changes": changes,
        "seen": len(delays),
        "not_seen_within_s": never,
        "median_ms": round(statistics.median(delays), 1) if delays else None,
        "p99_ms": round(delays[max(0, int(len(delays) * 0.99) - 1)], 1) if delays else None,
        "max_ms": round(delays[-1], 1) if delays else None,
    }


def rebuild_lines(apps: list, store_id: int) -> int:
    pattern = f"catalogue built store={store_id} "
    return sum(app.log_text().count(pattern) for app in apps)


def cpu_seconds(process_groups: list[int]) -> float:
    """CPU time (user + system) so far of every live process in these process groups (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) in process_groups:
            total += int(fields[11]) + int(fields[12])
    return total / tick


def queries_per_view(env: dict[str, str]) -> list[dict]:
    subprocess.run(
        [sys.executable, "bench/storefront_queries.py", "--sizes", "20", "2000", "--repeat", "10"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "dukaan.test_settings"},
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads((ROOT / "bench" / "results" / "storefront_queries.json").read_text())["results"]


def row(name: str, result: dict, limit: dict | None) -> dict:
    errors = result.get("non_2xx_3xx", 0) + result.get("socket_errors", 0)
    ratio = result["requests_per_second"] / limit["requests_per_second"] if limit else None
    return {
        "scenario": name,
        "rps": result["requests_per_second"],
        "p50": result.get("latency_p50_ms"),
        "p99": result.get("latency_p99_ms"),
        "errors": errors,
        "timeouts": result.get("errors_timeout", 0),
        "ratio": ratio,
        "app_cpu_ms": result.get("app_cpu_ms_per_request"),
        "command": result.get("command", ""),
    }


def markdown(report: dict) -> str:
    lines = [
        f"### Storefront suite, {report['date']}",
        "",
        f"Machine: {report['machine']}. Stack: {report['stack']}.",
        f"Command: `{report['command']}` ({report['duration']} s per load run).",
        "",
        "| scenario | req/s | p50 ms | p99 ms | errors (timeouts) | ratio to (d) | app CPU ms/req |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for item in report["rows"]:
        ratio = f"{item['ratio']:.3f}" if item["ratio"] is not None else "—"
        cpu = f"{item['app_cpu_ms']:.2f}" if item.get("app_cpu_ms") is not None else "—"
        lines.append(
            f"| {item['scenario']} | {item['rps']:,.0f} | {item['p50']} | {item['p99']} | "
            f"{item['errors']} ({item['timeouts']}) | {ratio} | {cpu} |"
        )
    sale = report.get("flash_sale")
    if sale:
        lines += [
            "",
            f"(e) flash sale during (a) c500: {sale['orders_per_second']} orders/s placed "
            f"({sale['outcomes']['placed']} orders, {sale['outcomes']['sold_out']} clear out-of-stock "
            f"refusals, {sale['outcomes']['other']} other answers); stock exact: {sale['stock_exact']} "
            f"(never below zero: {sale['never_negative']}); catalogue rebuilds of the big store: "
            f"{sale['rebuilds']} in {report['duration']} s ({sale['rebuilds_per_second']}/s).",
        ]
    fresh = report.get("freshness")
    if fresh:
        lines += [
            "",
            f"(f) freshness through the micro-cache, {fresh['changes']} price changes: "
            f"median {fresh['median_ms']} ms, p99 {fresh['p99_ms']} ms, max {fresh['max_ms']} ms; "
            f"not seen within 5 s: {fresh['not_seen_within_s']}.",
        ]
    if report.get("queries"):
        lines += [
            "",
            "(g) SQL per storefront view (bench/storefront_queries.py):",
            "",
            "| products | page | miss: queries | hit: queries | hit median ms |",
            "|---:|---|---:|---:|---:|",
        ]
        for item in report["queries"]:
            lines.append(
                f"| {item['products']} | `{item['url']}` | {item['miss_queries']} | "
                f"{item['hit_queries_max']} | {item['hit_ms_median']} |"
            )
    lines += ["", "Commands (wrk, same run):", ""]
    lines += [f"- {item['scenario']}: `{item['command']}`" for item in report["rows"]]
    return "\n".join(lines) + "\n"


def write_benchmarks(text: str) -> None:
    path = ROOT / "BENCHMARKS.md"
    current = path.read_text() if path.exists() else "# Benchmarks\n"
    block = f"{BEGIN}\n{text}{END}"
    if BEGIN in current and END in current:
        current = current[: current.index(BEGIN)] + block + current[current.index(END) + len(END) :]
    else:
        current = current.rstrip() + "\n\n## Storefront under a flash crowd (`make bench`)\n\n" + block + "\n"
    path.write_text(current)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=15, help="seconds per load run (default 15)")
    parser.add_argument("--changes", type=int, default=100, help="price changes for (f) (default 100)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    parser.add_argument(
        "--only",
        default="",
        help="run only these scenarios, e.g. 'b,d' (letters a-h above); prints, never writes BENCHMARKS.md",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run each selected load N times, interleaved (noisy machines); implies --no-write",
    )
    args = parser.parse_args(argv)
    only = set(args.only.replace(",", "").replace(" ", "")) if args.only else set(SCENARIOS)
    if not only <= set(SCENARIOS) or args.repeat < 1:
        parser.error(f"--only takes letters of {SCENARIOS}, --repeat a positive number")
    partial = only != set(SCENARIOS) or args.repeat > 1
    if find_wrk() is None or stack.find_nginx() is None:
        print("needs wrk and nginx (Debian: apt-get install wrk nginx)", file=sys.stderr)
        return 2

    database_url = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/dukaan_bench"
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/12"
    admin = database_url.rsplit("/", 1)[0] + "/postgres"
    name = database_url.rsplit("/", 1)[1]
    subprocess.run(["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], check=True)
    subprocess.run(["psql", admin, "-qc", f'CREATE DATABASE "{name}"'], check=True)
    subprocess.run(["redis-cli", "-u", redis_url, "flushdb"], check=True, capture_output=True)

    started_machine = machine()
    data_dir = Path(tempfile.mkdtemp(prefix="dukaan-suite-"))
    env = stack.base_env(data_dir, data_dir / "static", DATABASE_URL=database_url, REDIS_URL=redis_url)
    # The flash sale's buyers all come from one loopback address and phone: no order limits here.
    env.update(
        DUKAAN_ORDER_LIMIT_PER_IP="0", DUKAAN_ORDER_LIMIT_PER_PHONE="0", DUKAAN_ORDER_LIMIT_PER_STORE="0"
    )
    print(f"==> preparing {data_dir} on {database_url} and {redis_url}", flush=True)
    stack.prepare(env, seed=False)
    data = seed(env)
    logs = data_dir / "logs"
    apps, nginxes, plain, invalidator = [], [], None, None
    try:
        apps = [stack.start_app(f"app{i}", env, logs) for i in (1, 2)]
        invalidator = stack.start_invalidator(env, logs)
        upstreams = [f"127.0.0.1:{a.port}" for a in apps]
        workers, threads = int(env["GUNICORN_WORKERS"]), int(env["GUNICORN_THREADS"])
        # Each thread at work and about 15 waiting (a cached page is ~2 ms of a thread: ~30 ms in the
        # queue), then a quick 503 (deploy/README.md, "Edge cache": overload).
        max_conns = 16 * workers * threads
        common = {"static_root": str(data_dir / "static"), "max_conns": max_conns, "order_rate": "100000r/s"}
        edge = stack.start_nginx(data_dir / "nginx-edge", upstreams, **common)
        app_path = stack.start_nginx(data_dir / "nginx-app", upstreams, micro_cache=False, **common)
        nginxes = [edge, app_path]
        page = f"/{BIG}/"
        for _ in range(3):
            status, body = http("GET", f"http://127.0.0.1:{edge.port}{page}")
            assert status == 200, f"{page} answered {status}"
            http("GET", f"http://127.0.0.1:{app_path.port}{page}")
        plain, plain_port = start_plain_nginx(data_dir / "nginx-plain", body)
        print(f"==> {len(body):,} bytes per page; max_conns {max_conns} per app server", flush=True)

        app_groups = [app.pid for app in apps]  # each gunicorn leads its own process group

        def load(port: int, path: str, connections: int) -> dict:
            print(f"    wrk c{connections} :{port}{path}", flush=True)
            before = cpu_seconds(app_groups)
            result = run_wrk(
                f"http://127.0.0.1:{port}{path}", connections=connections, duration=args.duration
            )
            if port != plain_port and result.get("requests"):
                spent = cpu_seconds(app_groups) - before
                # A server killed during the run (scenario h) takes its CPU time with it: no number.
                if spent >= 0:
                    result["app_cpu_ms_per_request"] = round(1000 * spent / result["requests"], 3)
            time.sleep(1)
            return result

        api = f"/api/v1/stores/{BIG}/catalog/"
        loads = {
            "d": [("d50", plain_port, page, 50), ("d500", plain_port, page, 500)],
            "a": [("a50", edge.port, page, 50), ("a500", edge.port, page, 500)],
            "b": [("b50", app_path.port, page, 50), ("b500", app_path.port, page, 500)],
            "c": [("c50", edge.port, api, 50)],
        }
        runs: dict[str, list[dict]] = {}
        for _ in range(args.repeat):
            for letter in "dabc":  # the machine's limit first, as before
                for key, port, path, connections in loads[letter] if letter in only else []:
                    runs.setdefault(key, []).append(load(port, path, connections))

        sale_result: dict = {}
        if "e" in only:
            print("==> (e) flash sale during (a) c500", flush=True)
            rebuilds_before = rebuild_lines(apps, data["store_id"])
            sale = threading.Thread(
                target=lambda: sale_result.update(flash_sale(edge.port, data, args.duration))
            )
            sale.start()
            runs["e500"] = [load(edge.port, page, 500)]
            sale.join(args.duration + 60)
            time.sleep(1.5)
            rebuilds = rebuild_lines(apps, data["store_id"]) - rebuilds_before
            stock = json.loads(
                shell(
                    env,
                    "import json; from products.models import Product;"
                    f"rows = Product.objects.filter(id__in={data['sale']}).values_list('id', 'stock');"
                    "print(json.dumps(dict(rows)))",
                ).splitlines()[-1]
            )
            sale_result["stock_exact"] = all(
                stock[str(pid)] == SALE_STOCK - sale_result["units"][pid] for pid in data["sale"]
            )
            sale_result["never_negative"] = all(value >= 0 for value in stock.values())
            sale_result["rebuilds"] = rebuilds
            sale_result["rebuilds_per_second"] = round(rebuilds / args.duration, 2)

        fresh: dict = {}
        if "f" in only:
            print("==> (f) freshness", flush=True)
            fresh = freshness(edge.port, data, args.changes)

        if "h" in only:
            print("==> (h) one app server killed during (a) c500", flush=True)
            timer = threading.Timer(args.duration / 2, lambda: apps[0].signal_group(signal.SIGKILL))
            timer.start()
            runs["h500"] = [load(edge.port, page, 500)]
            timer.join()

        queries: list[dict] = []
        if "g" in only:
            print("==> (g) SQL per storefront view", flush=True)
            queries = queries_per_view(env)

        names = [
            ("a50", "(a) big store page, micro-cache, c50", "d50"),
            ("a500", "(a) big store page, micro-cache, c500", "d500"),
            ("b50", "(b) app path (micro-cache off), c50", "d50"),
            ("b500", "(b) app path (micro-cache off), c500", "d500"),
            ("c50", "(c) catalogue JSON API, micro-cache, c50", None),
            ("d50", "(d) the page as a static file, c50", "d50"),
            ("d500", "(d) the page as a static file, c500", "d500"),
            ("e500", "(e) (a) c500 during the flash sale", "d500"),
            ("h500", "(h) (a) c500, one app server SIGKILLed halfway", "d500"),
        ]
        rows = []
        for key, name, limit_key in names:
            for index, result in enumerate(runs.get(key, [])):
                limits = runs.get(limit_key or "", [])
                # Each repeat against the static-file run of the same round (or the first one).
                limit = limits[min(index, len(limits) - 1)] if limits else None
                label = f"{name}, run {index + 1}" if args.repeat > 1 else name
                rows.append(row(label, result, limit))
        report = {
            "date": datetime.now(tz=UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": started_machine,
            "stack": (
                f"nginx (2 workers) + 2 gunicorn app servers ({workers} workers x {threads} threads), "
                f"the invalidator, PostgreSQL, Redis; wrk -t2 on the same cores; page {len(body):,} bytes"
            ),
            "command": (
                "make bench" + (f" (--duration {args.duration})" if args.duration != 15 else "")
                if not partial
                else ".venv/bin/python bench/storefront_suite.py "
                + " ".join(sys.argv[1:] if argv is None else argv)
            ),
            "duration": args.duration,
            "rows": rows,
            "flash_sale": sale_result,
            "freshness": fresh,
            "queries": queries,
            "scenarios": "".join(sorted(only)),
            "repeat": args.repeat,
            "invalidator": bool(invalidator),
        }
        text = markdown(report)
        print("\n" + text)
        results_dir = ROOT / "bench" / "results"
        results_dir.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%S")
        (results_dir / f"storefront_suite-{stamp}.json").write_text(json.dumps(report, indent=2, default=str))
        if not args.no_write and not partial:
            write_benchmarks(text)
            print("==> written to BENCHMARKS.md")
        return 0
    finally:
        for nginx in nginxes:
            nginx.stop()
        if plain is not None:
            plain.terminate()
            plain.wait(10)
        for proc in apps:
            proc.stop(timeout=10)
        if invalidator is not None:
            invalidator.stop(timeout=10)


if __name__ == "__main__":
    raise SystemExit(main())
