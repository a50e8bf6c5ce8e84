"""The relay: each outbox event becomes the notifications it calls for, once, for the right phone."""

from __future__ import annotations

from decimal import Decimal

import pytest

from notifications.models import Notification, NotificationSettings
from notifications.services import outbox_relay
from orders.models import OrderEvent
from orders.services import order_mark_paid, order_place, order_status_change
from payments.services import payment_manual_confirm


@pytest.fixture
def chai(store, make_product):
    return make_product(store, price=Decimal("120.00"), stock=20)


def kinds() -> list[tuple[str, str]]:
    return sorted(Notification.objects.values_list("kind", "recipient"))


def test_a_cash_order_tells_the_seller_on_the_stores_whatsapp_number(store, chai, customer):
    store.whatsapp_number = "+919811122233"
    store.save()
    order_place(store=store, items={chai.id: 1}, customer=customer, payment_method="cod")

    ids = outbox_relay()

    assert len(ids) == 1
    assert kinds() == [("order.placed", "+919811122233")]
    assert not OrderEvent.objects.filter(consumed_at__isnull=True).exists()


def test_without_a_whatsapp_number_the_owners_phone_gets_it(store, chai, customer, seller):
    order_place(store=store, items={chai.id: 1}, customer=customer, payment_method="cod")
    outbox_relay()
    assert kinds() == [("order.placed", seller.phone)]


def test_relaying_twice_makes_nothing_twice(store, chai, customer):
    order_place(store=store, items={chai.id: 1}, customer=customer, payment_method="cod")
    first = outbox_relay()
    OrderEvent.objects.update(consumed_at=None)  # as if the first relay's mark were lost

    # The same notification is handed out again (delivery is claimed, so that is harmless).
    assert outbox_relay() == first
    assert Notification.objects.count() == 1


def test_a_gateway_order_is_announced_when_paid_not_when_placed(store, chai, customer, seller):
    from django.db import transaction

    order = order_place(store=store, items={chai.id: 1}, customer=customer, payment_method="gateway")
    outbox_relay()
    assert kinds() == []

    with transaction.atomic():
        order_mark_paid(order=order, source="test capture")
    outbox_relay()
    assert kinds() == [("order.placed", seller.phone)]


def test_a_upi_order_is_announced_at_once_and_its_confirmation_tells_the_customer(
    store, chai, customer, seller
):
    order = order_place(store=store, items={chai.id: 1}, customer=customer, payment_method="upi")
    payment_manual_confirm(order=order, actor=seller)
    outbox_relay()
    assert kinds() == [("order.placed", seller.phone), ("payment.captured", customer.phone)]


def test_each_step_tells_the_customer(store, chai, customer, seller):
    order = order_place(store=store, items={chai.id: 1}, customer=customer, payment_method="cod")
    order_status_change(order=order, status="accepted", actor=seller)
    order_status_change(order=order, status="shipped", shipping_provider="Delhivery", tracking_id="DL1")
    order_status_change(order=order, status="delivered")
    other = order_place(store=store, items={chai.id: 1}, customer=customer, payment_method="cod")
    order_status_change(order=other, status="rejected", reason="Closed today")
    third = order_place(store=store, items={chai.id: 1}, customer=customer, payment_method="cod")
    order_status_change(order=third, status="cancelled", reason="Customer asked")

    outbox_relay()

    customer_kinds = sorted(k for k, to in kinds() if to == customer.phone)
    assert customer_kinds == [
        "order.accepted",
        "order.cancelled",
        "order.delivered",
        "order.rejected",
        "order.shipped",
    ]


def test_a_kind_the_seller_turned_off_is_not_sent_and_confirmations_are_opt_in(store, chai, customer, seller):
    NotificationSettings.objects.create(store=store, order_placed=False, order_received=True)
    order = order_place(store=store, items={chai.id: 1}, customer=customer, payment_method="cod")
    order_status_change(order=order, status="accepted")
    outbox_relay()
    assert kinds() == [("order.accepted", customer.phone), ("order.received", customer.phone)]


def test_a_new_outbox_row_asks_for_a_relay_only_after_commit(
    store, chai, customer, settings, django_capture_on_commit_callbacks
):
    settings.DUKAAN_NOTIFY_DELIVERY = "inline"
    settings.DUKAAN_NOTIFY_BACKEND = "console"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        order_place(store=store, items={chai.id: 1}, customer=customer, payment_method="cod")
    assert Notification.objects.count() == 0  # nothing before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    assert Notification.objects.get().status == "delivered"


def test_each_message_is_written_in_its_readers_language(store, chai, customer, seller):
    # The seller reads English; the store's shoppers Hindi.
    seller.language = "en"
    seller.save()
    store.language = "hi"
    store.save()
    order = order_place(store=store, items={chai.id: 1}, customer=customer, payment_method="cod")
    order_status_change(order=order, status="accepted")
    outbox_relay()

    to_seller = Notification.objects.get(kind="order.placed")
    to_customer = Notification.objects.get(kind="order.accepted")
    assert to_seller.message.startswith(f"New order #{order.number}")
    assert "स्वीकार कर लिया है" in to_customer.message and store.name in to_customer.message
