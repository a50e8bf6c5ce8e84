"""Anonymous order placement is limited per network (an IPv6 /64), per phone and per store, so
nobody can take a store's stock off sale with a burst of orders (security review, issue 13).

The counters live in the shared cache: Redis in CI, so every app server counts together."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from orders.models import Order
from tests.checkout.test_cart_and_checkout import CHECKOUT_FORM, add

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def order_limits(settings, rate_limit_clock_mid_window):
    """Small limits, and counters from other tests forgotten."""
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("ratelimit:*")
    else:
        cache.clear()
    settings.DUKAAN_ORDER_LIMIT_WINDOW_SECONDS = 600
    settings.DUKAAN_ORDER_LIMIT_PER_IP = 3
    settings.DUKAAN_ORDER_LIMIT_PER_PHONE = 100
    settings.DUKAAN_ORDER_LIMIT_PER_STORE = 100
    return settings


@pytest.fixture
def product(store, make_product):
    return make_product(store, name="Chai", price="40.00", stock=50)


def _order(api_client, store, body, ip="198.51.100.7", **extra):
    return api_client.post(
        f"/api/v1/stores/{store.slug}/orders/", body, format="json", REMOTE_ADDR=ip, **extra
    )


def _body(order_body, product, phone="98450 12345"):
    return order_body([{"product": product.id, "quantity": 1}], customer_phone=phone)


def test_a_burst_from_one_address_is_refused_with_429_and_places_nothing_more(
    api_client, store, product, order_body
):
    replies = [_order(api_client, store, _body(order_body, product, f"98450 1234{i}")) for i in range(6)]
    assert [r.status_code for r in replies] == [201, 201, 201, 429, 429, 429]
    refused = replies[3]
    assert "Too many orders from your network" in refused.json()["detail"]
    assert 0 < int(refused["Retry-After"]) <= 601 and refused.json()["retry_after"] == int(
        refused["Retry-After"]
    )
    assert Order.objects.count() == 3
    product.refresh_from_db()
    assert product.stock == 47
    # Another network still orders.
    assert _order(api_client, store, _body(order_body, product), ip="203.0.113.5").status_code == 201


def test_an_ipv6_client_is_counted_by_its_64_network(api_client, store, product, order_body):
    addresses = ["2001:db8:1:2::1", "2001:db8:1:2::abcd", "2001:db8:1:2:ffff::9", "2001:db8:1:2::77"]
    statuses = [_order(api_client, store, _body(order_body, product), ip=a).status_code for a in addresses]
    assert statuses == [201, 201, 201, 429]
    assert _order(api_client, store, _body(order_body, product), ip="2001:db8:1:3::1").status_code == 201


def test_behind_our_proxy_the_forwarded_client_is_counted_not_the_proxy(
    api_client, store, product, order_body
):
    for i in range(3):
        forwarded = {"HTTP_X_FORWARDED_FOR": f"198.51.100.{i + 1}"}
        assert (
            _order(api_client, store, _body(order_body, product), ip="127.0.0.1", **forwarded).status_code
            == 201
        )
    assert _order(api_client, store, _body(order_body, product), ip="127.0.0.1").status_code == 201


def test_one_phone_is_limited_across_networks(order_limits, api_client, store, product, order_body):
    order_limits.DUKAAN_ORDER_LIMIT_PER_PHONE = 2
    statuses = [
        _order(api_client, store, _body(order_body, product), ip=f"203.0.113.{i}").status_code
        for i in range(3)
    ]
    assert statuses == [201, 201, 429]
    refused = _order(api_client, store, _body(order_body, product, "+91 98450 12345"), ip="203.0.113.50")
    assert refused.status_code == 429, "another spelling of the same number is the same phone"
    assert "for this phone number" in refused.json()["detail"]
    assert (
        _order(api_client, store, _body(order_body, product, "98450 99999"), ip="203.0.113.51").status_code
        == 201
    )


def test_one_store_is_limited_across_networks_and_phones(
    order_limits, api_client, store, make_store, make_product, product, order_body
):
    order_limits.DUKAAN_ORDER_LIMIT_PER_STORE = 2
    statuses = [
        _order(
            api_client, store, _body(order_body, product, f"98450 5555{i}"), ip=f"203.0.113.{i}"
        ).status_code
        for i in range(3)
    ]
    assert statuses == [201, 201, 429]
    other_store = make_store(name="Other Shop")
    other_product = make_product(other_store, stock=5)
    assert (
        _order(api_client, other_store, _body(order_body, other_product), ip="203.0.113.9").status_code == 201
    )


def test_the_web_checkout_is_limited_too(client, store, product):
    statuses = []
    for _ in range(4):
        add(client, store, product)
        placed = client.post(
            f"/{store.slug}/checkout/", {**CHECKOUT_FORM, "payment_method": "cod"}, REMOTE_ADDR="198.51.100.7"
        )
        statuses.append(placed.status_code)
    assert statuses == [302, 302, 302, 429]
    assert "Too many orders from your network" in placed.content.decode()
    assert placed["Retry-After"]
    assert Order.objects.count() == 3
    assert client.session["carts"][str(store.id)] == {str(product.id): 1}, "the refused cart is kept"


def test_bad_orders_do_not_use_up_the_store_limit(order_limits, api_client, store, product, order_body):
    order_limits.DUKAAN_ORDER_LIMIT_PER_STORE = 1
    # Refused before any counting: a flood of invalid bodies cannot lock a store's customers out.
    for _ in range(5):
        assert _order(api_client, store, {"items": []}, ip="203.0.113.77").status_code == 400
    assert _order(api_client, store, _body(order_body, product), ip="203.0.113.78").status_code == 201
    assert _order(api_client, store, _body(order_body, product), ip="203.0.113.79").status_code == 429
