"""The checkout page shows what the order will cost, part by part, for each payment method, and
takes a coupon (applied without placing, or refused with its reason); the order pages show the
breakdown the order was placed with."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from coupons.models import Coupon
from orders.models import Order
from stores.models import StoreCharge
from tests.checkout.test_cart_and_checkout import CHECKOUT_FORM, add

pytestmark = pytest.mark.django_db
MINUS = "\u2212"  # the sign shown before a discount


@pytest.fixture
def shop(make_store, make_product, seller):
    store = make_store(
        owner=seller,
        upi_id="shop@okaxis",
        delivery_fee=Decimal("40"),
        delivery_fee_online=Decimal("20"),
        free_delivery_above=Decimal("1000"),
        gst_percent=Decimal("5"),
    )
    StoreCharge.objects.create(store=store, name="Packing", kind="flat", amount=Decimal("10"))
    product = make_product(store, price="200.00", stock=10)
    return store, product


def _breakdown(page: str, method: str) -> str:
    match = re.search(rf'<dl class="co-breakdown" data-method="{method}"[^>]*>(.*?)</dl>', page, re.S)
    assert match, f"no breakdown for {method}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


def test_the_checkout_shows_each_methods_breakdown_and_preselects_the_first(client, shop):
    store, product = shop
    add(client, store, product, 2)
    page = client.get(f"/{store.slug}/checkout/").content.decode()
    # 400 goods + 40 delivery + 10 packing + 20 GST = 470 cash; 400 + 20 + 10 + 20 = 450 online.
    assert (
        _breakdown(page, "cod")
        == "Items ₹400 Delivery (Cash on delivery) ₹40 Packing ₹10 GST (5%) ₹20 Total ₹470"
    )
    assert _breakdown(page, "upi").endswith("Total ₹450")
    assert re.search(r'<dl class="co-breakdown" data-method="upi" hidden', page)
    assert re.search(r'data-method="cod">· ₹470</span>', page), "the button carries the chosen total"


def test_apply_prices_the_cart_with_the_coupon_and_places_nothing(client, shop):
    store, product = shop
    Coupon.objects.create(store=store, code="DIWALI10", kind="percent", value=Decimal("10"))
    add(client, store, product, 2)
    response = client.post(
        f"/{store.slug}/checkout/", {"coupon": "diwali10", "action": "apply", "payment_method": "cod"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    # 400 - 40 = 360 goods + 40 delivery + 10 packing + 18 GST = 428.
    assert _breakdown(page, "cod") == (
        f"Items ₹400 Coupon DIWALI10 {MINUS}₹40 Delivery (Cash on delivery) ₹40 Packing ₹10 "
        "GST (5%) ₹18 Total ₹428"
    )
    assert "Coupon DIWALI10 applied." in page
    assert 'value="diwali10"' in page, "the code stays as typed"
    assert "This field is required" not in page, "applying a coupon does not judge the half-filled form"
    assert Order.objects.count() == 0


def test_a_refused_coupon_says_why_and_the_breakdown_is_without_it(client, shop):
    store, product = shop
    Coupon.objects.create(store=store, code="BIG", kind="flat", value=Decimal("50"), min_order=Decimal("999"))
    add(client, store, product, 1)
    response = client.post(f"/{store.slug}/checkout/", {"coupon": "BIG", "action": "apply"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "This coupon needs an order of at least ₹999" in page
    assert MINUS not in _breakdown(page, "cod")


def test_placing_with_a_coupon_charges_the_breakdown_shown(client, shop):
    store, product = shop
    Coupon.objects.create(store=store, code="FREESHIP", kind="free_delivery")
    add(client, store, product, 2)
    placed = client.post(
        f"/{store.slug}/checkout/", {**CHECKOUT_FORM, "payment_method": "cod", "coupon": "FREESHIP"}
    )
    assert placed.status_code == 302
    order = Order.objects.get()
    assert (order.delivery_fee, order.total, order.coupon_code) == (0, Decimal("430.00"), "FREESHIP")
    status_page = client.get(placed["Location"]).content.decode()
    shown = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", status_page))
    assert MINUS not in shown  # free delivery takes nothing off the goods
    assert "Delivery Free" in shown and "Packing ₹10" in shown and "GST ₹20" in shown


def test_placing_with_a_refused_coupon_shows_the_reason_on_its_field_and_places_nothing(client, shop):
    store, product = shop
    add(client, store, product, 1)
    response = client.post(
        f"/{store.slug}/checkout/", {**CHECKOUT_FORM, "payment_method": "cod", "coupon": "NOPE"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert page.count("This coupon code is not valid at this store.") == 1
    assert Order.objects.count() == 0


def test_the_seller_sees_the_breakdown_on_the_order_page(client, seller_web, shop):
    store, product = shop
    add(client, store, product, 1)
    client.post(f"/{store.slug}/checkout/", {**CHECKOUT_FORM, "payment_method": "cod"})
    order = Order.objects.get()
    page = seller_web.get(f"/dashboard/{store.slug}/orders/{order.number}/").content.decode()
    shown = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "Items ₹200 Delivery ₹40 Packing ₹10 GST ₹10" in shown and "₹260" in shown
