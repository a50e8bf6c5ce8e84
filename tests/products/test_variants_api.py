"""Variants through the seller API (SPEC section 7, "Product variants"): create, read, change and
remove; the product's price and stock follow its variants; every refusal a 400 naming the field
that changes nothing; another seller's product or variant is a 404."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from products.models import Product, ProductVariant

pytestmark = pytest.mark.django_db


def _url(store, product, variant=None) -> str:
    base = f"/api/v1/stores/{store.slug}/products/{product.id}/variants/"
    return f"{base}{variant.id}/" if variant is not None else base


@pytest.fixture
def kurta(store, make_product):
    return make_product(store, "Cotton Kurta", "499.00", stock=7)


def test_a_seller_adds_sizes_and_the_answer_is_the_contract(seller_api, store, kurta):
    response = seller_api.post(
        _url(store, kurta),
        {
            "options": {"Size": "M", "Colour": "Red"},
            "price": "549",
            "mrp": "799",
            "stock": 3,
            "sku": "KUR-M-R",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == {"id", "options", "label", "price", "mrp", "stock", "sku", "is_active", "in_stock"}
    assert body["options"] == {"Size": "M", "Colour": "Red"}
    assert (body["label"], body["price"], body["mrp"], body["stock"], body["in_stock"]) == (
        "M / Red",
        "549.00",
        "799.00",
        3,
        True,
    )
    kurta.refresh_from_db()
    # The product now sells at its variants' price and holds their stock.
    assert (kurta.has_variants, kurta.price, kurta.mrp, kurta.stock) == (
        True,
        Decimal("549.00"),
        Decimal("799.00"),
        3,
    )


def test_a_variant_without_a_price_sells_at_the_products_price(seller_api, store, kurta):
    response = seller_api.post(_url(store, kurta), {"options": {"Size": "S"}}, format="json")

    assert response.status_code == 201
    assert (response.json()["price"], response.json()["stock"]) == ("499.00", None)


def test_the_product_shows_the_cheapest_variant_on_sale_and_their_stock_together(seller_api, store, kurta):
    for size, price, stock in [("S", "450", 2), ("M", "499", 5), ("L", "399", 0)]:
        assert (
            seller_api.post(
                _url(store, kurta), {"options": {"Size": size}, "price": price, "stock": stock}, format="json"
            ).status_code
            == 201
        )
    large = ProductVariant.objects.get(product=kurta, label="L")

    kurta.refresh_from_db()
    assert (kurta.price, kurta.stock) == (Decimal("399.00"), 7)
    assert seller_api.patch(_url(store, kurta, large), {"is_active": False}, format="json").status_code == 200
    kurta.refresh_from_db()
    assert (kurta.price, kurta.stock) == (Decimal("450.00"), 7)
    unlimited = ProductVariant.objects.get(product=kurta, label="S")
    assert seller_api.patch(_url(store, kurta, unlimited), {"stock": None}, format="json").status_code == 200
    kurta.refresh_from_db()
    assert kurta.stock is None  # one unlimited size: the kurta is never sold out


def test_list_detail_change_and_delete(seller_api, store, kurta):
    created = seller_api.post(
        _url(store, kurta), {"options": {"Size": "M"}, "stock": 4}, format="json"
    ).json()
    variant = ProductVariant.objects.get(pk=created["id"])

    listed = seller_api.get(_url(store, kurta))
    assert [v["id"] for v in listed.json()] == [variant.id]
    assert seller_api.get(_url(store, kurta, variant)).json()["stock"] == 4
    changed = seller_api.patch(
        _url(store, kurta, variant), {"options": {"Size": "XL"}, "price": "600"}, format="json"
    )
    assert changed.status_code == 200
    assert (changed.json()["label"], changed.json()["price"]) == ("XL", "600.00")

    assert seller_api.delete(_url(store, kurta, variant)).status_code == 204
    kurta.refresh_from_db()
    assert not kurta.has_variants
    assert not ProductVariant.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"options": {}}, "options", id="no options"),
        pytest.param({"options": ["Size", "M"]}, "options", id="options not an object"),
        pytest.param({"options": {"Size": ""}}, "options", id="empty value"),
        pytest.param({"options": {"Size": "M", "size": "L"}}, "options", id="an option named twice"),
        pytest.param({"options": {"Size": 5}}, "options", id="a value that is not text"),
        pytest.param({"options": {"A": "1", "B": "2", "C": "3", "D": "4"}}, "options", id="four options"),
        pytest.param({"options": {"Size": "M"}, "price": "-1"}, "price", id="negative price"),
        pytest.param({"options": {"Size": "M"}, "price": "abc"}, "price", id="price not a number"),
        pytest.param({"options": {"Size": "M"}, "price": "100", "mrp": "50"}, "mrp", id="MRP below price"),
        pytest.param({"options": {"Size": "M"}, "stock": -2}, "stock", id="negative stock"),
        pytest.param({"options": {"Size": "M"}, "stock": True}, "stock", id="stock true"),
        pytest.param({"options": {"Size": "M"}, "sku": "x" * 65}, "sku", id="SKU too long"),
        pytest.param(
            {"options": {"Size": "M"}, "is_active": "maybe"}, "is_active", id="on sale not a boolean"
        ),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(seller_api, store, kurta, body, field):
    response = seller_api.post(_url(store, kurta), body, format="json")

    assert response.status_code == 400
    assert field in response.json(), response.json()
    kurta.refresh_from_db()
    assert not ProductVariant.objects.exists()
    assert (kurta.has_variants, kurta.price, kurta.stock) == (False, Decimal("499.00"), 7)


def test_two_variants_with_the_same_options_are_refused_whatever_the_case(seller_api, store, kurta):
    assert (
        seller_api.post(
            _url(store, kurta), {"options": {"Size": "M", "Colour": "Red"}}, format="json"
        ).status_code
        == 201
    )

    again = seller_api.post(_url(store, kurta), {"options": {"colour": "red", "size": "m"}}, format="json")

    assert again.status_code == 400
    assert "already has a variant" in again.json()["options"][0]
    assert ProductVariant.objects.count() == 1


def test_every_variant_of_a_product_has_the_same_options(seller_api, store, kurta):
    seller_api.post(_url(store, kurta), {"options": {"Size": "M"}}, format="json")

    other = seller_api.post(_url(store, kurta), {"options": {"Colour": "Red"}}, format="json")

    assert other.status_code == 400
    assert "Size" in other.json()["options"][0]


def test_a_sku_is_unique_in_the_store(seller_api, store, kurta, make_product):
    shirt = make_product(store, "Shirt", "300")
    seller_api.post(_url(store, kurta), {"options": {"Size": "M"}, "sku": "SKU-1"}, format="json")

    again = seller_api.post(_url(store, shirt), {"options": {"Size": "M"}, "sku": "SKU-1"}, format="json")

    assert again.status_code == 400
    assert "sku" in again.json()


def test_the_products_own_price_and_stock_are_refused_once_it_has_variants(seller_api, store, kurta):
    seller_api.post(_url(store, kurta), {"options": {"Size": "M"}, "stock": 3}, format="json")

    response = seller_api.patch(
        f"/api/v1/stores/{store.slug}/products/{kurta.id}/", {"price": "10", "stock": 50}, format="json"
    )

    assert response.status_code == 400
    assert {"price", "stock"} <= set(response.json())
    kurta.refresh_from_db()
    assert (kurta.price, kurta.stock) == (Decimal("499.00"), 3)
    assert (
        seller_api.patch(
            f"/api/v1/stores/{store.slug}/products/{kurta.id}/", {"name": "Kurta"}, format="json"
        ).status_code
        == 200
    )


def test_another_seller_gets_404_on_every_variant_endpoint(store, kurta, make_store, make_seller):
    variant = ProductVariant.objects.create(
        store=store,
        product=kurta,
        options={"Size": "M"},
        options_key="size=m",
        label="M",
        price=Decimal("499"),
    )
    stranger = make_seller()
    stranger_store = make_store(owner=stranger)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=stranger).key}")

    for url in (_url(store, kurta), _url(store, kurta, variant)):
        assert client.get(url).status_code == 404
    assert client.post(_url(store, kurta), {"options": {"Size": "L"}}, format="json").status_code == 404
    assert client.patch(_url(store, kurta, variant), {"price": "1"}, format="json").status_code == 404
    assert client.delete(_url(store, kurta, variant)).status_code == 404
    # Their own store's URL with this store's product id is a 404 too.
    assert (
        client.get(f"/api/v1/stores/{stranger_store.slug}/products/{kurta.id}/variants/").status_code == 404
    )
    assert APIClient().get(_url(store, kurta)).status_code in (401, 403)
    variant.refresh_from_db()
    assert (variant.price, ProductVariant.objects.count()) == (Decimal("499.00"), 1)


def test_a_variant_of_another_product_is_a_404_under_this_one(seller_api, store, kurta, make_product):
    shirt = make_product(store, "Shirt", "300")
    variant = ProductVariant.objects.create(
        store=store,
        product=shirt,
        options={"Size": "M"},
        options_key="size=m",
        label="M",
        price=Decimal("300"),
    )

    assert seller_api.get(_url(store, kurta, variant)).status_code == 404


def test_the_variant_list_costs_the_same_queries_for_three_or_thirty(
    seller_api, store, kurta, django_assert_max_num_queries
):
    for i in range(30):
        ProductVariant.objects.create(
            store=store,
            product=kurta,
            options={"Size": str(i)},
            options_key=f"size={i}",
            label=str(i),
            price=Decimal("10"),
        )

    with django_assert_max_num_queries(6):
        assert len(seller_api.get(_url(store, kurta)).json()) == 30


def test_deleting_the_product_takes_its_variants(seller_api, store, kurta):
    seller_api.post(_url(store, kurta), {"options": {"Size": "M"}}, format="json")

    assert seller_api.delete(f"/api/v1/stores/{store.slug}/products/{kurta.id}/").status_code == 204
    assert not Product.objects.exists() and not ProductVariant.objects.exists()
