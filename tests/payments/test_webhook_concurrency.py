"""The same event delivered at the same moment by several gateway retries, on real PostgreSQL."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from orders.models import OrderEvent
from payments.models import PaymentEvent
from payments.providers.fake import FakeProvider

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_simultaneous_duplicate_deliveries_mark_the_order_paid_once(gateway_order):
    order, payment = gateway_order
    body = json.dumps(
        {
            "id": "evt_storm",
            "type": "payment.captured",
            "data": {"payment_ref": payment.provider_ref, "amount": "300.00", "currency": "INR"},
        }
    ).encode()
    barrier = threading.Barrier(6)
    statuses: list[int] = []

    def deliver() -> None:
        try:
            barrier.wait(timeout=30)
            response = Client().post(
                "/api/v1/payments/webhooks/fake/",
                body,
                content_type="application/json",
                HTTP_X_DUKAAN_SIGNATURE=FakeProvider.sign(body),
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200] * 6
    assert PaymentEvent.objects.filter(event_id="evt_storm").count() == 1
    order.refresh_from_db()
    assert order.is_paid
    assert OrderEvent.objects.filter(order=order, kind=OrderEvent.PAID).count() == 1
