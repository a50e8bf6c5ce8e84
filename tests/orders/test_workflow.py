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


@pytest.mark.django_db
def test_stale_unpaid_gateway_orders_are_cancelled_and_their_stock_returns(
    store, make_product, customer, capsys
):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from orders.models import Order

    product = make_product(store, stock=3)
    stale = order_place(store=store, items={product.id: 2}, customer=customer, payment_method="gateway")
    fresh = order_place(store=store, items={product.id: 1}, customer=customer, payment_method="gateway")
    Order.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(hours=30))
    call_command("cancel_unpaid_orders", "--hours", "24")
    assert "1 cancelled" in capsys.readouterr().out
    stale.refresh_from_db()
    fresh.refresh_from_db()
    product.refresh_from_db()
    assert (stale.status, fresh.status, product.stock) == ("cancelled", "pending_payment", 2)
