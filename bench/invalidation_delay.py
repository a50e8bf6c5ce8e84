"""Measure the invalidation delay: a committed price change -> its cached catalogue gone from Redis.

Usage (PostgreSQL + Redis, migrated database):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dukaan REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/invalidation_delay.py [--changes 100] [--no-start]

It starts `manage.py run_cache_invalidator` itself unless --no-start (then one must be running),
creates 100 bench stores (slugs bench-inv-<n>, reused on later runs), and for each change: caches the
store's catalogue, commits a price change through the ORM, and polls Redis until the key is gone.
Each change hits a different store, so no confirming (second) delete of an earlier change can
shorten a measurement. Prints every delay and the median, 95th percentile and worst.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dukaan.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--no-start", action="store_true", help="use an invalidator that is already running")
    args = parser.parse_args()

    import django

    django.setup()
    import redis
    from django.conf import settings

    from catalogue.cache import catalogue_cache_key
    from catalogue.selectors import get_catalogue
    from products.models import Product
    from stores.models import Store, User

    if not settings.REDIS_URL or not settings.DATABASE_URL.startswith("postgres"):
        print("set DATABASE_URL (PostgreSQL) and REDIS_URL", file=sys.stderr)
        return 2
    raw = redis.Redis.from_url(settings.REDIS_URL)

    seller = User.objects.filter(phone="+919800000001").first() or User.objects.create_user("+919800000001")
    products = []
    for n in range(args.changes):
        store, _ = Store.objects.get_or_create(
            slug=f"bench-inv-{n}", defaults={"owner": seller, "name": f"Bench Invalidation {n}"}
        )
        product = Product.objects.filter(store=store).first() or Product.objects.create(
            store=store, name="Bench Chai", price=Decimal("100.00")
        )
        products.append((store, product))

    invalidator = None
    if not args.no_start:
        env = {**os.environ, "DJANGO_DEBUG": "1", "DUKAAN_LOG_FORMAT": "plain"}
        invalidator = subprocess.Popen(
            [sys.executable, "manage.py", "run_cache_invalidator", "--name", "bench"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert invalidator.stdout is not None
        for line in invalidator.stdout:
            if "invalidator listening" in line:
                break
        # Let the catch-up of the set-up writes (and their confirming deletes) finish.
        time.sleep(max(2.0, settings.CATALOGUE_BUILD_MAX_SECONDS + 1.0))

    logging.getLogger("dukaan.cache").setLevel(logging.WARNING)
    delays_ms: list[float] = []  # from the commit returning to the key being gone
    from_write_ms: list[float] = []  # from the UPDATE being sent (an upper bound, includes the write)
    try:
        for n, (store, product) in enumerate(products):
            get_catalogue(store.slug)
            key = catalogue_cache_key(store.id)
            if not raw.exists(key):
                print(f"store {store.id}: catalogue was not cached; skipped", file=sys.stderr)
                continue
            new_price = Decimal("100.00") + Decimal(n % 50) + Decimal(int(time.time()) % 100)
            started = time.perf_counter()
            Product.objects.filter(pk=product.pk).update(price=new_price)  # autocommit: committed here
            committed = time.perf_counter()
            deadline = committed + 10
            while raw.exists(key):
                if time.perf_counter() > deadline:
                    print(f"store {store.id}: NOT invalidated within 10 s", file=sys.stderr)
                    break
                time.sleep(0.0002)
            else:
                gone = time.perf_counter()
                delays_ms.append((gone - committed) * 1000)
                from_write_ms.append((gone - started) * 1000)
                print(
                    f"change {n + 1:3d}: store {store.id} gone {delays_ms[-1]:.2f} ms after commit "
                    f"(write took {(committed - started) * 1000:.2f} ms)"
                )
            time.sleep(0.02)
    finally:
        if invalidator is not None:
            invalidator.terminate()
            invalidator.wait(15)
        raw.close()

    if not delays_ms:
        print("no measurements", file=sys.stderr)
        return 1
    for label, values in (
        ("after the commit returned", delays_ms),
        ("from sending the UPDATE", from_write_ms),
    ):
        ordered = sorted(values)
        p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
        print(
            f"{len(values)} changes, {label}: median {statistics.median(values):.2f} ms, "
            f"p95 {p95:.2f} ms, worst {max(values):.2f} ms, best {min(values):.2f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
