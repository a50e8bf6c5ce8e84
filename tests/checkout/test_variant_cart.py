"""A shopper and a product sold in sizes: the storefront offers the choice (sold-out greyed), the
cart keeps each size on its own line, and checkout orders exactly those variants."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from orders.models import Order, OrderItem
from products.variants import variant_create, variant_update
from tests.checkout.test_cart_and_checkout import CHECKOUT_FORM

pytestmark = pytest.mark.django_db


@pytest.fixture
def dal(store, make_product):
    product = make_product(store, "Toor Dal", "89.00")
    half = variant_create(product=product, options={"Pack": "500 g"}, price="89", stock=20)
    kilo = variant_create(product=product, options={"Pack": "1 kg"}, price="169", stock=2)
    five = variant_create(product=product, options={"Pack": "5 kg"}, price="799", stock=0)
    return product, half, kilo, five


def _add(client, store, product, variant=None, quantity=1):
    data = {"product": product.id, "quantity": quantity}
    if variant is not None:
        data["variant"] = variant.id
    return client.post(f"/{store.slug}/cart/add/", data)


def test_the_storefront_card_says_from_and_sends_the_shopper_to_choose(client, store, dal):
    product, *_ = dal

    page = client.get(f"/{store.slug}/").content.decode()

    card = re.search(rf'data-product-id="{product.id}".*?</li>', page, re.S).group(0)
    assert "from <strong>₹89</strong>" in card
    assert "Choose options" in card and 'name="product"' not in card


def test_the_product_page_offers_each_pack_with_the_sold_out_one_disabled(client, store, dal):
    product, half, kilo, five = dal

    page = client.get(f"/{store.slug}/p/{product.id}/").content.decode()

    radios = dict(re.findall(r'<input type="radio" name="variant" value="(\d+)"([^>]*)>', page))
    assert set(radios) == {str(half.id), str(kilo.id), str(five.id)}
    assert "checked" in radios[str(half.id)]
    assert "disabled" in radios[str(five.id)] and "checked" not in radios[str(five.id)]
    assert "<legend>Pack</legend>" in page
    assert "Sold out" in page


def test_each_pack_is_its_own_cart_line_and_checkout_orders_them(client, store, dal):
    product, half, kilo, _five = dal
    _add(client, store, product, half, 2)
    _add(client, store, product, kilo, 1)

    cart = client.get(f"/{store.slug}/cart/").content.decode()
    assert "Toor Dal (500 g)" in cart and "Toor Dal (1 kg)" in cart
    assert f'name="quantity_{product.id}:{kilo.id}"' in cart
    # A changed quantity is kept when the shopper goes straight to checkout.
    client.post(
        f"/{store.slug}/cart/",
        {f"quantity_{product.id}:{half.id}": "3", f"quantity_{product.id}:{kilo.id}": "1", "checkout": "1"},
    )
    page = client.get(f"/{store.slug}/checkout/").content.decode()
    assert "3 \N{MULTIPLICATION SIGN} Toor Dal (500 g)" in page
    key = re.search(r'name="checkout_key" value="([^"]+)"', page).group(1)

    response = client.post(
        f"/{store.slug}/checkout/", {**CHECKOUT_FORM, "payment_method": "cod", "checkout_key": key}
    )

    assert response.status_code == 302
    order = Order.objects.get()
    assert order.subtotal == Decimal("436.00")  # 3 x 89 + 169
    assert sorted(OrderItem.objects.values_list("variant_label", "quantity")) == [("1 kg", 1), ("500 g", 3)]
    half.refresh_from_db(), kilo.refresh_from_db()
    assert (half.stock, kilo.stock) == (17, 1)
    assert "3 \N{MULTIPLICATION SIGN} Toor Dal (500 g)" in client.get(f"/o/{order.token}/").content.decode()


@pytest.mark.parametrize(
    ("which", "message"),
    [
        ("none", "Choose the Pack of Toor Dal"),
        ("sold out", "Toor Dal (5 kg) is out of stock."),
        ("too many", "Only 2 of Toor Dal (1 kg) left."),
        ("nonsense", "Choose one of the product&#x27;s options."),
    ],
)
def test_adding_a_pack_that_cannot_be_had_is_a_400_with_the_reason(client, store, dal, which, message):
    product, _half, kilo, five = dal
    data = {"product": product.id, "quantity": 3 if which == "too many" else 1}
    if which in ("sold out", "too many"):
        data["variant"] = (five if which == "sold out" else kilo).id
    elif which == "nonsense":
        data["variant"] = "abc"

    response = client.post(f"/{store.slug}/cart/add/", data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not client.session.get("carts")


def test_a_variant_for_a_product_without_variants_is_refused(client, store, dal, make_product):
    chai = make_product(store, "Chai", "120")
    _product, half, _kilo, _five = dal

    response = client.post(
        f"/{store.slug}/cart/add/", {"product": chai.id, "variant": half.id, "quantity": 1}
    )

    assert response.status_code == 400
    assert "has no options" in response.content.decode()


def test_a_pack_taken_off_sale_shows_in_the_cart_and_blocks_checkout(client, store, dal):
    product, half, _kilo, _five = dal
    _add(client, store, product, half, 1)

    variant_update(variant=half, is_active=False)

    cart = client.get(f"/{store.slug}/cart/").content.decode()
    assert "No longer available" in cart
    assert 'name="checkout"' not in cart


def test_a_deleted_pack_leaves_the_cart_with_a_word(client, store, dal):
    product, half, _kilo, _five = dal
    _add(client, store, product, half, 1)
    half.delete()

    response = client.get(f"/{store.slug}/cart/")

    assert "no longer sold" in response.content.decode()
    assert f'name="quantity_{product.id}:{half.id}"' not in response.content.decode()
    assert not client.session["carts"]
