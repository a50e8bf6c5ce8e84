"""The worker for real: Celery on Redis, PostgreSQL, beat, an app server and a loopback provider.

Orders are placed over HTTP on an app server (`manage.py runserver`), which publishes to the
broker after commit; the worker (`deploy/entrypoint.sh worker`) relays and delivers. Deadlines
are generous: the tests poll, they never assert how fast.
"""

from __future__ import annotations

import json
import urllib.request
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from notifications.models import Notification, Status
from orders.models import Order, OrderStatus
from orders.services import order_place
from products.models import Product
from stores.templatetags.money import money
from tests.conftest import CUSTOMER
from tests.notifications.conftest import TOKEN
from tests.servers import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.redis]

DEADLINE = 30


@pytest.fixture
def shop(make_store, make_seller):
    seller = make_seller("+919876543210")
    store = make_store(
        owner=seller, name="Asha's Kitchen", slug="ashas-kitchen", whatsapp_number="+919811122233"
    )
    chai = Product.objects.create(store=store, name="Masala Chai", price=Decimal("120.00"), stock=50)
    token, _ = Token.objects.get_or_create(user=seller)
    return store, chai, token.key


def call(url: str, method: str = "GET", body: dict | None = None, token: str | None = None) -> dict:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Token {token}"} if token else {}),
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def place(app_server, store, product, quantity: int = 1, method: str = "cod") -> dict:
    body = {**CUSTOMER, "payment_method": method, "items": [{"product": product.id, "quantity": quantity}]}
    return call(f"{app_server.url}/api/v1/stores/{store.slug}/orders/", "POST", body)


def test_an_order_reaches_the_seller_once_within_seconds(worker, app_server, provider, shop):
    store, chai, _ = shop
    worker.start()

    order = place(app_server, store, chai, quantity=2)

    provider.wait_for_keys(1, event="order.placed", timeout=DEADLINE)
    (call_,) = [c for c in provider.received if c["body"]["event"] == "order.placed"]
    body = call_["body"]
    assert call_["auth"] == f"Bearer {TOKEN}"
    assert call_["idempotency_header"] == body["idempotency_key"]
    assert body["to"] == "+919811122233" and body["store"] == "ashas-kitchen"
    assert body["order"] == order["number"] and isinstance(body["order"], int)
    assert "2 x Masala Chai" in body["message"] and money(Decimal("240.00")) in body["message"]
    assert f"https://shop.example.test/dashboard/ashas-kitchen/orders/{order['number']}/" in body["message"]
    # A while later, still exactly one: sweeps and beat do not send it again.
    wait_for(lambda: Notification.objects.filter(status=Status.DELIVERED).count() == 1, DEADLINE)
    wait_for(lambda: worker.log().count("notifications sweep:") >= 3, DEADLINE)
    assert len(provider.bodies("order.placed")) == 1


def test_status_changes_tell_the_customer(worker, app_server, provider, shop):
    store, chai, token = shop
    worker.start()
    order = place(app_server, store, chai)
    url = f"{app_server.url}/api/v1/stores/{store.slug}/orders/{order['number']}/"

    call(url, "PATCH", {"status": "accepted"}, token=token)
    call(
        url,
        "PATCH",
        {"status": "shipped", "shipping_provider": "Delhivery", "tracking_id": "DL998877"},
        token,
    )
    call(url, "PATCH", {"status": "delivered"}, token=token)

    for event in ("order.accepted", "order.shipped", "order.delivered"):
        provider.wait_for_keys(1, event=event, timeout=DEADLINE)
        (body,) = provider.bodies(event, accepted_only=True)
        assert body["to"] == "+919845012345" and body["order"] == order["number"]
        assert "https://shop.example.test/o/" in body["message"]
    assert "DL998877" in provider.bodies("order.shipped")[0]["message"]


def test_a_provider_failing_three_times_still_gets_it_with_one_key(worker, app_server, provider, shop):
    store, chai, _ = shop
    provider.fail_next(3, status=500)
    worker.start()

    place(app_server, store, chai)

    provider.wait_for_keys(1, event="order.placed", timeout=DEADLINE)
    tries = provider.bodies("order.placed")
    assert [c["status"] for c in provider.received] == [500, 500, 500, 200]
    assert len({body["idempotency_key"] for body in tries}) == 1
    notification = Notification.objects.get()
    wait_for(lambda: Notification.objects.get().status == Status.DELIVERED, DEADLINE)
    notification.refresh_from_db()
    assert notification.attempts == 4 and notification.provider_status == 200
    assert notification.idempotency_key == tries[0]["idempotency_key"]


def test_a_worker_killed_while_orders_come_in_delivers_all_of_them_after_restart(
    worker, app_server, provider, shop
):
    store, chai, _ = shop
    provider.delay = 0.5  # sends in flight when the kill comes
    worker.start()
    numbers = []
    for index in range(5):
        numbers.append(place(app_server, store, chai)["number"])
        if index == 2:
            worker.kill()

    worker.start()

    provider.wait_for_keys(5, event="order.placed", timeout=DEADLINE * 2)
    bodies = provider.bodies("order.placed", accepted_only=True)
    by_key = {}
    for body in bodies:
        by_key.setdefault(body["idempotency_key"], set()).add(body["order"])
    # At least once, keyed: a repeat (a send the kill cut short) carries the same key.
    assert len(by_key) == 5
    assert sorted(order for orders in by_key.values() for order in orders) == sorted(numbers)
    assert Notification.objects.filter(kind="order.placed").count() == 5


def test_a_flushed_broker_still_delivers_from_the_outbox(worker, app_server, provider, shop, flush_broker):
    store, chai, _ = shop
    numbers = [place(app_server, store, chai)["number"] for _ in range(2)]
    assert flush_broker.dbsize() > 0, "the app server published its relay requests"
    flush_broker.flushdb()  # Redis restarted empty while no worker ran

    worker.start()

    provider.wait_for_keys(2, event="order.placed", timeout=DEADLINE)
    assert sorted(b["order"] for b in provider.bodies("order.placed", accepted_only=True)) == sorted(numbers)


def test_the_scheduler_cancels_an_unpaid_gateway_order_and_releases_its_stock_once(
    worker, provider, shop, customer
):
    store, chai, _ = shop
    order = order_place(store=store, items={chai.id: 3}, customer=customer, payment_method="gateway")
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(minutes=31))
    fresh = order_place(store=store, items={chai.id: 1}, customer=customer, payment_method="gateway")
    assert Product.objects.get(pk=chai.pk).stock == 46

    worker.start()

    wait_for(lambda: Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED, DEADLINE)
    provider.wait_for_keys(1, event="order.cancelled", timeout=DEADLINE)
    (body,) = provider.bodies("order.cancelled", accepted_only=True)
    assert body["order"] == order.number and "Not paid within 30 minutes" in body["message"]
    # Several more scheduler runs later: the units came back once, the fresh order is untouched.
    wait_for(lambda: worker.log().count("cancel unpaid orders:") >= 3, DEADLINE)
    assert Product.objects.get(pk=chai.pk).stock == 49
    assert Order.objects.get(pk=fresh.pk).status == OrderStatus.PENDING_PAYMENT
    assert not provider.bodies("order.placed"), "an unpaid gateway order is not announced"
