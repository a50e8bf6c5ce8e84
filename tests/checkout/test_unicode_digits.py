"""Odd digits a phone keyboard can type ("²", "٣") get a clear refusal, never a server error."""

from __future__ import annotations

import pytest

from checkout.cart import get_cart


@pytest.mark.parametrize("field, value", [("product", "²"), ("quantity", "²"), ("quantity", "٣")])
def test_adding_to_cart_with_unicode_digits_is_refused(client, store, make_product, field, value):
    product = make_product(store)
    data = {"product": str(product.id), "quantity": "1", field: value}

    response = client.post(f"/{store.slug}/cart/add/", data)

    assert response.status_code == 400
    assert get_cart(response.wsgi_request, store.id) == {}


def test_changing_cart_quantities_with_unicode_digits_changes_nothing(client, store, make_product):
    product = make_product(store)
    client.post(f"/{store.slug}/cart/add/", {"product": str(product.id), "quantity": "2"})

    removed = client.post(f"/{store.slug}/cart/", {"remove": "²"})
    changed = client.post(f"/{store.slug}/cart/", {f"quantity_{product.id}": "³"})

    assert removed.status_code == changed.status_code == 302
    assert get_cart(changed.wsgi_request, store.id) == {(product.id, None): 2}


def test_api_order_with_unicode_digit_quantity_is_a_clear_400(api_client, store, make_product):
    product = make_product(store)
    body = {
        "customer_name": "Ravi", "customer_phone": "9876543210", "address": "1 MG Road",
        "pincode": "560001", "payment_method": "cod", "items": [{"product": product.id, "quantity": "²"}],
    }  # fmt: skip

    response = api_client.post(f"/api/v1/stores/{store.slug}/orders/", body, format="json")

    assert response.status_code == 400
    assert "quantity" in str(response.json()).lower()
