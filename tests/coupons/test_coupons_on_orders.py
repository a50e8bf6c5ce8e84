"""Coupons on orders (SPEC section 7): each kind's discount worked out here by hand, every
refusal a 400 under "coupon" that places nothing, uses counted exactly under concurrency, and a
cancelled order giving its use back once."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from coupons.models import Coupon
from orders.models import Order
from orders.services import OrderError, order_status_change
from tests.checkout.test_concurrency import run_concurrently

D = Decimal


@pytest.fixture
def shop(make_store, make_product):
    store = make_store(delivery_fee=D("40"), free_delivery_above=D("1000"), gst_percent=D("5"))
    product = make_product(store, price="250.00", stock=100)
    return store, product


def _coupon(store, **fields) -> Coupon:
    return Coupon.objects.create(
        store=store, **{"code": "DIWALI10", "kind": "percent", "value": D("10"), **fields}
    )


def _post(path: str, store, product, order_body, quantity=2, **extra):
    body = order_body([{"product": product.id, "quantity": quantity}], **extra)
    return APIClient().post(f"/api/v1/stores/{store.slug}/{path}/", body, format="json")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "quantity", "discount", "delivery"),
    [
        pytest.param({}, 2, "50.00", "40.00", id="10% of 500"),
        pytest.param({"max_discount": D("30")}, 2, "30.00", "40.00", id="10% capped at 30"),
        pytest.param({"kind": "flat", "value": D("75")}, 2, "75.00", "40.00", id="flat 75"),
        pytest.param(
            {"kind": "flat", "value": D("900")}, 2, "500.00", "40.00", id="flat, at most the subtotal"
        ),
        pytest.param({"kind": "free_delivery", "value": None}, 2, "0.00", "0.00", id="free delivery"),
        pytest.param({"kind": "percent", "value": D("12.5")}, 1, "31.25", "40.00", id="12.5% of 250"),
    ],
)
def test_each_kind_of_coupon_takes_off_what_the_rules_say(
    shop, order_body, fields, quantity, discount, delivery
):
    store, product = shop
    _coupon(store, **fields)
    subtotal = D("250.00") * quantity
    goods = subtotal - D(discount)
    tax = (goods * 5 / 100).quantize(D("0.01"))
    total = goods + D(delivery) + tax
    for path in ("quote", "orders"):
        answer = _post(path, store, product, order_body, quantity, coupon="diwali10").json()
        assert (answer["subtotal"], answer["discount"], answer["delivery_fee"]) == (
            str(subtotal),
            discount,
            delivery,
        )
        assert (answer["tax"], answer["total"], answer["coupon"]) == (str(tax), str(total), "DIWALI10")
    assert Coupon.objects.get().used_count == 1, "the quote used nothing; the order one use"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "code", "reason"),
    [
        ({}, "NOPE", "not valid at this store"),
        ({"is_active": False}, "DIWALI10", "switched off"),
        ({"starts_at": timezone.now() + timedelta(days=1)}, "DIWALI10", "can be used from"),
        ({"expires_at": timezone.now() - timedelta(minutes=1)}, "DIWALI10", "expired"),
        ({"usage_limit": 3, "used_count": 3}, "DIWALI10", "used up"),
        ({"min_order": D("600")}, "DIWALI10", "at least ₹600"),
    ],
)
def test_a_coupon_that_cannot_apply_is_a_400_with_the_reason_and_nothing_is_placed(
    shop, order_body, fields, code, reason
):
    store, product = shop
    _coupon(store, **fields)
    for path in ("quote", "orders"):
        response = _post(path, store, product, order_body, coupon=code)
        assert response.status_code == 400, response.content
        assert reason in response.json()["coupon"][0]
    product.refresh_from_db()
    assert (Order.objects.count(), product.stock) == (0, 100)


@pytest.mark.django_db
def test_another_stores_coupon_is_unknown_here(shop, make_store, order_body):
    store, product = shop
    _coupon(make_store())
    assert "not valid" in _post("orders", store, product, order_body, coupon="DIWALI10").json()["coupon"][0]


@pytest.mark.django_db
def test_the_per_customer_limit_counts_one_phone_however_it_is_written(shop, order_body):
    store, product = shop
    _coupon(store, per_customer_limit=1)
    assert (
        _post(
            "orders", store, product, order_body, coupon="DIWALI10", customer_phone="9845012345"
        ).status_code
        == 201
    )
    again = _post("orders", store, product, order_body, coupon="DIWALI10", customer_phone="+91 98450 12345")
    assert again.status_code == 400 and "once per customer" in again.json()["coupon"][0]
    quoted = _post("quote", store, product, order_body, coupon="DIWALI10", customer_phone="+919845012345")
    assert quoted.status_code == 400
    assert (
        _post(
            "orders", store, product, order_body, coupon="DIWALI10", customer_phone="9811100000"
        ).status_code
        == 201
    )


@pytest.mark.django_db
def test_a_cancelled_order_gives_its_use_back_once(shop, order_body):
    store, product = shop
    coupon = _coupon(store, usage_limit=1)
    placed = _post("orders", store, product, order_body, coupon="DIWALI10").json()
    assert _post("orders", store, product, order_body, coupon="DIWALI10").status_code == 400
    order = Order.objects.get(token=placed["token"])
    order_status_change(order=order, status="cancelled", reason="Out of town", by_seller=True)
    coupon.refresh_from_db()
    assert coupon.used_count == 0
    # Cancelling twice (or rejecting after) gives nothing more back.
    with pytest.raises(OrderError):
        order_status_change(order=order, status="rejected", reason="again", by_seller=True)
    coupon.refresh_from_db()
    assert coupon.used_count == 0
    assert _post("orders", store, product, order_body, coupon="DIWALI10").status_code == 201


@pytest.mark.django_db
def test_an_order_keeps_its_discount_after_the_coupon_is_deleted(shop, order_body):
    store, product = shop
    coupon = _coupon(store)
    placed = _post("orders", store, product, order_body, coupon="DIWALI10").json()
    coupon.delete()
    order = APIClient().get(f"/api/v1/orders/{placed['token']}/").json()
    assert (order["coupon"], order["discount"], order["total"]) == ("DIWALI10", "50.00", placed["total"])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_thirty_concurrent_orders_on_a_coupon_limited_to_five_give_exactly_five(shop, order_body):
    store, product = shop
    coupon = _coupon(store, usage_limit=5)
    body = order_body([{"product": product.id, "quantity": 1}], coupon="DIWALI10")

    def checkout(_: int):
        return APIClient().post(f"/api/v1/stores/{store.slug}/orders/", body, format="json")

    responses = run_concurrently(30, checkout)
    statuses = Counter(getattr(r, "status_code", repr(r)) for r in responses)
    assert statuses == {201: 5, 400: 25}, statuses
    assert all("used up" in r.json()["coupon"][0] for r in responses if r.status_code == 400)
    coupon.refresh_from_db()
    product.refresh_from_db()
    assert (coupon.used_count, Order.objects.filter(coupon=coupon).count(), product.stock) == (5, 5, 95)
