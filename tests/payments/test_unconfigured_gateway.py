"""A gateway not set up takes nothing: no event without a webhook key, no fake gateway switched off."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from orders.models import Order
from payments.models import Payment, PaymentEvent

pytestmark = pytest.mark.django_db

WEBHOOK_URL = "/api/v1/payments/webhooks/fake/"


def _captured(payment) -> bytes:
    data = {"payment_ref": payment.provider_ref, "amount": str(payment.amount), "currency": "INR"}
    return json.dumps({"id": "evt_1", "type": "payment.captured", "data": data}).encode()


@pytest.mark.parametrize("header", ["sha256=", "", None])
def test_with_an_empty_webhook_secret_every_event_is_refused(gateway_order, client, settings, header):
    order, payment = gateway_order
    settings.DUKAAN_PAYMENT_WEBHOOK_SECRET = ""
    body = _captured(payment)
    if header is None:  # what an attacker signs when the key is empty
        header = "sha256=" + hmac.new(b"", body, hashlib.sha256).hexdigest()

    response = client.post(
        WEBHOOK_URL, data=body, content_type="application/json", HTTP_X_DUKAAN_SIGNATURE=header
    )

    assert response.status_code == 401
    assert PaymentEvent.objects.count() == 0
    order.refresh_from_db()
    assert order.paid_at is None


def test_fake_gateway_is_off_when_disabled(gateway_order, client, settings):
    _, payment = gateway_order
    settings.DUKAAN_FAKE_GATEWAY_ENABLED = False
    assert client.get(f"/pay/fake/{payment.provider_ref}/").status_code == 404
    assert (
        client.post("/api/v1/payments/webhooks/fake/", b"{}", content_type="application/json").status_code
        == 404
    )


def test_a_switched_off_fake_gateway_is_unreachable_everywhere(gateway_order, client, settings, store):
    order, payment = gateway_order
    settings.DUKAAN_FAKE_GATEWAY_ENABLED = False

    assert client.get(f"/pay/fake/{payment.provider_ref}/").status_code == 404
    assert client.post(f"/pay/fake/{payment.provider_ref}/", {"action": "pay"}).status_code == 404
    body = _captured(payment)
    signature = (
        "sha256="
        + hmac.new(settings.DUKAAN_PAYMENT_WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    )
    response = client.post(
        WEBHOOK_URL, data=body, content_type="application/json", HTTP_X_DUKAAN_SIGNATURE=signature
    )
    assert response.status_code == 404
    # "Pay again" opens no new payment, and a new order cannot choose the gateway.
    client.post(f"/pay/order/{order.token}/")
    assert Payment.objects.filter(order=order).count() == 1
    product = order.items.first().product
    placed = client.post(
        f"/api/v1/stores/{store.slug}/orders/",
        {
            "customer_name": "Meera",
            "customer_phone": "+919845012345",
            "address": "MG Road",
            "pincode": "560001",
            "payment_method": "gateway",
            "items": [{"product": product.id, "quantity": 1}],
        },
        content_type="application/json",
    )
    assert placed.status_code == 400
    assert Order.objects.count() == 1
    order.refresh_from_db()
    assert order.paid_at is None
