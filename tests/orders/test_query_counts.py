"""Every list page a seller or an admin uses costs the same number of queries for 1 row as for 6.

Each test measures a page with a small data set, grows the data (more stores, categories, products,
orders with items, payments confirmed by a seller, webhook events) and measures again.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from orders.models import Order, OrderEvent, OrderItem, OrderStatus, PaymentMethod
from payments.models import Payment, PaymentEvent, PaymentStatus
from products.models import Category, Product
from stores.models import OtpChallenge

_numbers = itertools.count(1)
_refs = itertools.count(1)


def grow(store, make_store, *, n: int) -> None:
    """Add n of everything the seller's and the admin's list pages show."""
    for _ in range(n):
        i = next(_numbers)
        make_store(owner=store.owner, name=f"Branch {i}")
        Token.objects.create(user=make_store(name=f"Other {i}").owner)
        OtpChallenge.objects.create(
            phone=store.owner.phone, code_hash="0" * 64, expires_at=timezone.now(), requested_ip="10.0.0.1"
        )
        category = Category.objects.create(store=store, name=f"Category {i}")
        product = Product.objects.create(
            store=store, name=f"Product {i}", price=Decimal("10.50"), category=category, stock=5
        )
        order = Order.objects.create(
            store=store,
            number=1000 + i,
            status=OrderStatus.DELIVERED,
            customer_name="Ravi",
            customer_phone="+919845012345",
            address="12 MG Road",
            pincode="560001",
            payment_method=PaymentMethod.UPI,
            subtotal=Decimal("21.00"),
            total=Decimal("21.00"),
        )
        OrderItem.objects.create(
            order=order,
            product=product,
            name=product.name,
            unit_price=product.price,
            quantity=1,
            line_total=product.price,
        )
        OrderItem.objects.create(
            order=order,
            product=None,
            name="Deleted thing",
            unit_price=product.price,
            quantity=1,
            line_total=product.price,
        )
        payment = Payment.objects.create(
            order=order,
            method=PaymentMethod.UPI,
            provider="fakepay",
            provider_ref=f"ref-{next(_refs)}",
            amount=order.total,
            status=PaymentStatus.CAPTURED,
            confirmed_by=store.owner,
        )
        OrderEvent.objects.create(order=order, store=store, kind=OrderEvent.PLACED, actor=store.owner)
        PaymentEvent.objects.create(
            provider="fakepay", event_id=f"evt-{i}", event_type="payment.captured", payment=payment, body="{}"
        )


def count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)


def assert_constant(client, url: str, store, make_store) -> int:
    grow(store, make_store, n=1)
    small = count(client, url)
    grow(store, make_store, n=5)
    large = count(client, url)
    assert large == small, f"{url}: {small} queries with 1 row, {large} with 6"
    return small


@pytest.fixture
def admin_web(client, make_seller):
    client.force_login(make_seller(is_staff=True, is_superuser=True))
    return client


SELLER_PAGES = [
    "/dashboard/",
    "/dashboard/{slug}/products/",
    "/dashboard/{slug}/categories/",
    "/dashboard/{slug}/orders/",
    "/dashboard/{slug}/orders/?status=delivered",
]


@pytest.mark.parametrize("url", SELLER_PAGES)
def test_seller_dashboard_lists_cost_the_same_queries_for_few_and_many_rows(
    url, seller_web, store, make_store
):
    print(url, assert_constant(seller_web, url.format(slug=store.slug), store, make_store))


def test_the_order_detail_page_costs_the_same_queries_for_few_and_many_payments(
    seller_web, store, make_store
):
    grow(store, make_store, n=1)
    order = Order.objects.filter(store=store).first()
    url = f"/dashboard/{store.slug}/orders/{order.number}/"
    small = count(seller_web, url)
    for _ in range(4):
        Payment.objects.create(
            order=order,
            method=PaymentMethod.UPI,
            amount=order.total,
            confirmed_by=store.owner,
            status=PaymentStatus.CAPTURED,
        )
        OrderItem.objects.create(
            order=order,
            product=Product.objects.create(store=store, name="x", price=1),
            name="x",
            unit_price=Decimal(1),
            quantity=1,
            line_total=Decimal(1),
        )
    assert count(seller_web, url) == small
    print(url, small)


API_LISTS = [
    "/api/v1/stores/",
    "/api/v1/stores/{slug}/products/",
    "/api/v1/stores/{slug}/categories/",
    "/api/v1/stores/{slug}/orders/",
]


@pytest.mark.parametrize("url", API_LISTS)
def test_api_lists_cost_the_same_queries_for_few_and_many_rows(url, seller_api, store, make_store):
    print(url, assert_constant(seller_api, url.format(slug=store.slug), store, make_store))


ADMIN_CHANGELISTS = [
    "/admin/orders/order/",
    "/admin/orders/orderevent/",
    "/admin/authtoken/tokenproxy/",
    "/admin/stores/otpchallenge/",
    "/admin/payments/payment/",
    "/admin/payments/paymentevent/",
    "/admin/stores/store/",
    "/admin/stores/user/",
    "/admin/products/product/",
    "/admin/products/category/",
]


@pytest.mark.parametrize("url", ADMIN_CHANGELISTS)
def test_admin_changelists_cost_the_same_queries_for_few_and_many_rows(url, admin_web, store, make_store):
    print(url, assert_constant(admin_web, url, store, make_store))


def test_the_admin_order_page_costs_the_same_queries_for_few_and_many_items_payments_and_events(
    admin_web, store, make_store
):
    grow(store, make_store, n=1)
    order = Order.objects.filter(store=store).first()
    url = f"/admin/orders/order/{order.pk}/change/"
    count(admin_web, url)  # warm up: the first admin page caches content types
    small = count(admin_web, url)
    for i in range(5):
        product = Product.objects.create(store=store, name=f"Extra {i}", price=Decimal(1))
        OrderItem.objects.create(
            order=order,
            product=product,
            name=product.name,
            unit_price=Decimal(1),
            quantity=1,
            line_total=Decimal(1),
        )
        Payment.objects.create(
            order=order,
            method=PaymentMethod.UPI,
            amount=order.total,
            confirmed_by=make_store().owner,
            status=PaymentStatus.CAPTURED,
        )
        OrderEvent.objects.create(order=order, store=store, kind=OrderEvent.PLACED, actor=make_store().owner)
    large = count(admin_web, url)
    assert large == small, f"{url}: {small} queries with 1 item/payment/event, {large} with 6"
