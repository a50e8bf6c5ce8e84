"""Measure what a shopper sees: a committed change -> an anonymous shopper shown it, with a replica.

Usage (needs the PostgreSQL server binaries and Redis; starts everything else itself):

    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/invalidation_delay.py \\
        [--changes 20] [--paused 3] [--pause-seconds 5] [--new-products 5] [--poll-ms 20]

It starts a throwaway primary + streaming replica (deploy/postgres/pg_pair.py), migrates it, and
runs production's layout on loopback (deploy/local_stack.py): gunicorn (2 workers, DEBUG off) with
DATABASE_REPLICA_URLS, `run_cache_invalidator`, Redis. An anonymous shopper polls
`GET /api/v1/stores/<slug>/catalog/` straight from gunicorn every --poll-ms (nginx's micro-cache
would add its own second), and the clock runs from the change's commit to the first answer that
shows it:

- streaming: --changes price changes by raw SQL on the primary, one after another, replica replaying;
- paused: replay paused, the price changed, replay resumed --pause-seconds later; reports the time
  to the new price from the commit and from the resume, and whether the old price was ever shown
  again after the new one;
- new product: a seller adds a store's first product through the API; from the 201 to a shopper
  seeing it.

Prints every measurement and the median and worst of each scenario.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _load(name: str, relative: str):
    """A script from deploy/ (a plain folder, not a package), loaded by path."""
    spec = importlib.util.spec_from_file_location(name, ROOT / relative)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


local_stack = _load("dukaan_local_stack", "deploy/local_stack.py")
pg_pair = _load("dukaan_pg_pair", "deploy/postgres/pg_pair.py")

SEED = """
import json
from rest_framework.authtoken.models import Token
from products.models import Product
from stores.models import Store, User
seller = User.objects.create_user("+919800000012")
store = Store.objects.create(owner=seller, name="Bench Fence", slug="bench-fence")
product = Product.objects.create(store=store, name="Bench Chai", price="100.00")
empties = [Store.objects.create(owner=seller, name=f"Bench Empty {{n}}", slug=f"bench-empty-{{n}}").slug
           for n in range({empties})]
print(json.dumps({{"slug": store.slug, "product": product.id, "token": Token.objects.create(user=seller).key,
                  "empties": empties}}))
"""


class Shopper:
    """An anonymous shopper reading one app server's catalogue API (no cookies, no token)."""

    def __init__(self, base: str, poll_seconds: float) -> None:
        self.base = base
        self.poll_seconds = poll_seconds

    def catalogue(self, slug: str) -> dict:
        with urllib.request.urlopen(f"{self.base}/api/v1/stores/{slug}/catalog/", timeout=10) as response:
            return json.loads(response.read())

    def wait(self, slug: str, shows: Callable[[dict], bool], timeout: float = 30.0) -> float:
        """Poll until `shows(catalogue)`; returns time.perf_counter() of the first answer that does."""
        deadline = time.perf_counter() + timeout
        while True:
            catalogue = self.catalogue(slug)
            if shows(catalogue):
                return time.perf_counter()
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{slug}: never shown after {timeout}s")
            time.sleep(self.poll_seconds)


def price_of(catalogue: dict, product_id: int) -> Decimal | None:
    return next((Decimal(p["price"]) for p in catalogue["products"] if p["id"] == product_id), None)


def summary(label: str, values_ms: list[float]) -> str:
    if not values_ms:
        return f"{label}: no measurements"
    return (
        f"{label}: n={len(values_ms)} median {statistics.median(values_ms):.0f} ms, "
        f"worst {max(values_ms):.0f} ms, best {min(values_ms):.0f} ms"
    )


def streaming(pair, database: str, shopper: Shopper, ids: dict, changes: int) -> list[float]:
    delays = []
    conn = pair.connect("primary", database)
    try:
        for n in range(changes):
            with conn.cursor() as cur:
                cur.execute(
                    "UPDATE products_product SET price = price + 1 WHERE id = %s RETURNING price",
                    (ids["product"],),
                )
                new = cur.fetchone()[0]  # autocommit: committed when execute() returns
            committed = time.perf_counter()
            seen = shopper.wait(ids["slug"], lambda c, new=new: price_of(c, ids["product"]) == new)
            delays.append((seen - committed) * 1000)
            print(
                f"  streaming change {n + 1:2d}: {new} shown {delays[-1]:.0f} ms after the commit", flush=True
            )
            time.sleep(0.3)
    finally:
        conn.close()
    return delays


