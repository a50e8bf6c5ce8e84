"""Primary/replica routing against a real streaming replica (deploy/postgres/pg_pair.py).

The app runs for real (manage.py runserver in a subprocess, DEBUG so it names the database that
served the reads in X-Dukaan-DB-Read) on a primary + replica pair; lag is created on purpose with
pg_wal_replay_pause() on the replica. Stale data in a response can only have come from the replica,
so the prices themselves prove where a read went; the header says it in words.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest

from stores.templatetags.money import money
from tests.servers import AppServer, manage, migrate

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]

DATABASE = "replicas_it"
SEED = """
import json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from rest_framework.authtoken.models import Token
from products.models import Product
from stores.models import Store, User

seller = User.objects.create_user("+919845012345")
store = Store.objects.create(owner=seller, name="Lag Test Store", slug="lag-test-store")
product = Product.objects.create(store=store, name="Filter Coffee", price="347.00")
token = Token.objects.create(user=seller)
session = SessionStore()
session[SESSION_KEY] = str(seller.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = seller.get_session_auth_hash()
session.create()
ids = {"slug": store.slug, "product": product.id, "token": token.key, "session": session.session_key}
print(json.dumps(ids))
"""


@dataclass
class Seeded:
    primary: str
    replica: str
    data_dir: Path
    slug: str
    product: int
    token: str
    session: str


@dataclass
class Reply:
    status: int
    headers: dict
    body: str

    @property
    def read_from(self) -> str:
        return self.headers.get("x-dukaan-db-read", "")

    def json(self):
        return json.loads(self.body)


@dataclass
class Visitor:
    """An HTTP client: a browser keeps cookies, an API client may send a token and keep none."""

    token: str | None = None
    keeps_cookies: bool = True
    cookie: str | None = None  # a fixed Cookie header (a browser session made elsewhere)
    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)

    def request(self, app: App, method: str, path: str, payload: dict | None = None) -> Reply:
        handlers = [urllib.request.HTTPCookieProcessor(self.jar)] if self.keeps_cookies else []
        opener = urllib.request.build_opener(*handlers)
        data = json.dumps(payload).encode() if payload is not None else None
        req = urllib.request.Request(app.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if self.token:
            req.add_header("Authorization", f"Token {self.token}")
        if self.cookie:
            req.add_header("Cookie", self.cookie)
        try:
            with opener.open(req, timeout=30) as response:
                return Reply(
                    response.status,
                    {k.lower(): v for k, v in response.headers.items()},
                    response.read().decode(),
                )
        except urllib.error.HTTPError as error:
            return Reply(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read().decode())

    def get(self, app: App, path: str) -> Reply:
        return self.request(app, "GET", path)

    def has_pin(self) -> bool:
        return any(cookie.name == "dukaan_rw" for cookie in self.jar)


def _app_env(seeded_or_dsns: tuple[str, str], data_dir: Path, **overrides: str) -> dict[str, str]:
    primary, replica = seeded_or_dsns
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "REDIS_", "AWS_", "DUKAAN_", "DJANGO_"))
    }
    env.update(
        DATABASE_URL=primary,
        DATABASE_REPLICA_URLS=replica,
        DJANGO_DEBUG="1",
        DUKAAN_DATA_DIR=str(data_dir),
        DUKAAN_CATALOGUE_CACHE_SECONDS="0",  # no cache in front of the catalogue: we test the reads
        DUKAAN_LOG_FORMAT="plain",
        DUKAAN_REPLICA_MAX_LAG_SECONDS="3600",  # paused replay must not count as lag, except below
        DUKAAN_REPLICA_RECHECK_SECONDS="0.5",
    )
    env.update(overrides)
    return env


class App(AppServer):
    """The app server on the pair, and what /readyz says about its replica."""

    def replica_state(self) -> dict:
        return Visitor(keeps_cookies=False).get(self, "/readyz").json()["checks"]["replicas"]["replica1"]

    def wait_replica_in_rotation(self) -> None:
        # /readyz measures the replica now, which also puts it back in rotation once healthy.
        deadline = time.monotonic() + 30
        while self.replica_state()["state"] != "ok":
            assert time.monotonic() < deadline, "the replica never came back into rotation"
            time.sleep(0.1)


@pytest.fixture(scope="module")
def seeded(pg_pair, tmp_path_factory) -> Seeded:
    pg_pair.reset()
    pg_pair.execute("primary", f'DROP DATABASE IF EXISTS "{DATABASE}"', database="postgres")
    pg_pair.execute("primary", f'CREATE DATABASE "{DATABASE}"', database="postgres")
    primary, replica = pg_pair.dsn("primary", DATABASE), pg_pair.dsn("replica", DATABASE)
    data_dir = tmp_path_factory.mktemp("replicas-app")
    env = _app_env((primary, replica), data_dir)
    migrate(env)
    ids = json.loads(manage(env, "shell", "-c", SEED).strip().splitlines()[-1])
    pg_pair.wait_for_replay()
    return Seeded(primary, replica, data_dir, ids["slug"], ids["product"], ids["token"], ids["session"])


@pytest.fixture(scope="module")
def start_app(seeded):
    apps: list[App] = []

    def start(name: str, **overrides: str) -> App:
        env = _app_env((seeded.primary, seeded.replica), seeded.data_dir, **overrides)
        app = App(env, log_path=seeded.data_dir / f"{name}.log", skip_checks=True)
        apps.append(app)
        return app.start()

    yield start
    for app in apps:
        app.stop()


@pytest.fixture(scope="module")
def app(start_app) -> App:
    return start_app("main")


@pytest.fixture
def pair(pg_pair):
    yield pg_pair
    pg_pair.reset()  # replica running, replay resumed and caught up for the next test


def current_price(pair, seeded: Seeded) -> Decimal:
    return pair.scalar(
        "primary", "SELECT price FROM products_product WHERE id = %s", (seeded.product,), database=DATABASE
    )


def new_price_for(pair, seeded: Seeded) -> Decimal:
    return current_price(pair, seeded) + Decimal("100.00")


def price_shown(page: str, price: Decimal) -> bool:
    """The price as the storefront writes it (₹547, ₹95.50), not part of a longer number."""
    return re.search(rf"{re.escape(money(price))}(?![\d.,])", page) is not None


def catalogue_price(reply: Reply, seeded: Seeded) -> Decimal:
    products = {item["id"]: item for item in reply.json()["products"]}
    return Decimal(products[seeded.product]["price"])


@dataclass
class PriceChange:
    old: Decimal
    new: Decimal
    seller: Visitor  # the seller's app session that made the change (token, keeps cookies)
    lsn: str  # the primary's position right after the change


@pytest.fixture
def paused_price_change(app, pair, seeded) -> PriceChange:
    """Replay paused on the replica, then the seller changes the price through the API."""
    app.wait_replica_in_rotation()
    pair.pause()
    old, new = current_price(pair, seeded), new_price_for(pair, seeded)
    seller = Visitor(token=seeded.token)
    reply = seller.request(
        app, "PATCH", f"/api/v1/stores/{seeded.slug}/products/{seeded.product}/", {"price": str(new)}
    )
    assert reply.status == 200, reply.body
    assert reply.read_from == "default"  # an unsafe method reads the primary
    assert seller.has_pin()
    lsn = pair.primary_lsn()
    pair.wait_for_receive(lsn)  # the replica has the change in hand but has not applied it
    return PriceChange(old, new, seller, lsn)


def test_anonymous_visitor_reads_the_replica_and_sees_the_old_price_while_replay_is_paused(
    app, seeded, paused_price_change
):
    change, visitor = paused_price_change, Visitor()
    page = visitor.get(app, f"/{seeded.slug}/")
    assert page.status == 200
    assert page.read_from == "replica1"
    assert price_shown(page.body, change.old) and not price_shown(page.body, change.new)

    catalogue = visitor.get(app, f"/api/v1/stores/{seeded.slug}/catalog/")
    assert catalogue.read_from == "replica1"
    assert catalogue_price(catalogue, seeded) == change.old
    assert not visitor.has_pin()


def test_seller_who_wrote_sees_the_new_price_at_once_on_the_storefront_and_the_api(
    app, seeded, paused_price_change
):
    change = paused_price_change
    page = change.seller.get(app, f"/{seeded.slug}/")  # the cookie pin
    assert page.status == 200
    assert page.read_from == "default"
    assert price_shown(page.body, change.new) and not price_shown(page.body, change.old)

    app_without_cookies = Visitor(token=seeded.token, keeps_cookies=False)  # the pin kept on the server
    catalogue = app_without_cookies.get(app, f"/api/v1/stores/{seeded.slug}/catalog/")
    assert catalogue.read_from == "default"
    assert catalogue_price(catalogue, seeded) == change.new
    product = app_without_cookies.get(app, f"/api/v1/stores/{seeded.slug}/products/{seeded.product}/")
    assert Decimal(product.json()["price"]) == change.new

    sellers_browser = Visitor(cookie=f"sessionid={seeded.session}", keeps_cookies=False)  # same user
    page = sellers_browser.get(app, f"/{seeded.slug}/")
    assert page.read_from == "default"
    assert price_shown(page.body, change.new)


def test_seller_reads_the_replica_again_once_it_has_replayed_the_write(
    app, pair, seeded, paused_price_change
):
    change = paused_price_change
    pair.resume()
    pair.wait_for_replay(change.lsn)
    page = change.seller.get(app, f"/{seeded.slug}/")
    assert page.read_from == "replica1"
    assert price_shown(page.body, change.new)
    assert not change.seller.has_pin()  # the pin is dropped once a replica has caught up
    catalogue = Visitor(token=seeded.token, keeps_cookies=False).get(
        app, f"/api/v1/stores/{seeded.slug}/catalog/"
    )
    assert catalogue.read_from == "replica1"


def test_after_the_window_expires_the_seller_reads_the_replica_again(start_app, pair, seeded):
    window = 2
    short = start_app("short-window", DUKAAN_READ_YOUR_WRITES_SECONDS=str(window))
    short.wait_replica_in_rotation()
    pair.pause()
    old, new = current_price(pair, seeded), new_price_for(pair, seeded)
    seller = Visitor(token=seeded.token)
    path = f"/api/v1/stores/{seeded.slug}/products/{seeded.product}/"
    assert seller.request(short, "PATCH", path, {"price": str(new)}).status == 200
    pair.wait_for_receive()

    time.sleep(window + 0.5)  # let the read-your-writes window run out (replay stays paused)
    page = seller.get(short, f"/{seeded.slug}/")
    assert page.read_from == "replica1"
    assert price_shown(page.body, old)  # the replica still has not applied the change
    catalogue = Visitor(token=seeded.token, keeps_cookies=False).get(
        short, f"/api/v1/stores/{seeded.slug}/catalog/"
    )
    assert catalogue.read_from == "replica1"
    assert catalogue_price(catalogue, seeded) == old


def test_every_page_and_api_call_answers_from_the_primary_when_the_replica_is_stopped(app, pair, seeded):
    app.wait_replica_in_rotation()
    pair.stop_replica()
    anonymous = Visitor()
    seller_app = Visitor(token=seeded.token, keeps_cookies=False)
    sellers_browser = Visitor(cookie=f"sessionid={seeded.session}", keeps_cookies=False)
    calls = [
        (anonymous, "GET", f"/{seeded.slug}/"),
        (anonymous, "GET", f"/{seeded.slug}/?sort=price_asc"),
        (anonymous, "GET", f"/{seeded.slug}/p/{seeded.product}/"),
        (anonymous, "GET", f"/api/v1/stores/{seeded.slug}/catalog/"),
        (seller_app, "GET", "/api/v1/stores/"),
        (seller_app, "GET", f"/api/v1/stores/{seeded.slug}/"),
        (seller_app, "GET", f"/api/v1/stores/{seeded.slug}/products/"),
        (seller_app, "GET", f"/api/v1/stores/{seeded.slug}/products/{seeded.product}/"),
        (sellers_browser, "GET", "/dashboard/"),
    ]
    for visitor, method, path in calls:
        reply = visitor.request(app, method, path)
        assert reply.status == 200, (path, reply.status, reply.body[:300])
        assert reply.read_from == "default", path

    change = seller_app.request(
        app, "PATCH", f"/api/v1/stores/{seeded.slug}/products/{seeded.product}/", {"price": "499.00"}
    )
    assert change.status == 200
    readyz = anonymous.get(app, "/readyz")
    assert readyz.status == 200
    assert readyz.json()["checks"]["replicas"]["replica1"]["state"] == "down"

    pair.start_replica()
    app.wait_replica_in_rotation()
    assert anonymous.get(app, f"/{seeded.slug}/").read_from == "replica1"


def test_replica_lagging_past_the_threshold_is_skipped(app, start_app, pair, seeded):
    strict = start_app("strict-lag", DUKAAN_REPLICA_MAX_LAG_SECONDS="1", DUKAAN_REPLICA_RECHECK_SECONDS="0.2")
    strict.wait_replica_in_rotation()
    pair.pause()
    new = new_price_for(pair, seeded)
    # Another writer (say, the seller's phone through a different app server) changes the price.
    pair.execute(
        "primary",
        "UPDATE products_product SET price = %s WHERE id = %s",
        (new, seeded.product),
        database=DATABASE,
    )
    pair.wait_for_receive()
    deadline = time.monotonic() + 30
    while pair.replica_lag_seconds() <= 1.5:  # the replica's own measure, as the app reads it
        assert time.monotonic() < deadline
        time.sleep(0.1)

    # The app re-measures lag at most every 0.2 s here: within a few requests it must drop the replica.
    deadline = time.monotonic() + 10
    while (
        catalogue := Visitor().get(strict, f"/api/v1/stores/{seeded.slug}/catalog/")
    ).read_from != "default":
        assert time.monotonic() < deadline, "the lagging replica was never skipped"
        time.sleep(0.05)
    assert pair.is_paused()
    assert catalogue_price(catalogue, seeded) == new
    state = strict.replica_state()
    assert state["state"] == "lagging"
    assert state["lag_seconds"] > 1

    # The same replica under the 3600 s limit of the main app still serves (stale) reads.
    assert Visitor().get(app, f"/api/v1/stores/{seeded.slug}/catalog/").read_from == "replica1"
