"""The shopper's pages: cart (session), checkout form, order page. Per-visitor, never cached."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from orders.models import Order, OrderStatus, PaymentMethod

CHECKOUT_FORM = {
    "customer_name": "Ravi Kumar",
    "customer_phone": "9845012345",
    "address": "12, 4th Cross, Bengaluru",
    "pincode": "560038",
    "note": "",
}


def add(client, store, product, quantity=1, **headers):
    return client.post(f"/{store.slug}/cart/add/", {"product": product.id, "quantity": quantity}, **headers)


@pytest.mark.django_db
def test_adding_to_cart_needs_no_csrf_token_so_the_storefront_can_be_cached(store, make_product):
    product = make_product(store)
    client = Client(enforce_csrf_checks=True)
    response = add(client, store, product, 2)
    assert response.status_code == 302
    assert response["Location"] == f"/{store.slug}/cart/"
    page = client.get(f"/{store.slug}/cart/")
    assert "Masala Chai" in page.content.decode()
    assert 'value="2"' in page.content.decode()


@pytest.mark.django_db
def test_adding_to_cart_returns_to_the_storefront_page_but_never_off_site(store, make_product, client):
    product = make_product(store)
    back = client.post(
        f"/{store.slug}/cart/add/", {"product": product.id, "quantity": 1, "next": f"/{store.slug}/?page=2"}
    )
    assert back["Location"] == f"/{store.slug}/?page=2"
    for evil in ("https://evil.example/", "//evil.example/", "/other-store/"):
        response = client.post(
            f"/{store.slug}/cart/add/", {"product": product.id, "quantity": 1, "next": evil}
        )
        assert response["Location"] == f"/{store.slug}/cart/"


@pytest.mark.django_db
def test_adding_to_cart_from_another_site_is_refused(store, make_product, client):
    product = make_product(store)
    response = add(
        client, store, product, HTTP_ORIGIN="https://evil.example", HTTP_SEC_FETCH_SITE="cross-site"
    )
    assert response.status_code == 400
    assert client.session.get("carts") in (None, {})


@pytest.mark.django_db
@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": "https://evil.example"},  # an old browser that sends no Sec-Fetch-Site
        {"HTTP_ORIGIN": "null"},  # a sandboxed frame or a data: page
        {"HTTP_ORIGIN": "null", "HTTP_SEC_FETCH_SITE": "none"},
    ],
)
def test_adding_to_cart_from_a_page_that_is_not_ours_is_refused(store, make_product, client, headers):
    product = make_product(store)
    response = add(client, store, product, **headers)
    assert response.status_code == 400
    assert client.session.get("carts") in (None, {})


@pytest.mark.django_db
@pytest.mark.parametrize(
    "headers", [{}, {"HTTP_ORIGIN": "http://testserver"}, {"HTTP_SEC_FETCH_SITE": "same-origin"}]
)
def test_adding_to_cart_from_the_storefront_works(store, make_product, client, headers):
    product = make_product(store)
    assert add(client, store, product, **headers).status_code == 302
    assert client.session["carts"][str(store.id)] == {str(product.id): 1}


@pytest.mark.django_db
@pytest.mark.parametrize("quantity", ["0", "-1", "100", "abc", "1.5", "999999999999999"])
def test_bad_quantities_are_refused_and_change_nothing(store, make_product, client, quantity):
    product = make_product(store)
    add(client, store, product, 1)
    response = client.post(f"/{store.slug}/cart/add/", {"product": product.id, "quantity": quantity})
    assert response.status_code == 400
    assert "Quantity" in response.content.decode()
    assert client.session["carts"] == {str(store.id): {str(product.id): 1}}


@pytest.mark.django_db
def test_products_of_another_store_hidden_or_sold_out_cannot_be_added(
    store, make_store, make_product, client
):
    for product in (
        make_product(make_store(), "Theirs"),
        make_product(store, "Hidden", is_active=False),
        make_product(store, "Gone", stock=0),
    ):
        assert add(client, store, product).status_code == 400
    assert client.post(f"/{store.slug}/cart/add/", {"product": "x"}).status_code == 400
    assert not client.session.get("carts")


@pytest.mark.django_db
def test_cart_survives_page_loads_and_quantities_can_change_and_be_removed(store, make_product, client):
    chai, rusk = make_product(store, "Chai"), make_product(store, "Rusk", "40.00")
    add(client, store, chai)
    add(client, store, rusk)
    add(client, store, chai)
    assert client.session["carts"][str(store.id)] == {str(chai.id): 2, str(rusk.id): 1}
    client.post(f"/{store.slug}/cart/", {f"quantity_{chai.id}": "5", f"quantity_{rusk.id}": "1"})
    assert client.session["carts"][str(store.id)][str(chai.id)] == 5
    client.post(f"/{store.slug}/cart/", {"remove": rusk.id})
    assert client.session["carts"][str(store.id)] == {str(chai.id): 5}
    client.post(f"/{store.slug}/cart/", {f"quantity_{chai.id}": "0"})
    assert str(store.id) not in client.session["carts"]


@pytest.mark.django_db
def test_cart_checkout_and_order_pages_are_private_and_never_cached(store, make_product, client):
    product = make_product(store)
    add(client, store, product)
    for url in (f"/{store.slug}/cart/", f"/{store.slug}/checkout/"):
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


@pytest.mark.django_db
def test_checkout_with_cash_on_delivery_places_the_order_and_empties_the_cart(store, make_product, client):
    chai, rusk = make_product(store, "Chai", "120.00", stock=4), make_product(store, "Rusk", "40.00")
    add(client, store, chai, 2)
    add(client, store, rusk, 1)
    page = client.get(f"/{store.slug}/checkout/").content.decode()
    assert "₹280<" in page and 'value="cod"' in page
    key = re.search(r'name="checkout_key" value="([^"]+)"', page).group(1)
    response = client.post(
        f"/{store.slug}/checkout/", {**CHECKOUT_FORM, "payment_method": "cod", "checkout_key": key}
    )
    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/o/{order.token}/"
    assert (order.total, order.status, order.customer_phone) == (280, "placed", "+919845012345")
    assert str(store.id) not in client.session.get("carts", {})
    # A double tap on "Place order" returns the same order.
    again = client.post(
        f"/{store.slug}/checkout/", {**CHECKOUT_FORM, "payment_method": "cod", "checkout_key": key}
    )
    assert again.status_code == 302, re.findall(r"role=\"alert\">(.*?)</div>", again.content.decode(), re.S)
    assert again["Location"] == f"/o/{order.token}/"
    assert Order.objects.count() == 1
    status_page = client.get(f"/o/{order.token}/")
    assert status_page["Referrer-Policy"] == "no-referrer"
    assert "Order #1001" in status_page.content.decode()


@pytest.mark.django_db
def test_checkout_form_errors_keep_the_cart(store, make_product, client):
    product = make_product(store)
    add(client, store, product)
    response = client.post(
        f"/{store.slug}/checkout/", {**CHECKOUT_FORM, "pincode": "012", "payment_method": "cod"}
    )
    assert response.status_code == 400
    assert "6-digit PIN code" in response.content.decode()
    assert Order.objects.count() == 0
    assert client.session["carts"][str(store.id)] == {str(product.id): 1}


@pytest.mark.django_db
def test_checkout_refuses_when_stock_ran_out_after_adding(store, make_product, client):
    product = make_product(store, "Chai", stock=2)
    add(client, store, product, 2)
    product.stock = 1
    product.save()
    response = client.post(f"/{store.slug}/checkout/", {**CHECKOUT_FORM, "payment_method": "cod"})
    assert response.status_code == 400
    assert "Only 1 of Chai left" in response.content.decode()
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_upi_order_page_shows_a_deep_link_and_qr_with_the_exact_amount(make_store, make_product, client):
    store = make_store(name="Asha Sweets", upi_id="asha@okaxis")
    product = make_product(store, "Ladoo", "249.50")
    add(client, store, product, 2)
    client.post(f"/{store.slug}/checkout/", {**CHECKOUT_FORM, "payment_method": "upi"})
    order = Order.objects.get()
    assert order.status == "pending_payment"
    page = client.get(f"/o/{order.token}/").content.decode()
    link = re.search(r'href="(upi://pay\?[^"]+)"', page).group(1).replace("&amp;", "&")
    assert "pa=asha@okaxis" in link and "am=499.00" in link and "cu=INR" in link
    assert f"tr={order.reference}" in link
    assert "<svg" in page


@pytest.mark.django_db
def test_the_upi_qr_code_and_link_cannot_carry_markup_from_the_store_name(make_store, make_product, client):
    store = make_store(name='Asha"><script>alert(1)</script>', upi_id="asha@okaxis")
    product = make_product(store, "Ladoo", "99.50")
    client.post(f"/{store.slug}/cart/add/", {"product": product.id, "quantity": 1})
    response = client.post(
        f"/{store.slug}/checkout/",
        {
            "customer_name": "Meera",
            "customer_phone": "+919845012345",
            "address": "MG Road",
            "pincode": "560001",
            "payment_method": "upi",
        },
    )
    page = client.get(response["Location"]).content.decode()

    assert 'href="upi://pay?pa=asha@okaxis&amp;pn=Asha%22%3E%3Cscript%3E' in page
    assert "<script>alert" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("status", OrderStatus.values)
@pytest.mark.parametrize("method", PaymentMethod.values)
def test_the_customer_order_page_renders_for_every_status_and_payment_method(
    status, method, store, client, make_order
):
    store.upi_id = "asha@okaxis"
    store.save()
    order = make_order(store, number=1, status=status, method=method)
    page = client.get(f"/o/{order.token}/")
    assert page.status_code == 200
    assert OrderStatus(status).label in page.content.decode()


@pytest.mark.django_db
def test_gateway_checkout_sends_the_customer_to_the_fake_gateway(store, make_product, client):
    product = make_product(store)
    add(client, store, product)
    response = client.post(f"/{store.slug}/checkout/", {**CHECKOUT_FORM, "payment_method": "gateway"})
    assert response.status_code == 302
    assert "/pay/fake/pay_" in response["Location"]
    page = client.get(response["Location"])
    assert "Fake Gateway" in page.content.decode() and "₹120" in page.content.decode()


@pytest.mark.django_db
def test_unknown_order_token_is_a_404(client):
    assert client.get("/o/not-a-real-token/").status_code == 404
