"""A real server for the API fuzz tests: gunicorn on SQLite in a tmp dir.

The database is migrated and seeded once per session (two sellers with tokens and stores,
categories, products, orders); each fuzz pass then runs against its own copy of that database,
so what one pass deletes or renames cannot starve the next.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.servers import GunicornServer, free_port, manage, migrate

WEBHOOK_SECRET = "api-fuzz-webhook-secret"

SEED = r"""
import json
from decimal import Decimal
from rest_framework.authtoken.models import Token
from orders.services import clean_customer, order_place
from products.models import Category, Product
from products.variants import variant_create
from stores.models import Store, User


def open_store(phone, name, slug):
    seller = User.objects.create_user(phone, name=name)
    store = Store.objects.create(
        owner=seller, name=name + "'s Shop", slug=slug, upi_id=slug + "@okaxis", whatsapp_number=phone
    )
    return seller, store, Token.objects.create(user=seller).key


owner, store, owner_token = open_store("+919876500001", "Asha", "ashas-kitchen")
_, other_store, other_token = open_store("+919876500002", "Ravi", "ravis-corner")
spare_store = Store.objects.create(owner=owner, name="Asha's Second Shop", slug="ashas-second-shop")
categories = [
    Category.objects.create(store=store, name=name, position=i) for i, name in enumerate(["Tea", "Snacks"])
]
products = [
    Product.objects.create(
        store=store,
        name=f"Product {i}",
        price=Decimal("10.00") + i,
        mrp=Decimal("20.00") + i if i % 2 else None,
        stock=None if i % 3 else 1000,
        category=categories[i % 2] if i % 4 else None,
        is_active=i % 5 != 4,
        position=i,
    )
    for i in range(12)
]
other_product = Product.objects.create(store=other_store, name="Ravi's Samosa", price=Decimal("15.00"))
customer = clean_customer(name="Meena", phone="9876512345", address="12 MG Road, Pune", pincode="411001")
orders = [
    order_place(store=store, items=[{"product": products[0].pk, "quantity": 1}], customer=customer,
                payment_method="cod")
    for _ in range(4)
]
# Sizes of one product (after the orders, which name products without variants), and another
# seller's variant, which must be a 404 here.
variants = [
    variant_create(product=products[1], options={"Size": size}, price="25", stock=5) for size in "SML"
]
other_variant = variant_create(product=other_product, options={"Size": "M"})
print("SEED=" + json.dumps({
    "owner_token": owner_token,
    "other_token": other_token,
    "slug": store.slug,
    "spare_slug": spare_store.slug,
    "other_slug": other_store.slug,
    "category_ids": [c.pk for c in categories],
    "product_ids": [p.pk for p in products],
    "other_product_id": other_product.pk,
    "order_numbers": [o.number for o in orders],
    "order_tokens": [o.token for o in orders],
    "variant_product_id": products[1].pk,
    "variant_ids": [v.pk for v in variants],
    "other_variant_id": other_variant.pk,
}))
"""


@dataclass(frozen=True)
class LiveApi:
    base: str
    seed: dict
    log_path: Path
    webhook_secret: str = WEBHOOK_SECRET

    @property
    def schema_url(self) -> str:
        return self.base + "/api/schema/"

    def server_errors_in_log(self) -> list[str]:
        """Lines of the server log that tell of a 5xx answer (the access log and Django's own)."""
        text = self.log_path.read_text(errors="replace")
        return [line for line in text.splitlines() if re.search(r'" 5\d\d |Internal Server Error', line)]


def _server_env(data_dir: Path, port: int) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_", "REDIS_", "AWS_", "PYTEST", "DJANGO_", "DUKAAN_"))
    }
    env.update(
        DJANGO_DEBUG="1",
        DUKAAN_DATA_DIR=str(data_dir),
        DJANGO_MEDIA_ROOT=str(data_dir / "media"),
        DJANGO_SECRET_KEY="api-fuzz-secret-key-for-this-test-only",
        DUKAAN_PAYMENT_WEBHOOK_SECRET=WEBHOOK_SECRET,
        DUKAAN_PUBLIC_URL=f"http://127.0.0.1:{port}",
        DUKAAN_LOG_FORMAT="plain",
    )
    return env


@pytest.fixture(scope="session")
def seeded_data_dir(tmp_path_factory) -> tuple[Path, dict]:
    """A migrated, seeded SQLite database to copy for each pass, and what the seed made."""
    data_dir = tmp_path_factory.mktemp("api-fuzz-template")
    env = _server_env(data_dir, 8000)
    migrate(env)
    output = manage(env, "shell", "-c", SEED, timeout=120)
    seed = json.loads(re.search(r"^SEED=(.*)$", output, re.MULTILINE).group(1))
    return data_dir, seed


@pytest.fixture
def live_api(seeded_data_dir, tmp_path) -> Iterator[LiveApi]:
    template, seed = seeded_data_dir
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy2(template / "dukaan.sqlite3", data_dir / "dukaan.sqlite3")
    port = free_port()
    # gunicorn, one sync worker: one request at a time (SQLite), a fresh connection for each. runserver
    # answers a keep-alive client in two writes and waits out a 40 ms delayed ACK on every request.
    server = GunicornServer(
        _server_env(data_dir, port),
        log_path=tmp_path / "server.log",
        port=port,
        extra_args=["--timeout", "60"],
    )
    with server:
        yield LiveApi(base=server.url, seed=seed, log_path=server.log_path)
