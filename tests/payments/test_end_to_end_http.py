"""As a new user would, over real HTTP: a customer orders two products from the shared link,
pays on the fake gateway (which calls our webhook over HTTP), and the seller sees it paid in the
dashboard and in the admin. The app runs as `manage.py runserver` in a subprocess on SQLite."""

from __future__ import annotations

import http.cookiejar
import os
import re
import urllib.parse
import urllib.request

import pytest

from tests.servers import AppServer, free_port

pytestmark = pytest.mark.integration

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
    # Threaded (the default): the fake gateway's webhook call comes in while the pay request waits.
    app = AppServer(env, log_path=tmp_path / "server.log", port=port)
    app.migrate()
    session_key = re.search(r"SESSION=(\w+)", app.manage("shell", "-c", SEED, timeout=60)).group(1)
    with app:
        yield app.url, session_key, app.log_path


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
