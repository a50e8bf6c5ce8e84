"""Order status workflow: valid moves only, reasons, tracking, stock back once, outbox rows."""

from __future__ import annotations

import pytest

from orders.models import OrderEvent
from orders.services import OrderError, order_place, order_status_change


@pytest.fixture
def order(store, make_product, customer):
    product = make_product(store, stock=5)
    return order_place(store=store, items={product.id: 2}, customer=customer, payment_method="cod")


@pytest.mark.django_db
def test_an_order_moves_from_placed_to_delivered(order):
    order_status_change(order=order, status="accepted")
    order_status_change(order=order, status="shipped", tracking_id="DL123", shipping_provider="Delhivery")
    done = order_status_change(order=order, status="delivered")
    assert done.status == "delivered" and done.tracking_id == "DL123" and done.delivered_at
    kinds = list(OrderEvent.objects.filter(order=order).values_list("kind", flat=True))
    assert kinds == ["order.placed"] + ["order.status_changed"] * 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "target"), [([], "delivered"), ([], "shipped"), (["accepted", "shipped"], "cancelled")]
)
def test_invalid_moves_are_refused(order, path, target):
    for status in path:
        order_status_change(order=order, status=status, shipping_provider="Self")
    with pytest.raises(OrderError, match="cannot be marked"):
        order_status_change(order=order, status=target, reason="x")


@pytest.mark.django_db
def test_cancelling_needs_a_reason_and_restores_stock_exactly_once(order, store):
    with pytest.raises(OrderError, match="Say why"):
        order_status_change(order=order, status="cancelled")
    product = store.products.get()
    assert product.stock == 3
    order_status_change(order=order, status="cancelled", reason="Customer changed their mind")
    product.refresh_from_db()
    assert product.stock == 5
    with pytest.raises(OrderError):
        order_status_change(order=order, status="rejected", reason="again")
    product.refresh_from_db()
    assert product.stock == 5


@pytest.mark.django_db
def test_shipping_needs_a_provider_or_tracking_id(order):
    order_status_change(order=order, status="accepted")
    with pytest.raises(OrderError, match="shipping provider"):
        order_status_change(order=order, status="shipped")


@pytest.mark.django_db
def test_a_seller_cannot_mark_an_unpaid_order_placed(store, make_product, customer):
    product = make_product(store)
    order = order_place(store=store, items={product.id: 1}, customer=customer, payment_method="gateway")
    with pytest.raises(OrderError, match="payment is confirmed"):
        order_status_change(order=order, status="placed")
