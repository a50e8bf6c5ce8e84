"""Absolute URLs come from DUKAAN_PUBLIC_URL: a forged Host header (or port) steers no payment link."""

from __future__ import annotations

import pytest

from orders.models import Order


@pytest.mark.django_db
def test_a_forged_host_port_does_not_steer_the_payment_link(
    api_client, store, make_product, order_body, settings
):
    settings.DUKAAN_PUBLIC_URL = "https://shop.example.in"
    product = make_product(store, "Thali", "150.00", stock=5)
    response = api_client.post(
        f"/api/v1/stores/{store.slug}/orders/",
        order_body([{"product": product.id, "quantity": 1}], payment_method="gateway"),
        format="json",
        HTTP_HOST="127.0.0.1:6666",
    )
    assert response.status_code == 201
    assert response.json()["payment_url"].startswith("https://shop.example.in/pay/fake/")
    assert "6666" not in response.content.decode()
    assert Order.objects.count() == 1


@pytest.mark.django_db
def test_the_fake_gateway_sends_its_webhook_to_the_public_address_not_the_host_header(
    gateway_order, client, settings, monkeypatch
):
    from payments.providers.fake import FakeProvider

    _order, payment = gateway_order
    delivered_to = []

    def record(self, *, url, body):
        delivered_to.append(url)
        return 0

    # Where the signed webhook would go is what matters; the delivery itself is tested over HTTP
    # in test_end_to_end_http.py.
    monkeypatch.setattr(FakeProvider, "deliver", record)
    settings.DUKAAN_PUBLIC_URL = "https://shop.example.in"
    client.post(f"/pay/fake/{payment.provider_ref}/", {"action": "pay"}, HTTP_HOST="127.0.0.1:6666")
    assert delivered_to == ["https://shop.example.in/api/v1/payments/webhooks/fake/"]
