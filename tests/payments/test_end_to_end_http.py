"""As a new user would, over real HTTP: a customer orders two products from the shared link,
pays on the fake gateway (which calls our webhook over HTTP), and the seller sees it paid in the
dashboard and in the admin. The app runs as `manage.py runserver` in a subprocess on SQLite."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SEED = """
from decimal import Decimal
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.auth import SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY
from products.models import Product
from stores.models import Store, User
seller = User.objects.create_user("+919876500001", name="Asha")
store = Store.objects.create(owner=seller, name="Asha's Kitchen", slug="ashas-kitchen")
Product.objects.create(store=store, name="Masala Chai", price=Decimal("120.00"), stock=10)
Product.objects.create(store=store, name="Banana Chips", price=Decimal("80.50"))
User.objects.create_superuser("+919876500002", password="admin-pass-123")
session = SessionStore()
session[SESSION_KEY] = str(seller.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = seller.get_session_auth_hash()
session.create()
print("SESSION=" + session.session_key)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """A cookie-keeping HTTP client that follows redirects, like a phone's browser without JS."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[str, str]:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.geturl(), response.read().decode()

    def post(self, path: str, fields: dict) -> tuple[str, str]:
        data = urllib.parse.urlencode(fields).encode()
        with self.opener.open(self.base + path, data=data, timeout=30) as response:
            return response.geturl(), response.read().decode()

    def set_cookie(self, name: str, value: str) -> None:
        host = urllib.parse.urlsplit(self.base).hostname
        self.jar.set_cookie(
            http.cookiejar.Cookie(
                0, name, value, None, False, host, False, False, "/", True, False, None, False, None, None, {}
            )
        )


def csrf(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


@pytest.fixture
def server(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "AWS_", "PYTEST"))}
    env.update(
        DJANGO_DEBUG="1",
        DUKAAN_DATA_DIR=str(tmp_path),
        DJANGO_SECRET_KEY="e2e-secret-key-for-this-test-only",
        DUKAAN_PAYMENT_WEBHOOK_SECRET="e2e-webhook-secret",
        DUKAAN_PUBLIC_URL=f"http://127.0.0.1:{port}",
        DUKAAN_LOG_FORMAT="plain",
    )
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, cwd=ROOT, check=True, timeout=180)
    seeded = subprocess.run(
        [*manage, "shell", "-c", SEED],
        env=env,
        cwd=ROOT,
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    )
    session_key = re.search(r"SESSION=(\w+)", seeded.stdout).group(1)
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115 - closed in teardown
    proc = subprocess.Popen(
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1).close()
                break
            except (urllib.error.URLError, OSError):
                if proc.poll() is not None:
                    raise RuntimeError((tmp_path / "server.log").read_text()) from None
                time.sleep(0.05)
        yield base, session_key, tmp_path / "server.log"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def test_customer_pays_with_the_fake_gateway_and_the_seller_sees_it_paid(server):
    base, seller_session, _ = server
    shopper = Browser(base)

    # The shared link: the storefront lists the products with add-to-cart forms.
    _, storefront = shopper.get("/ashas-kitchen/")
    product_ids = re.findall(r'name="product" value="(\d+)"', storefront)
    assert len(product_ids) == 2, storefront[:2000]
    for product_id in product_ids:
        shopper.post("/ashas-kitchen/cart/add/", {"product": product_id, "quantity": "1"})
    _, cart = shopper.get("/ashas-kitchen/cart/")
    assert "Masala Chai" in cart and "Banana Chips" in cart and "200.50" in cart

    _, checkout = shopper.get("/ashas-kitchen/checkout/")
    key = re.search(r'name="checkout_key" value="([^"]+)"', checkout).group(1)
    gateway_url, gateway_page = shopper.post(
        "/ashas-kitchen/checkout/",
        {
            "csrfmiddlewaretoken": csrf(checkout),
            "checkout_key": key,
            "customer_name": "Ravi Kumar",
            "customer_phone": "98450 12345",
            "address": "12, 4th Cross, Bengaluru",
            "pincode": "560038",
            "note": "",
            "payment_method": "gateway",
        },
    )
    assert "/pay/fake/" in gateway_url and "Fake Gateway" in gateway_page and "200.50" in gateway_page

    # Pay: the gateway POSTs a signed webhook to /api/v1/payments/webhooks/fake/ over HTTP
    # (the fake gateway page has no other way to mark anything paid).
    order_url, order_page = shopper.post(
        urllib.parse.urlsplit(gateway_url).path, {"csrfmiddlewaretoken": csrf(gateway_page), "action": "pay"}
    )
    assert "/o/" in order_url
    assert "data-paid" in order_page and "Order #1001" in order_page

    seller = Browser(base)
    seller.set_cookie("sessionid", seller_session)
    _, orders = seller.get("/dashboard/ashas-kitchen/orders/")
    assert "#1001" in orders and "data-paid" in orders
    _, detail = seller.get("/dashboard/ashas-kitchen/orders/1001/")
    assert "Masala Chai" in detail and "Placed" in detail and "wa.me/919845012345" in detail

    admin = Browser(base)
    _, login = admin.get("/admin/login/")
    admin.post(
        "/admin/login/?next=/admin/",
        {"csrfmiddlewaretoken": csrf(login), "username": "+919876500002", "password": "admin-pass-123"},
    )
    _, paid_orders = admin.get("/admin/orders/order/?paid_at__isempty=0")
    assert "Ravi Kumar" in paid_orders and "icon-yes" in paid_orders
    _, payments = admin.get("/admin/payments/payment/?status__exact=captured")
    assert "200.50" in payments
    _, events = admin.get("/admin/payments/paymentevent/?status__exact=processed")
    assert "payment.captured" in events