def paused(pair, database: str, shopper: Shopper, ids: dict, pause_seconds: float) -> dict:
    conn = pair.connect("primary", database)
    try:
        pair.pause()
        with conn.cursor() as cur:
            cur.execute(
                "UPDATE products_product SET price = price + 1 WHERE id = %s RETURNING price",
                (ids["product"],),
            )
            new = cur.fetchone()[0]
        committed = time.perf_counter()
        resumed = None
        first_new = None
        old_after_new = 0
        while True:
            now = time.perf_counter()
            if resumed is None and now - committed >= pause_seconds:
                pair.resume()
                resumed = time.perf_counter()
            shown = price_of(shopper.catalogue(ids["slug"]), ids["product"])
            seen_at = time.perf_counter()
            if shown == new and first_new is None:
                first_new = seen_at
            elif shown != new and first_new is not None:
                old_after_new += 1
            # Watch a while after the resume too: that is when a stale copy used to come back.
            if resumed is not None and seen_at - resumed > 3.0 and first_new is not None:
                break
            if seen_at - committed > 60:
                raise TimeoutError("the new price never showed")
            time.sleep(shopper.poll_seconds)
    finally:
        conn.close()
        pair.resume()
    return {
        "from_commit_ms": (first_new - committed) * 1000,
        "after_resume_ms": max(0.0, (first_new - resumed) * 1000),
        "old_after_new": old_after_new,
    }


def new_products(base: str, shopper: Shopper, ids: dict) -> list[float]:
    delays = []
    for slug in ids["empties"]:
        assert shopper.catalogue(slug)["products"] == []  # cached: the shopper has seen the empty store
        request = urllib.request.Request(
            f"{base}/api/v1/stores/{slug}/products/",
            data=json.dumps({"name": "First Product", "price": "49.00"}).encode(),
            method="POST",
            headers={"Authorization": f"Token {ids['token']}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 201
            product_id = json.loads(response.read())["id"]
        created = time.perf_counter()
        seen = shopper.wait(slug, lambda c, pid=product_id: price_of(c, pid) is not None)
        delays.append((seen - created) * 1000)
        print(f"  new product in {slug}: shown {delays[-1]:.0f} ms after the 201", flush=True)
        time.sleep(0.3)
    return delays


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--paused", type=int, default=3, help="paused-replay rounds")
    parser.add_argument("--pause-seconds", type=float, default=5.0)
    parser.add_argument("--new-products", type=int, default=5)
    parser.add_argument("--poll-ms", type=float, default=20.0)
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL"):
        print("set REDIS_URL", file=sys.stderr)
        return 2

    database = "bench_fence"
    data_dir = Path(tempfile.mkdtemp(prefix="dukaan-bench-fence-"))
    pair = pg_pair.PgPair().start()
    procs: list[local_stack.Proc] = []
    try:
        pair.execute("primary", f'CREATE DATABASE "{database}"', database="postgres")
        env = local_stack.base_env(
            data_dir,
            data_dir / "static",
            DATABASE_URL=pair.dsn("primary", database),
            DATABASE_REPLICA_URLS=pair.dsn("replica", database),
            DUKAAN_CACHE_PREFIX=f"bench-fence-{os.getpid()}",
            GUNICORN_WORKERS="2",
            DUKAAN_LOG_FORMAT="plain",
        )
        local_stack.prepare(env, seed=False)
        seeded = local_stack.manage(env, "shell", "-c", SEED.format(empties=args.new_products))
        ids = json.loads(seeded.stdout.strip().splitlines()[-1])
        pair.wait_for_replay()
        app = local_stack.start_app("app1", env, data_dir / "logs")
        procs.append(app)
        invalidator = local_stack.start_invalidator(env, data_dir / "logs")
        if invalidator is not None:
            procs.append(invalidator)
        base = f"http://127.0.0.1:{app.port}"
        shopper = Shopper(base, args.poll_ms / 1000)
        time.sleep(7)  # the invalidator's catch-up of the set-up writes, confirming deletes included
        shopper.catalogue(ids["slug"])

        print(f"streaming replica, {args.changes} price changes (raw SQL on the primary):", flush=True)
        streamed = streaming(pair, database, shopper, ids, args.changes)
        rounds = []
        for n in range(args.paused):
            print(f"paused replay round {n + 1}: paused {args.pause_seconds:.0f} s, then resumed", flush=True)
            rounds.append(paused(pair, database, shopper, ids, args.pause_seconds))
            print(
                f"  shown {rounds[-1]['from_commit_ms']:.0f} ms after the commit, "
                f"{rounds[-1]['after_resume_ms']:.0f} ms after the resume; "
                f"old price shown again after the new one: {rounds[-1]['old_after_new']} time(s)",
                flush=True,
            )
        print(f"new products ({args.new_products} stores' first product, added through the API):", flush=True)
        created = new_products(base, shopper, ids)

        print()
        print(summary("streaming replica, commit -> shopper", streamed))
        print(summary("replay paused, commit -> shopper", [r["from_commit_ms"] for r in rounds]))
        print(summary("replay paused, resume -> shopper", [r["after_resume_ms"] for r in rounds]))
        print(
            f"replay paused, old price after the new one: {sum(r['old_after_new'] for r in rounds)} time(s)"
        )
        print(summary("new product, 201 -> shopper", created))
    finally:
        for proc in procs:
            proc.stop()
        pair.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
