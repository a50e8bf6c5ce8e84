"""cancel_unpaid_orders: unpaid gateway orders past their minutes-long hold are cancelled, and UPI
orders past theirs; fresh ones and cash on delivery never; bad holds refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from orders.models import Order, OrderStatus
from orders.services import order_place


def _aged(order: Order, minutes: float) -> None:
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(minutes=minutes))


@pytest.mark.django_db
def test_unpaid_gateway_orders_hold_stock_for_minutes_not_a_day(
    store, make_product, customer, capsys, settings
):
    settings.DUKAAN_UNPAID_ORDER_MINUTES = 15
    product = make_product(store, stock=3)
    stale = order_place(store=store, items={product.id: 2}, customer=customer, payment_method="gateway")
    fresh = order_place(store=store, items={product.id: 1}, customer=customer, payment_method="gateway")
    _aged(stale, 16)
    _aged(fresh, 5)
    call_command("cancel_unpaid_orders")
    out = capsys.readouterr().out
    assert "1 unpaid order(s) past their hold (gateway after 15 min, UPI after 1440 min)." in out
    assert "Done: 1 cancelled." in out
    stale.refresh_from_db()
    fresh.refresh_from_db()
    product.refresh_from_db()
    assert (stale.status, fresh.status, product.stock) == ("cancelled", "pending_payment", 2)
    assert stale.reason == "Not paid within 15 minutes"


@pytest.mark.django_db
def test_unconfirmed_upi_orders_are_released_after_their_longer_hold(
    store, make_product, customer, capsys, settings
):
    settings.DUKAAN_UNPAID_UPI_HOURS = 2
    product = make_product(store, stock=5)
    # The attack of issue 13: five UPI orders that are never paid take the whole stock off sale.
    orders = [
        order_place(store=store, items={product.id: 1}, customer=customer, payment_method="upi")
        for _ in range(5)
    ]
    product.refresh_from_db()
    assert product.stock == 0
    for order in orders[:4]:
        _aged(order, 121)
    _aged(orders[4], 60)
    call_command("cancel_unpaid_orders")
    product.refresh_from_db()
    assert product.stock == 4
    assert [Order.objects.get(pk=o.pk).status for o in orders] == ["cancelled"] * 4 + ["pending_payment"]
    orders[0].refresh_from_db()
    assert orders[0].reason == "Not paid within 2 hours"


@pytest.mark.django_db
def test_keep_upi_leaves_upi_and_cash_orders_alone(store, make_product, customer):
    product = make_product(store, stock=5)
    upi = order_place(store=store, items={product.id: 1}, customer=customer, payment_method="upi")
    cod = order_place(store=store, items={product.id: 1}, customer=customer, payment_method="cod")
    _aged(upi, 60 * 48)
    _aged(cod, 60 * 48)
    call_command("cancel_unpaid_orders", "--keep-upi")
    call_command("cancel_unpaid_orders", "--upi-minutes", "1")  # cash on delivery is never unpaid-cancelled
    upi.refresh_from_db()
    cod.refresh_from_db()
    assert (upi.status, cod.status) == ("cancelled", cod.status)
    assert cod.status != OrderStatus.CANCELLED


@pytest.mark.django_db
def test_cancel_unpaid_orders_dry_run_says_how_many_it_would_cancel(store, make_product, customer, capsys):
    product = make_product(store, stock=3)
    stale = order_place(store=store, items={product.id: 1}, customer=customer, payment_method="gateway")
    _aged(stale, 60)
    call_command("cancel_unpaid_orders", "--dry-run")
    out = capsys.readouterr().out
    assert "Dry run: 1 would be cancelled, nothing changed." in out
    assert "would cancel" in out
    stale.refresh_from_db()
    assert stale.status == OrderStatus.PENDING_PAYMENT


@pytest.mark.django_db
@pytest.mark.parametrize("flag", ["--gateway-minutes", "--upi-minutes"])
@pytest.mark.parametrize("minutes", ["0", "-5", "nan"])
def test_cancel_unpaid_orders_refuses_a_hold_that_would_cancel_orders_being_paid_right_now(
    flag, minutes, store, make_product, customer
):
    product = make_product(store, stock=3)
    fresh = order_place(store=store, items={product.id: 1}, customer=customer, payment_method="gateway")
    with pytest.raises(CommandError, match="more than 0 minutes"):
        call_command("cancel_unpaid_orders", flag, minutes)
    fresh.refresh_from_db()
    assert fresh.status == OrderStatus.PENDING_PAYMENT
