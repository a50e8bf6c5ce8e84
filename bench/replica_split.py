"""How reads split between the primary and the replica under a short run of mixed traffic.

Starts a throwaway primary + streaming replica (deploy/postgres/pg_pair.py), migrates and seeds one
store, then drives the whole Django stack in-process (test Client: every middleware, the router,
real connections to both servers) from a few threads with a fixed mix of shoppers and sellers.
Every SQL statement is counted per database alias through an execute wrapper on each connection.

    .venv/bin/python bench/replica_split.py                # ~600 visits, 4 threads
    .venv/bin/python bench/replica_split.py --visits 2000 --threads 8 --products 500

Two phases: replay streaming normally, then replay paused on the replica (lag limit raised so the
replica stays in rotation) to show who is pinned to the primary. Results also go to
bench/results/replica_split.json. Replica health checks run on the raw driver cursor and are
reported separately ("lag checks").
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import json
import os
import random
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))


def load_pg_pair():
    spec = importlib.util.spec_from_file_location("dukaan_pg_pair", BASE_DIR / "deploy/postgres/pg_pair.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["dukaan_pg_pair"] = module
    spec.loader.exec_module(module)
    return module


class QueryCounter:
    """Counts statements per (alias, read|write) from every thread's connections."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: collections.Counter[tuple[str, str]] = collections.Counter()
        self.primary_reasons: collections.Counter[str] = collections.Counter()
        self.lag_checks = 0

    def wrapper(self, alias: str):
        def count(execute, sql, params, many, context):
            kind = "read" if sql.lstrip()[:6].upper() in ("SELECT",) else "write/other"
            why = self.why_primary(sql) if alias == "default" and kind == "read" else ""
            with self.lock:
                self.counts[(alias, kind)] += 1
                if why:
                    self.primary_reasons[why] += 1
            return execute(sql, params, many, context)

        count.bench_counter = True
        return count

    @staticmethod
    def why_primary(sql: str) -> str:
        """Why a read went to the primary, from the router's state for the current request."""
        from dukaan.db import router as db_router

        if "pg_current_wal_lsn" in sql:
            return "pin bookkeeping (WAL position after a write)"
        if '"django_session"' in sql or '"authtoken_token"' in sql:
            return "session/token (primary-only models)"
        state = db_router.current_state()
        if state is None:
            return "outside a request"
        if db_router.primary_in_transaction():
            return "inside a transaction"
        if state.primary_reads:
            return "unsafe method (POST/PATCH...)"
        if state.pinned:
            return "read-your-writes pin"
        return "no healthy replica / use_primary()"

    def install(self, connection) -> None:
        if not any(getattr(w, "bench_counter", False) for w in connection.execute_wrappers):
            connection.execute_wrappers.append(self.wrapper(connection.alias))

    def reset(self) -> None:
        with self.lock:
            self.counts.clear()
            self.primary_reasons.clear()
            self.lag_checks = 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visits", type=int, default=600, help="visits per phase")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    pg_pair = load_pg_pair()
    if not pg_pair.server_binaries_available():
        sys.exit("PostgreSQL server binaries not found (install postgresql or set PG_BINDIR)")
    pair = pg_pair.PgPair().start()
    data_dir = tempfile.mkdtemp(prefix="dukaan-bench-")
    try:
        for key in [k for k in os.environ if k.startswith(("DATABASE_", "REDIS_", "DUKAAN_", "AWS_"))]:
            del os.environ[key]
        os.environ.update(pair.env())
        os.environ.update(
            DJANGO_DEBUG="1",
            DJANGO_SETTINGS_MODULE="dukaan.settings",
            DUKAAN_DATA_DIR=data_dir,
            DUKAAN_CATALOGUE_CACHE_SECONDS="0",  # count database reads, not cache hits
            DJANGO_LOG_LEVEL="ERROR",
            # Every simulated shopper orders from one address and phone: no order limits here.
            DUKAAN_ORDER_LIMIT_PER_IP="0",
            DUKAAN_ORDER_LIMIT_PER_PHONE="0",
            DUKAAN_ORDER_LIMIT_PER_STORE="0",
        )
        return run(pair, args)
    finally:
        pair.stop()


