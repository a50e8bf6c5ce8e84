"""The catalogue cache in front of a real streaming replica: a seller sees their own change at once,
and a new product reaches shoppers as soon as the invalidator has fenced and deleted the catalogue.

The app runs for real (runserver, DEBUG so X-Dukaan-DB-Read names the databases a request read)
with Redis as its cache, on a primary + replica pair with replay paused on purpose
(pg_wal_replay_pause()). Every price or product the replica does not have yet can only have come
from the primary; the replica is queried directly to show it really lacks them.
"""

from __future__ import annotations

import json
import pickle
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
import redis
from django.conf import settings

from stores.templatetags.money import money
from tests.servers import AppServer, manage, migrate

from .conftest import InvalidatorProcess, invalidator_env, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.redis, pytest.mark.timeout(240)]

DATABASE = "cache_fence_it"
PREFIX = "h12fence"
SEED = """
import json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from rest_framework.authtoken.models import Token
from products.models import Product
from stores.models import Store, User
seller = User.objects.create_user("+919845077777")
store = Store.objects.create(owner=seller, name="Fence Store", slug="fence-store")
product = Product.objects.create(store=store, name="Masala Chai", price="100.00")
empty = Store.objects.create(owner=seller, name="New Fence Store", slug="new-fence-store")
token = Token.objects.create(user=seller)
session = SessionStore()
session[SESSION_KEY] = str(seller.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = seller.get_session_auth_hash()
session.create()
print(json.dumps({"store": store.id, "product": product.id, "slug": store.slug, "empty": empty.id,
                  "empty_slug": empty.slug, "token": token.key, "session": session.session_key}))
"""


@dataclass
class Stack:
    app: AppServer
    env: dict[str, str]
    ids: dict
    raw: redis.Redis

    def request(
        self, method: str, path: str, *, headers: dict | None = None, payload: dict | None = None
    ) -> tuple[int, dict, str]:
        data = json.dumps(payload).encode() if payload is not None else None
        req = urllib.request.Request(self.app.url + path, data=data, method=method, headers=headers or {})
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=30) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()

    def catalogue(self, slug: str, headers: dict | None = None) -> tuple[dict, str]:
        status, response_headers, body = self.request(
            "GET", f"/api/v1/stores/{slug}/catalog/", headers=headers
        )
        assert status == 200, body
        return json.loads(body), response_headers.get("X-Dukaan-DB-Read", "")

    def key(self, name: str, store_id: int) -> str:
        return f"{PREFIX}:1:{name}:{store_id}"

    def cached_catalogue(self, store_id: int) -> dict | None:
        raw = self.raw.get(self.key("store_catalog", store_id))
        return pickle.loads(raw)["catalogue"] if raw is not None else None  # noqa: S301 - our own entry


def price_of(catalogue: dict, product_id: int) -> Decimal:
    return Decimal(next(p["price"] for p in catalogue["products"] if p["id"] == product_id))


def price_shown(page: str, price: Decimal) -> bool:
    """The price as the storefront writes it (₹547, ₹95.50), not part of a longer number."""
    return re.search(rf"{re.escape(money(price))}(?![\d.,])", page) is not None


@pytest.fixture(scope="module")
def stack(pg_pair, tmp_path_factory):
    pg_pair.reset()
    pg_pair.execute("primary", f'DROP DATABASE IF EXISTS "{DATABASE}"', database="postgres")
    pg_pair.execute("primary", f'CREATE DATABASE "{DATABASE}"', database="postgres")
    data_dir = tmp_path_factory.mktemp("fence-app")
    env = invalidator_env(
        DATABASE_URL=pg_pair.dsn("primary", DATABASE),
        DATABASE_REPLICA_URLS=pg_pair.dsn("replica", DATABASE),
        DUKAAN_CACHE_PREFIX=PREFIX,
        DUKAAN_DATA_DIR=str(data_dir),
        DUKAAN_CATALOGUE_CACHE_VALIDATE_HITS="0",
        # Paused replay must not take the replica out of rotation: shoppers must be able to read it.
        DUKAAN_REPLICA_MAX_LAG_SECONDS="3600",
        DUKAAN_REPLICA_RECHECK_SECONDS="0.5",
    )
    migrate(env)
    ids = json.loads(manage(env, "shell", "-c", SEED).strip().splitlines()[-1])
    pg_pair.wait_for_replay()
    raw = redis.Redis.from_url(settings.REDIS_URL)
    for key in raw.scan_iter(f"{PREFIX}:*"):
        raw.delete(key)
    app = AppServer(env, log_path=Path(data_dir) / "app.log", skip_checks=True).start()
    try:
        yield Stack(app, env, ids, raw)
    finally:
        app.stop()
        for key in raw.scan_iter(f"{PREFIX}:*"):
            raw.delete(key)
        raw.close()


