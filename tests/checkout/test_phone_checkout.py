"""Issue 14's checkout friction on a phone: a changed quantity survives "Checkout", a payment method
is always chosen, the shopper can reach the seller from the order page."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.conf import settings

from orders.models import Order

CUSTOMER = {
    "customer_name": "Ravi Kumar",
    "customer_phone": "9845012345",
    "address": "12, 4th Cross, Bengaluru",
    "pincode": "560038",
    "note": "",
}

pytestmark = pytest.mark.django_db


def _add(client, store, product, quantity=1):
    return client.post(f"/{store.slug}/cart/add/", {"product": product.id, "quantity": quantity})


def test_a_quantity_changed_without_update_is_kept_when_tapping_checkout(store, make_product, client):
    product = make_product(store, stock=10)
    _add(client, store, product)
    response = client.post(f"/{store.slug}/cart/", {f"quantity_{product.id}": "3", "checkout": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"/{store.slug}/checkout/"
    page = client.get(f"/{store.slug}/checkout/").content.decode()
    assert f"3 \u00d7 {product.name}" in page


def test_checkout_with_a_quantity_beyond_stock_stays_on_the_cart(store, make_product, client):
    product = make_product(store, stock=2)
    _add(client, store, product)
    response = client.post(f"/{store.slug}/cart/", {f"quantity_{product.id}": "5", "checkout": "1"})
    assert response["Location"] == f"/{store.slug}/cart/"
    assert "Only 2 left" in client.get(f"/{store.slug}/cart/").content.decode()


def test_remove_posts_outside_the_quantity_form_so_enter_never_removes_a_line(store, make_product, client):
    product = make_product(store)
    _add(client, store, product)
    html = client.get(f"/{store.slug}/cart/").content.decode()
    assert 'form="co-remove" name="remove"' in html
    assert '<form id="co-remove" method="post"' in html
    assert html.index('name="update"') < html.index('name="checkout"')


def test_the_first_payment_method_is_chosen_and_the_name_autocompletes(make_store, make_product, client):
    store = make_store(upi_id="shop@upi")
    _add(client, store, make_product(store))
    html = client.get(f"/{store.slug}/checkout/").content.decode()
    assert 'autocomplete="name"' in html
    assert re.search(r'<input[^>]*value="cod"[^>]*checked', html)
    assert not re.search(r'<input[^>]*value="upi"[^>]*checked', html)
    # Submitting without touching the radios places the order (cash on delivery).
    response = client.post(f"/{store.slug}/checkout/", {**CUSTOMER, "payment_method": "cod"})
    assert response.status_code == 302


def test_fields_with_errors_are_marked_for_the_red_border(store, make_product, client):
    _add(client, store, make_product(store))
    html = client.post(f"/{store.slug}/checkout/", {**CUSTOMER, "customer_name": ""}).content.decode()
    assert 'class="field has-error"' in html


def test_the_order_page_offers_whatsapp_with_the_order_number_and_the_link_to_keep(
    make_store, make_product, client
):
    store = make_store(name="Asha Stores", whatsapp_number="+919876543210")
    _add(client, store, make_product(store))
    response = client.post(f"/{store.slug}/checkout/", {**CUSTOMER, "payment_method": "cod"})
    order = Order.objects.get(store=store)
    html = client.get(response["Location"]).content.decode()
    text = quote(f"Hi Asha Stores, about my order #{order.number}: ", safe="")
    assert f'href="https://wa.me/919876543210?text={text}"' in html
    assert f'data-copy="{settings.DUKAAN_PUBLIC_URL}/o/{order.token}/"' in html
    assert "Copy order link" in html


def test_no_whatsapp_button_for_a_store_without_a_number(store, make_product, client):
    store.whatsapp_number = ""
    store.save()
    _add(client, store, make_product(store))
    response = client.post(f"/{store.slug}/checkout/", {**CUSTOMER, "payment_method": "cod"})
    assert "wa.me/?text" in client.get(response["Location"]).content.decode()  # share, not chat
    assert "Chat with" not in client.get(response["Location"]).content.decode()
