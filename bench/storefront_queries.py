#!/usr/bin/env python3
"""Storefront cost by catalogue size: the query count must not grow with the catalogue.

    .venv/bin/python bench/storefront_queries.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dukaan_bench REDIS_URL=redis://127.0.0.1:6379/12 \
        .venv/bin/python bench/storefront_queries.py --sizes 10 2000 --repeat 50

Creates a throwaway test database (Django's test database machinery, so nothing real is touched),
fills one store per size, then renders /<slug>/ through the full Django stack: first with the
catalogue cache empty (a miss), then warm (hits). Prints SQL queries per page and render times;
writes JSON to bench/results/. The cache trusts the invalidator here, as in production.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The suite's settings: production-shaped, with secrets and hosts of its own (dukaan/test_settings.py).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dukaan.test_settings")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 2000])
    parser.add_argument("--repeat", type=int, default=30, help="warm renders per store")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from products.models import Product
    from stores.models import Store, User

    setup_test_environment()
    settings.CATALOGUE_CACHE_VALIDATE_HITS = False  # production: the invalidator keeps the cache fresh
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    results = []
    try:
        client = Client()
        for size in args.sizes:
            owner = User.objects.create_user(f"+9170{size:08d}")
            store = Store.objects.create(owner=owner, name=f"Bench {size}", slug=f"bench-{size}")
            Product.objects.bulk_create(
                Product(store=store, name=f"Product {n}", price=Decimal(100 + n % 900), position=n)
                for n in range(size)
            )
            cache.clear()
            for url in (f"/{store.slug}/", f"/{store.slug}/?sort=price_asc&page=2"):
                cache.clear()
                with CaptureQueriesContext(connection) as miss:
                    started = time.perf_counter()
                    assert client.get(url).status_code == 200
                    miss_ms = (time.perf_counter() - started) * 1000
                hit_times, hit_queries = [], []
                for _ in range(args.repeat):
                    with CaptureQueriesContext(connection) as hit:
                        started = time.perf_counter()
                        assert client.get(url).status_code == 200
                        hit_times.append((time.perf_counter() - started) * 1000)
                    hit_queries.append(len(hit.captured_queries))
                row = {
                    "products": size,
                    "url": url.replace(store.slug, "<slug>"),
                    "miss_queries": len(miss.captured_queries),
                    "miss_ms": round(miss_ms, 1),
                    "hit_queries_max": max(hit_queries),
                    "hit_ms_median": round(statistics.median(hit_times), 1),
                    "hit_ms_p95": round(sorted(hit_times)[int(len(hit_times) * 0.95) - 1], 1),
                }
                results.append(row)
                print(
                    f"{size:>5} products {row['url']:<28} miss: {row['miss_queries']} queries "
                    f"{row['miss_ms']:>7.1f} ms | hit: {row['hit_queries_max']} queries, "
                    f"median {row['hit_ms_median']} ms, p95 {row['hit_ms_p95']} ms"
                )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": connection.vendor,
        "cache": settings.CACHES["default"]["BACKEND"],
        "results": results,
    }
    (out / "storefront_queries.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
