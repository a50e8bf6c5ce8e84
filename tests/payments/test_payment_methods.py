"""UPI deep link and QR, the seller's "payment received", the fake gateway pages."""

from __future__ import annotations

import pytest

from orders.services import CustomerDetails, order_place
from payments.services import PaymentError, payment_manual_confirm
from payments.upi import upi_qr_svg, upi_uri

pytestmark = pytest.mark.django_db


@pytest.fixture
def upi_order(make_store, make_product, seller):
    store = make_store(owner=seller, name="Asha & Sons", upi_id="asha@okaxis")
    product = make_product(store, "Ladoo", "99.50")
    customer = CustomerDetails(name="Meera", phone="+919845012345", address="MG Road", pincode="560001")
    return order_place(store=store, items={product.id: 3}, customer=customer, payment_method="upi")


def test_upi_link_carries_the_upi_id_exact_amount_and_order_reference(upi_order):
    uri = upi_uri(upi_order)
    assert uri.startswith("upi://pay?pa=asha@okaxis&pn=Asha%20%26%20Sons&am=298.50&cu=INR&tn=")
    assert uri.endswith(f"&tr={upi_order.reference}")
    assert upi_qr_svg(upi_order).startswith("<svg")


def test_payment_received_records_who_and_when_and_places_the_order(upi_order, seller):
    payment = payment_manual_confirm(order=upi_order, actor=seller)
    upi_order.refresh_from_db()
    assert (payment.confirmed_by, payment.status, payment.amount) == (seller, "captured", upi_order.total)
    assert upi_order.is_paid and upi_order.status == "placed"
    with pytest.raises(PaymentError, match="already marked paid"):
        payment_manual_confirm(order=upi_order, actor=seller)


def test_gateway_orders_cannot_be_marked_paid_by_hand(store, make_product, seller):
    product = make_product(store)
    customer = CustomerDetails(name="Meera", phone="+919845012345", address="MG Road", pincode="560001")
    order = order_place(store=store, items={product.id: 1}, customer=customer, payment_method="gateway")
    with pytest.raises(PaymentError, match="confirmed by the gateway"):
        payment_manual_confirm(order=order, actor=seller)


def test_fake_gateway_page_offers_pay_and_fail(gateway_order, client):
    _, payment = gateway_order
    page = client.get(f"/pay/fake/{payment.provider_ref}/").content.decode()
    assert "Fake Gateway" in page and "₹300" in page and 'value="fail"' in page
    assert client.get("/pay/fake/pay_unknown/").status_code == 404


def test_pay_again_reuses_the_pending_payment(gateway_order, client):
    order, payment = gateway_order
    response = client.post(f"/pay/order/{order.token}/")
    assert response.status_code == 302 and payment.provider_ref in response["Location"]
    assert order.payments.count() == 1
