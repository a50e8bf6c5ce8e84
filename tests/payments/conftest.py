from __future__ import annotations

import json
import uuid
from decimal import Decimal

import pytest
from django.test import RequestFactory

from orders.services import CustomerDetails, order_place
from payments.providers.fake import FakeProvider
from payments.services import payment_gateway_start

WEBHOOK_URL = "/api/v1/payments/webhooks/fake/"


@pytest.fixture
def gateway_order(store, make_product):
    """An order of 2 x 150.00 waiting for an online payment, with its pending gateway payment."""
    product = make_product(store, "Thali", "150.00", stock=10)
    customer = CustomerDetails(name="Meera", phone="+919845012345", address="MG Road", pincode="560001")
    order = order_place(store=store, items={product.id: 2}, customer=customer, payment_method="gateway")
    payment, _ = payment_gateway_start(order=order, request=RequestFactory().get("/"))
    return order, payment


@pytest.fixture
def send_event(client):
    """Deliver a signed event to the webhook endpoint; returns the response."""

    def send(
        payment,
        event_type: str = "payment.captured",
        *,
        event_id: str | None = None,
        amount: Decimal | str | None = None,
        currency: str | None = None,
        signature: str | None = None,
        raw: bytes | None = None,
    ):
        body = (
            raw
            or json.dumps(
                {
                    "id": event_id or f"evt_{uuid.uuid4().hex}",
                    "type": event_type,
                    "data": {
                        "payment_ref": payment.provider_ref,
                        "amount": str(payment.amount if amount is None else amount),
                        "currency": currency or payment.currency,
                    },
                }
            ).encode()
        )
        return client.post(
            WEBHOOK_URL,
            data=body,
            content_type="application/json",
            HTTP_X_DUKAAN_SIGNATURE=signature if signature is not None else FakeProvider.sign(body),
        )

    return send
