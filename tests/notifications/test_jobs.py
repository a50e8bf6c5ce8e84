"""Scheduled jobs: each under a lock (a second run at once skips), and what each one does."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import psycopg2
import pytest
from django.db import connection
from django.utils import timezone

from notifications import jobs
from notifications.locks import lock_key
from notifications.models import Notification
from notifications.services import outbox_relay
from orders.models import Order, OrderEvent, OrderStatus
from orders.services import order_place


@pytest.fixture
def chai(store, make_product):
    return make_product(store, price=Decimal("120.00"), stock=10)


def test_unpaid_gateway_orders_past_their_hold_are_cancelled_once(store, chai, customer):
    old = order_place(store=store, items={chai.id: 4}, customer=customer, payment_method="gateway")
    Order.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(minutes=31))
    upi = order_place(store=store, items={chai.id: 1}, customer=customer, payment_method="upi")
    Order.objects.filter(pk=upi.pk).update(created_at=timezone.now() - timedelta(hours=23))

    assert jobs.unpaid_orders_job().startswith("cancelled 1 unpaid order(s)")
    assert jobs.unpaid_orders_job().startswith("cancelled 0")

    chai.refresh_from_db()
    assert chai.stock == 9  # 4 back once; the 23-hour-old UPI order keeps its unit
    assert Order.objects.get(pk=old.pk).status == OrderStatus.CANCELLED
    assert Order.objects.get(pk=upi.pk).status == OrderStatus.PENDING_PAYMENT
    outbox_relay()
    (told,) = Notification.objects.filter(kind="order.cancelled")
    assert told.order_id == old.pk and "Not paid within 30 minutes" in told.message


@pytest.mark.postgres
def test_a_job_whose_lock_another_session_holds_is_skipped(store, chai, customer):
    old = order_place(store=store, items={chai.id: 1}, customer=customer, payment_method="gateway")
    Order.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=1))
    s = connection.settings_dict
    other = psycopg2.connect(
        dbname=s["NAME"], user=s["USER"], host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432
    )
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [lock_key("orders.cancel_unpaid")])
        assert jobs.unpaid_orders_job() == jobs.SKIPPED
        assert Order.objects.get(pk=old.pk).status == OrderStatus.PENDING_PAYMENT
        with other.cursor() as cursor:
            # Released here, not by close(): the server ends a closed session a moment later.
            cursor.execute("SELECT pg_advisory_unlock(%s)", [lock_key("orders.cancel_unpaid")])
    finally:
        other.close()
    assert jobs.unpaid_orders_job().startswith("cancelled 1")


def test_prune_deletes_old_handled_outbox_rows_only(store, chai, customer, settings):
    settings.DUKAAN_OUTBOX_RETENTION_DAYS = 30
    order_place(store=store, items={chai.id: 1}, customer=customer, payment_method="cod")
    order_place(store=store, items={chai.id: 1}, customer=customer, payment_method="cod")
    first, second = OrderEvent.objects.order_by("id")
    outbox_relay()
    long_ago = timezone.now() - timedelta(days=31)
    OrderEvent.objects.filter(pk=first.pk).update(consumed_at=long_ago)
    OrderEvent.objects.filter(pk=second.pk).update(consumed_at=None)  # still owed to the relay

    line = jobs.prune_job()

    assert line.startswith("pruned 1 outbox row(s)")
    assert list(OrderEvent.objects.values_list("pk", flat=True)) == [second.pk]
    assert Notification.objects.count() == 2  # the notification outlives its outbox row
    assert Notification.objects.filter(event__isnull=True).count() == 1


def test_readyz_shows_the_queue_to_the_operator(client, store, chai, customer):
    order_place(store=store, items={chai.id: 1}, customer=customer, payment_method="cod")

    checks = client.get("/readyz").json()["checks"]

    queue = checks["notifications"]
    assert queue["ok"] is True and queue["outbox_unrelayed"] == 1
    assert queue["oldest_unrelayed_seconds"] >= 0 and queue["undelivered"] == 0
