"""No stale re-cache under replica lag (book ch. 7/9): the race, created on purpose, and its fix.

The app runs for real (runserver, reading an actual streaming replica through the router) with
Redis and the invalidator. Replay is paused on the replica, the price changes on the primary, and a
crowd of anonymous shoppers misses the cache right after the invalidator's delete - the exact race
that used to rebuild the catalogue from the stale replica and cache the old price again. The
invalidator fences the store before it deletes, so those misses build from the primary: from the
delete on, nobody sees the old price and the cache never holds it, while the replica still does.
Once replay resumes, the invalidator confirms (deletes again) and advances its position.
"""

from __future__ import annotations

import json
import pickle
import threading
import time
import urllib.request
from decimal import Decimal

import pytest
import redis
from django.conf import settings

from tests.servers import AppServer, manage, migrate

from .conftest import InvalidatorProcess, invalidator_env, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.redis, pytest.mark.timeout(240)]

DATABASE = "cache_lag_it"
PREFIX = "h6lag"
SEED = """
import json
from products.models import Product
from stores.models import Store, User
seller = User.objects.create_user("+919845099999")
store = Store.objects.create(owner=seller, name="Lag Cache Store", slug="lag-cache-store")
product = Product.objects.create(store=store, name="Filter Coffee", price="100.00")
print(json.dumps({"store": store.id, "product": product.id, "slug": store.slug}))
"""


class CatalogueApp(AppServer):
    """The app server (runserver, threaded, without the system checks) and its catalogue API."""

    def catalogue(self, slug: str) -> tuple[Decimal, str]:
        """(the price shown, the database the request read from)."""
        with urllib.request.urlopen(f"{self.url}/api/v1/stores/{slug}/catalog/", timeout=30) as response:
            data = json.loads(response.read())
            return Decimal(data["products"][0]["price"]), response.headers.get("X-Dukaan-DB-Read", "")


def replica_price(pg_pair, product_id: int) -> Decimal:
    return pg_pair.scalar(
        "replica", "SELECT price FROM products_product WHERE id = %s", (product_id,), database=DATABASE
    )


def cached_price(client: redis.Redis, key: str) -> Decimal | None:
    raw = client.get(key)
    if raw is None:
        return None
    entry = pickle.loads(raw)  # noqa: S301 - our own cache entry, written by django-redis
    return Decimal(entry["catalogue"]["products"][0]["price"])


def test_a_burst_of_views_during_replica_lag_never_leaves_the_old_price_cached(pg_pair, tmp_path):
    pg_pair.reset()
    pg_pair.execute("primary", f'DROP DATABASE IF EXISTS "{DATABASE}"', database="postgres")
    pg_pair.execute("primary", f'CREATE DATABASE "{DATABASE}"', database="postgres")
    primary, replica = pg_pair.dsn("primary", DATABASE), pg_pair.dsn("replica", DATABASE)
    env = invalidator_env(
        DATABASE_URL=primary,
        DATABASE_REPLICA_URLS=replica,
        DUKAAN_CACHE_PREFIX=PREFIX,
        DUKAAN_DATA_DIR=str(tmp_path),
        DUKAAN_CATALOGUE_CACHE_VALIDATE_HITS="0",
        # Paused replay must not take the replica out of rotation: the shoppers must read it.
        DUKAAN_REPLICA_MAX_LAG_SECONDS="3600",
        DUKAAN_REPLICA_RECHECK_SECONDS="0.5",
    )
    migrate(env)
    ids = json.loads(manage(env, "shell", "-c", SEED).strip().splitlines()[-1])
    pg_pair.wait_for_replay()
    raw = redis.Redis.from_url(settings.REDIS_URL)
    key = f"{PREFIX}:1:store_catalog:{ids['store']}"
    raw.delete(key)

    invalidator = InvalidatorProcess(env).start()
    app = CatalogueApp(env, log_path=tmp_path / "app.log", skip_checks=True).start()
    try:
        # Caught up with the seed (both deletes done), so no old delete muddles what follows.
        wait_until(
            lambda: any("processed through change" in line for line in invalidator.lines), 15, "no settle"
        )
        assert app.catalogue(ids["slug"]) == (Decimal("100.00"), "replica1")
        assert cached_price(raw, key) == Decimal("100.00")

        pg_pair.pause()
        before_change = len(invalidator.lines)
        pg_pair.execute(
            "primary",
            "UPDATE products_product SET price = 200 WHERE id = %s",
            (ids["product"],),
            database=DATABASE,
        )
        wait_until(lambda: not raw.exists(key), 1.0, "the first delete did not come within a second")

        # The race: shoppers miss while the replica still has the old price.
        assert replica_price(pg_pair, ids["product"]) == Decimal("100.00"), "no lag: the test proves nothing"
        seen: list[tuple[Decimal, str]] = []
        stop = threading.Event()

        errors: list[BaseException] = []

        def shopper() -> None:
            while not stop.is_set():
                try:
                    seen.append(app.catalogue(ids["slug"]))
                except Exception as exc:  # reported below, not lost in a thread
                    errors.append(exc)
                    return

        crowd = [threading.Thread(target=shopper) for _ in range(4)]
        for thread in crowd:
            thread.start()
        wait_until(lambda: len(seen) >= 20, 30, "the shoppers got no answers")
        assert {price for price, _ in seen} == {Decimal("200.00")}, "a shopper was shown the old price"
        assert cached_price(raw, key) == Decimal("200.00")
        assert any("default" in read_from for _, read_from in seen), "the rebuild did not read the primary"
        assert replica_price(pg_pair, ids["product"]) == Decimal("100.00")  # still lagging all along
        # While the replica lags, the invalidator holds its position (it still owes a delete).
        time.sleep(1.5)
        assert not any("processed through change" in line for line in invalidator.lines[before_change:])
        assert {price for price, _ in seen} == {Decimal("200.00")}
        assert cached_price(raw, key) == Decimal("200.00")

        pg_pair.resume()
        pg_pair.wait_for_replay()
        wait_until(
            lambda: any("processed through change" in line for line in invalidator.lines[before_change:]),
            10,
            "the invalidator never confirmed the change",
            interval=0.05,
        )
        stop.set()
        for thread in crowd:
            thread.join(30)
        assert not errors
        assert {price for price, _ in seen} == {Decimal("200.00")}
        assert cached_price(raw, key) in (None, Decimal("200.00"))
        assert app.catalogue(ids["slug"])[0] == Decimal("200.00")
        assert cached_price(raw, key) == Decimal("200.00")
    finally:
        stop_shoppers = locals().get("stop")
        if stop_shoppers is not None:
            stop_shoppers.set()
        app.stop()
        assert invalidator.terminate() == 0
        raw.delete(key)
        raw.close()
        pg_pair.reset()  # replay resumed and caught up for whoever uses the shared pair next
