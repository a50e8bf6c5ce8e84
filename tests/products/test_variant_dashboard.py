"""The seller's "Sizes and colours" page: "S, M, L" in one go, two options as combinations, the
stock table saved at once, bad input shown on its field with nothing changed, and another
seller's product a 404."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from products.models import Product, ProductVariant
from products.variants import variant_create

pytestmark = pytest.mark.django_db


def _url(store, product) -> str:
    return reverse("products_dashboard:product_variants", args=[store.slug, product.pk])


@pytest.fixture
def kurta(store, make_product):
    return make_product(store, "Cotton Kurta", "499.00", stock=6)


def test_a_seller_adds_s_m_l_in_one_go(seller_web, store, kurta):
    response = seller_web.post(
        _url(store, kurta), {"action": "add", "option_1": "Size", "values_1": "S, M ,L,", "stock": "4"}
    )

    assert response.status_code == 302
    assert list(ProductVariant.objects.order_by("position").values_list("label", "price", "stock")) == [
        ("S", Decimal("499.00"), 4),
        ("M", Decimal("499.00"), 4),
        ("L", Decimal("499.00"), 4),
    ]
    kurta.refresh_from_db()
    assert (kurta.has_variants, kurta.stock) == (True, 12)
    page = seller_web.get(_url(store, kurta)).content.decode()
    assert "Added 3 variants." in page
    assert page.count('name="v') >= 9  # price, stock and on-sale of each row


def test_two_options_give_every_combination_and_existing_ones_are_kept(seller_web, store, kurta):
    seller_web.post(
        _url(store, kurta),
        {
            "action": "add",
            "option_1": "Size",
            "values_1": "S, M",
            "option_2": "Colour",
            "values_2": "Red, Blue",
            "price": "550",
        },
    )
    assert sorted(ProductVariant.objects.values_list("label", flat=True)) == [
        "M / Blue",
        "M / Red",
        "S / Blue",
        "S / Red",
    ]

    again = seller_web.post(
        _url(store, kurta), {"action": "add", "values_1": "M, L", "values_2": "Red"}, follow=True
    )

    assert "Added 1 variant. 1 was there already." in again.content.decode()
    assert ProductVariant.objects.count() == 5
    # Without a price it takes the product's, which is now its cheapest variant's.
    assert ProductVariant.objects.get(label="L / Red").price == Decimal("550.00")


def test_the_stock_table_saves_every_row_at_once(seller_web, store, kurta):
    small = variant_create(product=kurta, options={"Size": "S"}, stock=1)
    medium = variant_create(product=kurta, options={"Size": "M"}, stock=1)

    response = seller_web.post(
        _url(store, kurta),
        {
            "action": "save",
            f"v{small.pk}-price": "450",
            f"v{small.pk}-stock": "7",
            f"v{small.pk}-is_active": "on",
            f"v{medium.pk}-price": "520",
            f"v{medium.pk}-stock": "",
        },
    )

    assert response.status_code == 302
    small.refresh_from_db(), medium.refresh_from_db(), kurta.refresh_from_db()
    assert (small.price, small.stock, small.is_active) == (Decimal("450.00"), 7, True)
    assert (medium.price, medium.stock, medium.is_active) == (Decimal("520.00"), None, False)
    assert (kurta.price, kurta.stock) == (Decimal("450.00"), 7)  # M is off sale


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(
            {"action": "add", "option_1": "Size", "values_1": ""}, "List the choices", id="no choices"
        ),
        pytest.param(
            {"action": "add", "option_1": "", "values_1": "S, M"}, "Name the option", id="no option name"
        ),
        pytest.param(
            {"action": "add", "option_1": "Size", "values_1": "S, s"}, "only once", id="a choice twice"
        ),
        pytest.param(
            {"action": "add", "option_1": "Size", "values_1": "S", "price": "-5"},
            "more than zero",
            id="negative price",
        ),
        pytest.param(
            {"action": "add", "option_1": "Size", "values_1": "S", "stock": "lots"},
            "whole number",
            id="stock not a number",
        ),
        pytest.param({"action": "dance"}, "Choose what to do", id="unknown action"),
    ],
)
def test_bad_input_is_shown_and_changes_nothing(seller_web, store, kurta, data, message):
    response = seller_web.post(_url(store, kurta), data, follow=True)

    assert response.status_code in (200, 400)
    assert message in response.content.decode()
    assert not ProductVariant.objects.exists()
    kurta.refresh_from_db()
    assert not kurta.has_variants


def test_a_bad_row_in_the_stock_table_saves_no_row(seller_web, store, kurta):
    small = variant_create(product=kurta, options={"Size": "S"}, stock=1)
    medium = variant_create(product=kurta, options={"Size": "M"}, stock=1)

    response = seller_web.post(
        _url(store, kurta),
        {
            "action": "save",
            f"v{small.pk}-price": "450",
            f"v{small.pk}-stock": "7",
            f"v{medium.pk}-price": "abc",
            f"v{medium.pk}-stock": "-1",
        },
    )

    assert response.status_code == 400
    small.refresh_from_db()
    assert (small.price, small.stock) == (Decimal("499.00"), 1)


def test_removing_a_variant(seller_web, store, kurta):
    small = variant_create(product=kurta, options={"Size": "S"})

    response = seller_web.post(
        _url(store, kurta), {"action": "remove", "variant": str(small.pk)}, follow=True
    )

    assert "Removed “S”." in response.content.decode()
    assert not ProductVariant.objects.exists()
    assert not Product.objects.get(pk=kurta.pk).has_variants


def test_the_edit_form_leaves_price_and_stock_to_the_variants(seller_web, store, kurta):
    variant_create(product=kurta, options={"Size": "S"}, price="450", stock=2)
    edit = reverse("products_dashboard:product_edit", args=[store.slug, kurta.pk])

    page = seller_web.get(edit).content.decode()
    response = seller_web.post(edit, {"name": "Kurta", "description": "", "category": "", "is_active": "on"})

    assert 'name="price"' not in page and 'name="stock"' not in page
    assert "Edit sizes and colours" in page
    assert response.status_code == 302
    kurta.refresh_from_db()
    assert (kurta.name, kurta.price, kurta.stock) == ("Kurta", Decimal("450.00"), 2)


def test_another_sellers_product_is_a_404(client, store, kurta, make_seller, make_store):
    stranger = make_seller()
    make_store(owner=stranger)
    client.force_login(stranger)

    assert client.get(_url(store, kurta)).status_code == 404
    assert (
        client.post(_url(store, kurta), {"action": "add", "option_1": "Size", "values_1": "S"}).status_code
        == 404
    )
    assert not ProductVariant.objects.exists()
