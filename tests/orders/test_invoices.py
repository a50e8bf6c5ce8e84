"""Tax invoices (SPEC section 7): a PDF for the seller (API, dashboard) and the customer (order
link), numbered from the store's consecutive series, whose text reads back everything it must hold."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from coupons.models import Coupon
from orders.models import Order
from stores.models import StoreCharge

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(make_store, make_product, seller):
    store = make_store(
        owner=seller,
        name="Asha Sweets",
        gstin="27AAPFU0939F1ZV",
        gst_percent=Decimal("5"),
        delivery_fee=Decimal("30"),
    )
    StoreCharge.objects.create(store=store, name="Packing", kind="flat", amount=Decimal("10"))
    Coupon.objects.create(store=store, code="DIWALI10", kind="percent", value=Decimal("10"))
    kaju = make_product(store, name="Kaju Katli 250 g", price="320.00", stock=10)
    return store, kaju


def _place(api_client, store, product, order_body, **extra) -> dict:
    body = order_body([{"product": product.id, "quantity": 2}], coupon="DIWALI10", **extra)
    response = api_client.post(f"/api/v1/stores/{store.slug}/orders/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def _text(response) -> str:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


def test_the_invoice_holds_the_store_buyer_lines_and_every_part_of_the_total(
    api_client, seller_api, shop, order_body
):
    store, kaju = shop
    placed = _place(api_client, store, kaju, order_body)
    text = _text(seller_api.get(f"/api/v1/stores/{store.slug}/orders/{placed['number']}/invoice.pdf"))
    # 640 goods - 64 coupon = 576; + 30 delivery + 10 packing + 28.80 GST = 644.80.
    for expected in (
        "TAX INVOICE",
        "Asha Sweets",
        "GSTIN: 27AAPFU0939F1ZV",
        f"INV-{store.id}-00001",
        f"Order: #{placed['number']}",
        "Ravi Kumar",
        "560038",
        "Kaju Katli 250 g",
        "₹320.00",
        "₹640.00",
        "Discount (coupon DIWALI10)",
        "-₹64.00",
        "Delivery",
        "₹30.00",
        "Packing",
        "₹10.00",
        "GST @ 5% on ₹576.00",
        "₹28.80",
        "₹644.80",
    ):
        assert expected in text, (expected, text)
    assert placed["total"] == "644.80"


def test_invoice_numbers_run_consecutively_per_store_and_never_change(
    api_client, seller_api, shop, order_body, make_store, make_product
):
    store, kaju = shop
    first, second = _place(api_client, store, kaju, order_body), _place(api_client, store, kaju, order_body)
    url = f"/api/v1/stores/{store.slug}/orders/{{}}/invoice.pdf"
    assert f"INV-{store.id}-00001" in _text(seller_api.get(url.format(second["number"])))
    assert f"INV-{store.id}-00002" in _text(seller_api.get(url.format(first["number"])))
    assert f"INV-{store.id}-00001" in _text(seller_api.get(url.format(second["number"]))), (
        "asked again: same number"
    )
    other = make_store()
    other_product = make_product(other, stock=5)
    order = api_client.post(
        f"/api/v1/stores/{other.slug}/orders/",
        order_body([{"product": other_product.id, "quantity": 1}]),
        format="json",
    ).json()
    invoice = api_client.get(f"/o/{order['token']}/invoice.pdf")
    assert f"INV-{other.id}-00001" in _text(invoice), "another store has its own series"
    assert "TAX INVOICE" not in _text(invoice) and "INVOICE" in _text(invoice), "no GSTIN: a plain invoice"


def test_the_customer_and_the_dashboard_get_the_same_invoice(api_client, seller_web, shop, order_body):
    store, kaju = shop
    placed = _place(api_client, store, kaju, order_body)
    customer = _text(api_client.get(f"/o/{placed['token']}/invoice.pdf"))
    dashboard = _text(seller_web.get(f"/dashboard/{store.slug}/orders/{placed['number']}/invoice.pdf"))
    assert customer == dashboard
    assert "invoice.pdf" in api_client.get(f"/o/{placed['token']}/").content.decode()


def test_another_seller_a_stranger_and_a_wrong_token_get_no_invoice(
    api_client, shop, order_body, make_seller
):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    store, kaju = shop
    placed = _place(api_client, store, kaju, order_body)
    url = f"/api/v1/stores/{store.slug}/orders/{placed['number']}/invoice.pdf"
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=make_seller()).key}")
    assert other.get(url).status_code == 404
    assert api_client.get(url).status_code == 401
    assert api_client.get(f"/o/{placed['token'][:-2]}zz/invoice.pdf").status_code == 404
    assert Order.objects.get(token=placed["token"]).invoice_number is None, "nothing was issued for them"


def test_the_admin_downloads_the_invoice(api_client, client, shop, order_body):
    from stores.models import User

    store, kaju = shop
    placed = _place(api_client, store, kaju, order_body)
    order = Order.objects.get(token=placed["token"])
    client.force_login(User.objects.create_superuser("+919000000099", "admin-pass-123"))
    change = client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert f"/admin/orders/order/{order.pk}/invoice.pdf" in change
    assert f"INV-{store.id}-00001" in _text(client.get(f"/admin/orders/order/{order.pk}/invoice.pdf"))


def test_a_name_and_address_in_devanagari_are_printed_in_a_devanagari_font(api_client, shop, order_body):
    store, kaju = shop
    placed = _place(api_client, store, kaju, order_body, customer_name="रवि कुमार", address="१२ गांधी मार्ग, पुणे")
    response = api_client.get(f"/o/{placed['token']}/invoice.pdf")
    text = _text(response)
    assert f"INV-{store.id}-00001" in text and "₹644.80" in text
    # Read back from the PDF's own text layer: the letters are there, not blanks.
    assert "रवि" in text and "पुणे" in text and "गांधी" in text
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in PdfReader(io.BytesIO(response.content)).pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any("Lohit" in name for name in fonts), fonts


def test_an_invoice_line_names_the_variant_ordered(api_client, seller_api, shop, order_body):
    from products.variants import variant_create

    store, kaju = shop
    box = variant_create(product=kaju, options={"Box": "500 g"}, price="620", stock=3)
    body = order_body([{"product": kaju.id, "variant": box.id, "quantity": 1}])
    placed = api_client.post(f"/api/v1/stores/{store.slug}/orders/", body, format="json").json()

    text = _text(seller_api.get(f"/api/v1/stores/{store.slug}/orders/{placed['number']}/invoice.pdf"))

    assert "Kaju Katli 250 g (500 g)" in text
    assert "₹620.00" in text
