"""An idempotency key returns its order only to the same request again: never another customer's order."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from orders.models import Order
from tests.checkout.test_cart_and_checkout import CHECKOUT_FORM


@pytest.fixture
def product(store, make_product):
    return make_product(store, name="Chai", price="40.00", stock=10)


def _post(api_client, store, body, key):
    return api_client.post(
        f"/api/v1/stores/{store.slug}/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY=key
    )


def test_the_same_request_with_the_same_key_gets_the_same_order(api_client, store, product, order_body):
    body = order_body([{"product": product.id, "quantity": 2}])
    first = _post(api_client, store, body, "checkout-1")
    again = _post(api_client, store, body, "checkout-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["token"] == again.json()["token"]
    assert Order.objects.count() == 1


def test_another_request_with_someone_elses_key_is_a_409_and_learns_nothing(
    api_client, store, product, order_body
):
    victim = _post(api_client, store, order_body([{"product": product.id, "quantity": 1}]), "checkout-1")
    assert victim.status_code == 201
    attacker_body = order_body(
        [{"product": product.id, "quantity": 1}], customer_name="Mallory", address="Elsewhere 1"
    )
    stolen = _post(api_client, store, attacker_body, "checkout-1")
    assert stolen.status_code == 409
    text = stolen.content.decode()
    assert "different order" in stolen.json()["detail"]
    for secret in (victim.json()["token"], victim.json()["customer_name"], victim.json()["address"]):
        assert secret not in text
    # Changes nothing: no second order, no stock taken.
    assert Order.objects.count() == 1
    product.refresh_from_db()
    assert product.stock == 9


def test_a_different_basket_under_the_same_key_is_a_409(api_client, store, product, order_body):
    _post(api_client, store, order_body([{"product": product.id, "quantity": 1}]), "k-basket")
    other = _post(api_client, store, order_body([{"product": product.id, "quantity": 3}]), "k-basket")
    assert other.status_code == 409
    assert Order.objects.count() == 1


def test_the_web_checkout_key_answers_only_the_session_it_was_given_to(client, store, product):
    client.post(f"/{store.slug}/cart/add/", {"product": product.id, "quantity": "1"})
    page = client.get(f"/{store.slug}/checkout/").content.decode()
    key = re.search(r'name="checkout_key" value="([^"]+)"', page).group(1)
    placed = client.post(
        f"/{store.slug}/checkout/", {**CHECKOUT_FORM, "payment_method": "cod", "checkout_key": key}
    )
    assert placed.status_code == 302 and placed["Location"].startswith("/o/")

    # Someone else who learns the key (another session) gets no order page out of it.
    other = Client()
    other.post(f"/{store.slug}/cart/add/", {"product": product.id, "quantity": "1"})
    replay = other.post(
        f"/{store.slug}/checkout/", {**CHECKOUT_FORM, "payment_method": "cod", "checkout_key": key}
    )
    assert replay.status_code == 409
    assert placed["Location"] not in replay.content.decode()
    assert "different order" in replay.content.decode()
    assert Order.objects.count() == 1
