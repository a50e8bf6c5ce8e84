"""cancel_unpaid_orders: stale unpaid gateway orders are cancelled, fresh ones never; bad windows refused."""

from __future__ import annotations

import pytest

from orders.models import Order, OrderStatus
from orders.services import order_place


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
