"""Review regressions: orders whose product is gone, every status page, totals and money in JSON."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from orders.models import Order, OrderItem, OrderStatus, PaymentMethod
from orders.services import order_place
from products.models import Product

MONEY_KEYS = {"price", "mrp", "subtotal", "total", "unit_price", "line_total", "amount"}
MONEY = re.compile(r"^-?\d+\.\d{2}$")


def money_values(data: Any, path: str = "") -> list[tuple[str, Any]]:
    """Every (path, value) under a money-named key anywhere in a JSON document."""
    found: list[tuple[str, Any]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key in MONEY_KEYS and not isinstance(value, dict | list):
                found.append((f"{path}.{key}", value))
            else:
                found += money_values(value, f"{path}.{key}")
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found += money_values(value, f"{path}[{i}]")
    return found


def _one_chai_order(store, *, number: int, status: str, method: str, with_details: bool = True) -> Order:
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


@pytest.fixture
def order_of_deleted_product(store, make_product, customer, seller_web):
    product = make_product(store, name="Kaju Katli", price="450.00", stock=5)
    keeper = make_product(store, name="Masala Chai", price="120.00", stock=5)
    order = order_place(
        store=store, items={product.id: 2, keeper.id: 1}, customer=customer, payment_method="cod"
    )
    response = seller_web.post(f"/dashboard/{store.slug}/products/{product.id}/delete/")
    assert response.status_code == 302
    assert not Product.objects.filter(pk=product.pk).exists()
    return order


@pytest.mark.django_db
def test_an_order_keeps_its_snapshot_when_its_product_is_deleted_and_every_page_renders_it(
    order_of_deleted_product, store, seller_web, seller_api, client, make_seller
):
    order = order_of_deleted_product
    item = order.items.get(name="Kaju Katli")
    assert item.product_id is None and item.unit_price == Decimal("450.00") and item.quantity == 2

    dashboard = seller_web.get(f"/dashboard/{store.slug}/orders/{order.number}/")
    assert dashboard.status_code == 200 and "Kaju Katli" in dashboard.content.decode()
    listing = seller_web.get(f"/dashboard/{store.slug}/orders/")
    assert listing.status_code == 200
    customer_page = client.get(f"/o/{order.token}/")
    assert customer_page.status_code == 200 and "Kaju Katli" in customer_page.content.decode()
    api = seller_api.get(f"/api/v1/stores/{store.slug}/orders/{order.number}/")
    assert api.status_code == 200
    assert {i["name"] for i in api.json()["items"]} == {"Kaju Katli", "Masala Chai"}
    assert client.get(f"/api/v1/orders/{order.token}/").status_code == 200

    client.force_login(make_seller(is_staff=True, is_superuser=True))
    admin_page = client.get(f"/admin/orders/order/{order.pk}/change/")
    assert admin_page.status_code == 200 and "Kaju Katli" in admin_page.content.decode()
    assert client.get("/admin/orders/order/").status_code == 200


@pytest.mark.django_db
def test_cancelling_an_order_whose_product_was_deleted_restores_only_the_remaining_product(
    order_of_deleted_product, store, seller_web
):
    order = order_of_deleted_product
    response = seller_web.post(
        f"/dashboard/{store.slug}/orders/{order.number}/", {"status": "cancelled", "reason": "Sold out"}
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and order.stock_restored
    assert Product.objects.get(store=store, name="Masala Chai").stock == 5
    assert Product.objects.filter(store=store).count() == 1


@pytest.mark.django_db
def test_totals_are_quantity_times_price_to_the_paisa(store, make_product, customer, seller_api):
    a = make_product(store, name="A", price="0.10")
    b = make_product(store, name="B", price="19.99")
    c = make_product(store, name="C", price="333.33")
    order = order_place(
        store=store, items={a.id: 3, b.id: 7, c.id: 3}, customer=customer, payment_method="cod"
    )
    order.refresh_from_db()
    assert order.subtotal == order.total == Decimal("0.30") + Decimal("139.93") + Decimal("999.99")
    assert {i.name: i.line_total for i in order.items.all()} == {
        "A": Decimal("0.30"),
        "B": Decimal("139.93"),
        "C": Decimal("999.99"),
    }
    body = seller_api.get(f"/api/v1/stores/{store.slug}/orders/{order.number}/").json()
    assert body["total"] == "1140.22"


@pytest.mark.django_db
@pytest.mark.parametrize("status", OrderStatus.values)
@pytest.mark.parametrize("method", PaymentMethod.values)
def test_the_customer_order_page_renders_for_every_status_and_payment_method(status, method, store, client):
    store.upi_id = "asha@okaxis"
    store.save()
    order = _one_chai_order(store, number=1, status=status, method=method)
    page = client.get(f"/o/{order.token}/")
    assert page.status_code == 200
    assert OrderStatus(status).label in page.content.decode()


@pytest.mark.django_db
def test_money_in_every_api_answer_is_a_string_with_two_decimals(
    store, make_product, make_category, customer, seller_api, api_client
):
    category = make_category(store)
    product = make_product(store, price="99.5", mrp="120", category=category)
    created = seller_api.post(
        f"/api/v1/stores/{store.slug}/products/", {"name": "Ladoo", "price": "7", "mrp": "10.5"}
    )
    assert created.status_code == 201, created.content
    order = order_place(store=store, items={product.id: 3}, customer=customer, payment_method="cod")
    answers = [
        created.json(),
        seller_api.get(f"/api/v1/stores/{store.slug}/products/").json(),
        seller_api.get(f"/api/v1/stores/{store.slug}/products/{product.id}/").json(),
        api_client.get(f"/api/v1/stores/{store.slug}/catalog/").json(),
        seller_api.get(f"/api/v1/stores/{store.slug}/orders/").json(),
        seller_api.get(f"/api/v1/stores/{store.slug}/orders/{order.number}/").json(),
        api_client.get(f"/api/v1/orders/{order.token}/").json(),
    ]
    values = [v for answer in answers for v in money_values(answer)]
    assert len(values) > 15
    bad = [(path, v) for path, v in values if v is not None and not (isinstance(v, str) and MONEY.match(v))]
    assert not bad


@pytest.mark.django_db
@pytest.mark.parametrize("hours", ["0", "-5"])
def test_cancel_unpaid_orders_refuses_a_window_that_would_cancel_orders_being_paid_right_now(
    hours, store, make_product, customer
):
    from django.core.management import CommandError, call_command

    product = make_product(store, stock=3)
    fresh = order_place(store=store, items={product.id: 1}, customer=customer, payment_method="gateway")
    with pytest.raises(CommandError, match="--hours must be more than 0"):
        call_command("cancel_unpaid_orders", "--hours", hours)
    fresh.refresh_from_db()
    assert fresh.status == OrderStatus.PENDING_PAYMENT


@pytest.mark.django_db
def test_dashboard_times_are_shown_in_india_time(store, seller_web, customer, make_product):
    from datetime import UTC, datetime

    product = make_product(store)
    order = order_place(store=store, items={product.id: 1}, customer=customer, payment_method="cod")
    Order.objects.filter(pk=order.pk).update(created_at=datetime(2026, 1, 1, 18, 45, tzinfo=UTC))
    order.refresh_from_db()
    assert order.created_at.tzinfo is not None
    detail = seller_web.get(f"/dashboard/{store.slug}/orders/{order.number}/").content.decode()
    assert "2 Jan 2026, 00:15" in detail  # 18:45 UTC is 00:15 the next day in Asia/Kolkata
    listing = seller_web.get(f"/dashboard/{store.slug}/orders/").content.decode()
    assert "2 Jan, 00:15" in listing


@pytest.mark.django_db
@pytest.mark.parametrize("status", OrderStatus.values)
@pytest.mark.parametrize("method", PaymentMethod.values)
def test_the_seller_order_page_renders_for_every_status_and_payment_method(
    status, method, store, seller_web, seller_api
):
    order = _one_chai_order(store, number=7, status=status, method=method, with_details=False)
    page = seller_web.get(f"/dashboard/{store.slug}/orders/{order.number}/")
    assert page.status_code == 200
    assert OrderStatus(status).label in page.content.decode()
    assert seller_web.get(f"/dashboard/{store.slug}/orders/?status={status}").status_code == 200
    assert seller_api.get(f"/api/v1/stores/{store.slug}/orders/{order.number}/").json()["status"] == status


@pytest.mark.django_db
def test_cancel_unpaid_orders_dry_run_says_how_many_it_would_cancel(store, make_product, customer, capsys):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    product = make_product(store, stock=3)
    stale = order_place(store=store, items={product.id: 1}, customer=customer, payment_method="gateway")
    Order.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(hours=30))
    call_command("cancel_unpaid_orders", "--dry-run")
    out = capsys.readouterr().out
    assert "Dry run: 1 would be cancelled, nothing changed." in out
    assert "0 cancelled" not in out
    stale.refresh_from_db()
    assert stale.status == OrderStatus.PENDING_PAYMENT
