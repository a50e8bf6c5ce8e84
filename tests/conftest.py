"""Shared fixtures: factories for sellers, stores, products and orders, a customer, and API clients.

Fixtures of one app live in its folder's conftest.py (tests/<app>/conftest.py, or a subfolder's).
"""

from __future__ import annotations

import itertools
import os
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from orders.models import Order, OrderItem, OrderStatus
from orders.services import CustomerDetails
from products.models import Category, Product
from stores.models import Store, User

_phone_numbers = itertools.count(9000000001)

CUSTOMER = {
    "customer_name": "Ravi Kumar",
    "customer_phone": "98450 12345",
    "address": "12, 4th Cross, Indiranagar, Bengaluru",
    "pincode": "560038",
    "note": "Ring the bell twice",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))
    has_redis = bool(os.environ.get("REDIS_URL"))
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://..."))
        if "redis" in item.keywords and not has_redis:
            item.add_marker(pytest.mark.skip(reason="needs Redis: set REDIS_URL=redis://..."))


@pytest.fixture
def make_seller(db):
    def make(phone: str | None = None, **extra) -> User:
        return User.objects.create_user(phone or f"+91{next(_phone_numbers)}", **extra)

    return make


@pytest.fixture
def make_store(db, make_seller):
    counter = itertools.count(1)

    def make(owner: User | None = None, name: str | None = None, **extra) -> Store:
        number = next(counter)
        name = name or f"Test Store {number}"
        slug = extra.pop("slug", None) or f"test-store-{number}-{os.getpid()}"
        return Store.objects.create(owner=owner or make_seller(), name=name, slug=slug, **extra)

    return make


@pytest.fixture
def make_product(db):
    def make(store: Store, name: str = "Masala Chai", price: str | Decimal = "120.00", **extra) -> Product:
        return Product.objects.create(store=store, name=name, price=Decimal(str(price)), **extra)

    return make


@pytest.fixture
def make_category(db):
    def make(store: Store, name: str = "Snacks", **extra) -> Category:
        return Category.objects.create(store=store, name=name, **extra)

    return make


@pytest.fixture
def make_order(db):
    def make(store: Store, *, number: int, status: str, method: str, with_details: bool = True) -> Order:
        """An order of one ₹10 chai in any status; `with_details` adds the reason/tracking id it implies."""
        closed = status in (OrderStatus.CANCELLED, OrderStatus.REJECTED)
        shipped = status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED)
        order = Order.objects.create(
            store=store,
            number=number,
            status=status,
            customer_name="Ravi",
            customer_phone="+919845012345",
            address="12 MG Road",
            pincode="560001",
            payment_method=method,
            subtotal=Decimal("10.00"),
            total=Decimal("10.00"),
            reason="Out of stock" if with_details and closed else "",
            tracking_id="DL123" if with_details and shipped else "",
        )
        OrderItem.objects.create(
            order=order, name="Chai", unit_price=Decimal("10.00"), quantity=1, line_total=Decimal("10.00")
        )
        return order

    return make


@pytest.fixture
def customer() -> CustomerDetails:
    return CustomerDetails(
        name="Ravi Kumar", phone="+919845012345", address="12, 4th Cross, Bengaluru", pincode="560038"
    )


@pytest.fixture
def order_body():
    """The JSON body of an order for POST /api/v1/stores/<slug>/orders/, from the CUSTOMER details."""

    def body(items: list[dict[str, Any]], payment_method: str = "cod", **extra: Any) -> dict[str, Any]:
        return {**CUSTOMER, "payment_method": payment_method, "items": items, **extra}

    return body


@pytest.fixture
def seller(make_seller) -> User:
    return make_seller("+919876543210")


@pytest.fixture
def store(make_store, seller) -> Store:
    return make_store(owner=seller, name="Asha's Kitchen", slug="ashas-kitchen")


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def seller_api(seller) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=seller)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def seller_web(client, seller):
    client.force_login(seller)
    return client


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"


def require(condition: bool, reason: str) -> None:
    """Skip a test whose outside tool or service is missing, except in CI, where it must fail.

    `.ci/run` sets DUKAAN_REQUIRE_SERVICES=1, so a missing nginx or Chromium there is an error,
    not a silently skipped test.
    """
    if condition:
        return
    if os.environ.get("DUKAAN_REQUIRE_SERVICES") == "1":
        pytest.fail(f"required for this test but missing: {reason}")
    pytest.skip(reason)


def load_pg_pair_module():
    """deploy/postgres/pg_pair.py as a module (loaded by path: deploy/ is not a package)."""
    import importlib.util
    import sys
    from pathlib import Path

    name = "dukaan_pg_pair"
    if name not in sys.modules:
        path = Path(__file__).resolve().parent.parent / "deploy" / "postgres" / "pg_pair.py"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="session")
def pg_pair():
    """A throwaway PostgreSQL primary + streaming replica, shared by the whole test session.

    Independent of the machine's server (needs only the PostgreSQL server binaries). The object
    (deploy/postgres/pg_pair.py PgPair) gives primary_dsn / replica_dsn (database "dukaan"; use
    dsn("primary"|"replica", database=...) for another one), execute()/scalar() on either side,
    pause()/resume() of WAL replay, primary_lsn(), wait_for_replay(lsn=None), wait_for_receive(),
    replica_lag_seconds(), stop_replica()/start_replica(), and reset() to put it back as found.
    """
    module = load_pg_pair_module()
    require(module.server_binaries_available(), "PostgreSQL server binaries (initdb, pg_basebackup) missing")
    pair = module.PgPair().start()
    try:
        yield pair
    finally:
        pair.stop()


CHROMIUM = os.environ.get("DUKAAN_CHROMIUM", "/usr/bin/chromium")
# Debian's Chromium as root, headless, with nothing reaching out to the (closed) network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium through Playwright's sync API (Debian's binary; Playwright downloads none)."""
    require(
        shutil.which(CHROMIUM) is not None or Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM}"
    )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def rate_limit_clock_mid_window(monkeypatch):
    """Rate limits count in fixed windows of real time: a test that makes a few requests must
    not straddle a window's end (the count would restart). Pin the limiter's clock to the middle
    of the hour-aligned window it is in; every window used here divides an hour."""
    import time as real_time

    import dukaan.rate_limit

    pinned = (real_time.time() // 3600) * 3600 + 1800

    class PinnedTime:
        @staticmethod
        def time() -> float:
            return pinned

    monkeypatch.setattr(dukaan.rate_limit, "time", PinnedTime)
    return pinned