def run(pair, args) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections
    from django.db.backends.signals import connection_created
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from dukaan.db import replicas
    from products.models import Category, Product
    from stores.models import Store, User

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    seller = User.objects.create_user("+919800000001")
    store = Store.objects.create(owner=seller, name="Bench Bazaar", slug="bench-bazaar")
    categories = [Category.objects.create(store=store, name=f"Shelf {i}", position=i) for i in range(5)]
    Product.objects.bulk_create(
        Product(
            store=store,
            name=f"Item {i}",
            price=Decimal("49.00") + i,
            category=categories[i % len(categories)],
            stock=100000,
            position=i,
        )
        for i in range(args.products)
    )
    product_ids = list(Product.objects.filter(store=store).values_list("id", flat=True))
    token = Token.objects.create(user=seller).key
    pair.wait_for_replay()
    print(f"pair up, migrated and seeded ({args.products} products) in {time.monotonic() - started:.1f}s")

    counter = QueryCounter()
    connection_created.connect(lambda sender, connection, **kw: counter.install(connection), weak=False)
    measure = replicas._measure

    def counted_measure(alias):
        with counter.lock:
            counter.lag_checks += 1
        return measure(alias)

    replicas._measure = counted_measure

    slug = store.slug
    seller_lock = threading.Lock()
    seller_web = Client()
    seller_web.force_login(seller)
    seller_api = Client(HTTP_AUTHORIZATION=f"Token {token}")  # an app that keeps no cookies: see below

    def shopper_browse(rng: random.Random) -> list:
        c = Client()
        pid = rng.choice(product_ids)
        return [
            c.get(f"/{slug}/"),
            c.get(f"/{slug}/", {"sort": rng.choice(["price_asc", "price_desc"])}),
            c.get(f"/{slug}/p/{pid}/"),
            c.get(f"/api/v1/stores/{slug}/catalog/"),
        ]

    def shopper_cart(rng: random.Random) -> list:
        c = Client()
        pid = rng.choice(product_ids)
        return [
            c.get(f"/{slug}/"),
            c.post(f"/{slug}/cart/add/", {"product": pid, "quantity": 1}),
            c.get(f"/{slug}/cart/"),
        ]

    def shopper_order(rng: random.Random) -> list:
        c = Client()
        payload = {
            "customer_name": "Bench Shopper",
            "customer_phone": "+919811100000",
            "address": "12 MG Road, Bengaluru",
            "pincode": "560001",
            "payment_method": "cod",
            "items": [{"product": rng.choice(product_ids), "quantity": 1}],
        }
        placed = c.post(f"/api/v1/stores/{slug}/orders/", payload, content_type="application/json")
        replies = [placed, c.get(f"/{slug}/")]
        if placed.status_code == 201:
            replies.append(c.get(f"/api/v1/orders/{placed.json()['token']}/"))
        return replies

    def seller_edit(rng: random.Random) -> list:
        pid = rng.choice(product_ids)
        with seller_lock:
            seller_api.cookies.clear()  # token clients keep no cookies: the server-side pin applies
            return [
                seller_api.patch(
                    f"/api/v1/stores/{slug}/products/{pid}/",
                    {"price": str(Decimal(rng.randint(40, 900)))},
                    content_type="application/json",
                ),
                seller_api.get(f"/api/v1/stores/{slug}/products/{pid}/"),
                seller_api.get(f"/api/v1/stores/{slug}/catalog/"),
            ]

    def seller_dashboard(rng: random.Random) -> list:
        with seller_lock:
            return [seller_web.get("/dashboard/"), seller_web.get(f"/dashboard/{slug}/products/")]

    mix = [
        (shopper_browse, 60),
        (shopper_cart, 15),
        (shopper_order, 5),
        (seller_edit, 10),
        (seller_dashboard, 10),
    ]

    def phase(name: str) -> dict:
        rng = random.Random(args.seed)
        plan = rng.choices([f for f, _ in mix], weights=[w for _, w in mix], k=args.visits)
        counter.reset()
        statuses: collections.Counter[int] = collections.Counter()
        requests = collections.Counter()
        lock = threading.Lock()

        def visit(index_and_fn):
            index, fn = index_and_fn
            replies = fn(random.Random(args.seed * 1000 + index))
            with lock:
                for reply in replies:
                    statuses[reply.status_code] += 1
                requests[fn.__name__] += len(replies)
            for alias in connections:
                counter.install(connections[alias])

        for alias in connections:  # connections opened before the counter was connected
            counter.install(connections[alias])
        t0 = time.monotonic()
        with ThreadPoolExecutor(args.threads, initializer=lambda: None) as pool:
            list(pool.map(visit, enumerate(plan)))
        elapsed = time.monotonic() - t0
        counts = dict(counter.counts)
        reads = {alias: counts.get((alias, "read"), 0) for alias in ["default", *settings.REPLICA_ALIASES]}
        writes = {
            alias: counts.get((alias, "write/other"), 0) for alias in ["default", *settings.REPLICA_ALIASES]
        }
        total_reads = sum(reads.values()) or 1
        result = {
            "phase": name,
            "visits": args.visits,
            "http_requests": sum(statuses.values()),
            "status_codes": dict(sorted(statuses.items())),
            "requests_by_visit_type": dict(requests),
            "reads": reads,
            "read_share": {alias: round(n / total_reads, 3) for alias, n in reads.items()},
            "writes_and_other": writes,
            "primary_reads_by_reason": dict(counter.primary_reasons.most_common()),
            "lag_checks": counter.lag_checks,
            "seconds": round(elapsed, 1),
        }
        print(f"\n== {name}: {result['http_requests']} requests in {elapsed:.1f}s")
        print(f"   status codes {result['status_codes']}")
        for alias in reads:
            print(
                f"   {alias:<9} reads {reads[alias]:>6} ({result['read_share'][alias]:.1%})"
                f"   writes/other {writes[alias]:>5}"
            )
        for reason, n in counter.primary_reasons.most_common():
            print(f"     primary read because {reason}: {n}")
        print(f"   replica lag checks (raw cursor, not counted above): {counter.lag_checks}")
        return result

    results = [phase("replica streaming")]
    pair.pause()
    settings.DUKAAN_REPLICA_MAX_LAG_SECONDS = 3600  # keep the paused replica in rotation
    try:
        results.append(phase("replay paused on the replica"))
    finally:
        pair.resume()
    connections.close_all()
    out = BASE_DIR / "bench" / "results" / "replica_split.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"\nwritten to {out.relative_to(BASE_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