@pytest.fixture
def pair(pg_pair):
    yield pg_pair
    pg_pair.reset()  # replica running, replay resumed and caught up for the next test


@pytest.fixture
def invalidator(stack, pair):
    process = InvalidatorProcess(stack.env).start()
    # Caught up with everything before the test (both deletes done), so no old delete muddles it.
    wait_until(lambda: any("processed through change" in line for line in process.lines), 15, "no settle")
    yield process
    assert process.terminate() == 0


def replica_scalar(pair, sql: str, params: tuple) -> object:
    return pair.scalar("replica", sql, params, database=DATABASE)


def test_the_seller_sees_their_own_price_at_once_though_the_cached_copy_and_the_replica_are_old(stack, pair):
    # No invalidator: the cached copy stays as it was, so only the pin can tell it is too old.
    ids = stack.ids
    catalogue, read_from = stack.catalogue(ids["slug"])
    assert price_of(catalogue, ids["product"]) == Decimal("100.00")
    old = price_of(stack.cached_catalogue(ids["store"]), ids["product"])
    new = old + Decimal("100.00")

    pair.pause()
    token = {"Authorization": f"Token {ids['token']}"}
    status, headers, body = stack.request(
        "PATCH", f"/api/v1/stores/{ids['slug']}/products/{ids['product']}/", headers=token,
        payload={"price": str(new)},
    )  # fmt: skip
    assert status == 200, body
    pin_cookie = headers["Set-Cookie"].split(";")[0]
    assert pin_cookie.startswith("dukaan_rw=")
    pair.wait_for_receive()
    assert replica_scalar(pair, "SELECT price FROM products_product WHERE id = %s", (ids["product"],)) == old

    # Anonymous shoppers are still served the cached copy (nothing invalidated it).
    catalogue, read_from = stack.catalogue(ids["slug"])
    assert price_of(catalogue, ids["product"]) == old
    assert read_from == "-"

    # The seller's app (token, no cookies: the pin kept on the server) and browser (cookie pin).
    catalogue, read_from = stack.catalogue(ids["slug"], headers=token)
    assert price_of(catalogue, ids["product"]) == new
    assert "default" in read_from and "replica1" not in read_from
    status, headers, page = stack.request("GET", f"/{ids['slug']}/", headers={"Cookie": pin_cookie})
    assert status == 200
    assert price_shown(page, new) and not price_shown(page, old)
    assert headers["Cache-Control"] == "private, no-cache"  # nginx and CDNs never keep the seller's view
    sellers_browser = {"Cookie": f"sessionid={ids['session']}"}  # the same user, pinned on the server
    status, headers, page = stack.request(
        "GET", f"/{ids['slug']}/p/{ids['product']}/", headers=sellers_browser
    )
    assert status == 200
    assert price_shown(page, new) and not price_shown(page, old)

    # The seller's fresh copy, read at their write's position, replaced the old one for everyone.
    assert price_of(stack.cached_catalogue(ids["store"]), ids["product"]) == new
    catalogue, read_from = stack.catalogue(ids["slug"])
    assert price_of(catalogue, ids["product"]) == new


def test_a_new_product_reaches_shoppers_once_invalidated_though_the_replica_lacks_it(
    stack, pair, invalidator
):
    ids = stack.ids
    catalogue, _ = stack.catalogue(ids["empty_slug"])
    assert catalogue["products"] == []
    assert stack.raw.exists(stack.key("store_catalog", ids["empty"]))  # shoppers are served the empty store

    pair.pause()
    before = len(invalidator.lines)
    status, _, body = stack.request(
        "POST", f"/api/v1/stores/{ids['empty_slug']}/products/",
        headers={"Authorization": f"Token {ids['token']}"}, payload={"name": "Nimbu Pani", "price": "40.00"},
    )  # fmt: skip
    assert status == 201, body
    product_id = json.loads(body)["id"]
    wait_until(
        lambda: not stack.raw.exists(stack.key("store_catalog", ids["empty"])),
        5,
        "the store was never invalidated",
    )
    pair.wait_for_receive()
    assert replica_scalar(pair, "SELECT count(*) FROM products_product WHERE id = %s", (product_id,)) == 0

    for _ in range(5):  # the miss and the hits after it
        catalogue, read_from = stack.catalogue(ids["empty_slug"])
        assert [p["id"] for p in catalogue["products"]] == [product_id], read_from
    assert [p["id"] for p in stack.cached_catalogue(ids["empty"])["products"]] == [product_id]
    assert stack.raw.exists(
        stack.key("store_catalog_fence", ids["empty"])
    )  # what sent the miss past the replica

    pair.resume()
    pair.wait_for_replay()
    wait_until(lambda: any("confirmed" in line for line in invalidator.lines[before:]), 15, "never confirmed")
    catalogue, read_from = stack.catalogue(ids["empty_slug"])
    assert [p["id"] for p in catalogue["products"]] == [product_id]
