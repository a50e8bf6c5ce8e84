"""Ordering a variant (SPEC section 7): `variant` is required for a product with variants and
refused for one without, for another product's and for one off sale; price, stock and the line's
label come from the variant; 20 concurrent orders on a variant with stock 3 give exactly 3; a
cancelled order puts the units back once."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from catalogue.builder import build_catalogue
from orders.models import Order, OrderEvent, OrderItem, OrderStatus
from orders.services import OrderError, order_status_change
from products.models import Product, ProductVariant
from products.variants import variant_create, variant_update
from tests.checkout.test_concurrency import run_concurrently

D = Decimal


@pytest.fixture
def kurta(store, make_product):
    product = make_product(store, "Cotton Kurta", "499.00")
    small = variant_create(product=product, options={"Size": "S"}, price="449", stock=5)
    medium = variant_create(product=product, options={"Size": "M"}, price="499", stock=3)
    large = variant_create(product=product, options={"Size": "L"}, price="549", stock=0)
    product.refresh_from_db()
    return product, small, medium, large


def _order(store, order_body, items, **extra):
    return APIClient().post(f"/api/v1/stores/{store.slug}/orders/", order_body(items, **extra), format="json")


def test_an_order_of_a_variant_takes_its_price_stock_and_label(store, kurta, order_body):
    product, small, medium, _large = kurta

    response = _order(
        store,
        order_body,
        [
            {"product": product.id, "variant": medium.id, "quantity": 2},
            {"product": product.id, "variant": small.id, "quantity": 1},
        ],
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["subtotal"] == "1447.00"  # 2 x 499 + 449, worked out by hand
    lines = sorted(body["items"], key=lambda line: line["variant"])
    assert [
        (line["variant"], line["variant_label"], line["unit_price"], line["quantity"]) for line in lines
    ] == [
        (small.id, "S", "449.00", 1),
        (medium.id, "M", "499.00", 2),
    ]
    small.refresh_from_db(), medium.refresh_from_db(), product.refresh_from_db()
    assert (small.stock, medium.stock, product.stock) == (4, 1, 5)
    placed = OrderEvent.objects.get(kind=OrderEvent.PLACED)
    assert {item["variant_label"] for item in placed.payload["items"]} == {"S", "M"}


@pytest.mark.parametrize(
    ("which", "message"),
    [
        pytest.param("none", "Choose the Size", id="variant left out"),
        pytest.param("other product's", "not one of", id="another product's variant"),
        pytest.param("off sale", "no longer available", id="a variant off sale"),
        pytest.param("sold out", "out of stock", id="a sold-out variant"),
        pytest.param("nonsense", "variant must be", id="a variant that is not an id"),
        pytest.param("unknown", "not one of", id="a variant id nobody has"),
    ],
)
def test_a_variant_that_does_not_fit_is_a_400_and_nothing_is_taken(
    store, kurta, make_product, order_body, which, message
):
    product, small, _medium, large = kurta
    shirt = make_product(store, "Shirt", "300")
    shirt_m = variant_create(product=shirt, options={"Size": "M"}, stock=9)
    variant_update(variant=small, is_active=False)
    variant = {
        "none": None,
        "other product's": shirt_m.id,
        "off sale": small.id,
        "sold out": large.id,
        "nonsense": "M",
        "unknown": 10**9,
    }[which]
    item = {"product": product.id, "quantity": 1}
    if variant is not None:
        item["variant"] = variant

    response = _order(store, order_body, [item])

    assert response.status_code == 400
    assert message.casefold() in str(response.json()).casefold(), response.json()
    assert not Order.objects.exists()
    assert list(ProductVariant.objects.order_by("id").values_list("stock", flat=True)) == [5, 3, 0, 9]


def test_a_variant_is_refused_for_a_product_without_variants(store, make_product, order_body, kurta):
    chai = make_product(store, "Chai", "120", stock=4)
    _product, small, _medium, _large = kurta

    response = _order(store, order_body, [{"product": chai.id, "variant": small.id, "quantity": 1}])

    assert response.status_code == 400
    assert "no options" in response.json()["items"][0]
    chai.refresh_from_db()
    assert chai.stock == 4 and not Order.objects.exists()


def test_the_quote_prices_the_variant_as_the_order_would(store, kurta, order_body):
    product, small, _medium, _large = kurta

    quote = APIClient().post(
        f"/api/v1/stores/{store.slug}/quote/",
        order_body([{"product": product.id, "variant": small.id, "quantity": 3}]),
        format="json",
    )
    missing = APIClient().post(
        f"/api/v1/stores/{store.slug}/quote/",
        order_body([{"product": product.id, "quantity": 3}]),
        format="json",
    )

    assert (quote.status_code, quote.json()["total"]) == (200, "1347.00")
    assert missing.status_code == 400 and "Size" in missing.json()["items"][0]
    small.refresh_from_db()
    assert small.stock == 5  # a quote takes nothing


def test_cancelling_puts_the_variants_units_back_once(store, kurta, order_body):
    product, _small, medium, _large = kurta
    response = _order(store, order_body, [{"product": product.id, "variant": medium.id, "quantity": 3}])
    assert response.status_code == 201
    order = Order.objects.get()
    medium.refresh_from_db()
    assert medium.stock == 0

    order_status_change(order=order, status=OrderStatus.CANCELLED, reason="Customer asked")
    with pytest.raises(OrderError):  # a closed order cannot be cancelled again
        order_status_change(order=order, status=OrderStatus.CANCELLED, reason="again")

    medium.refresh_from_db(), product.refresh_from_db()
    assert (medium.stock, product.stock) == (3, 8)


def test_an_order_line_keeps_its_label_after_the_variant_is_renamed_or_deleted(store, kurta, order_body):
    product, small, _medium, _large = kurta
    _order(store, order_body, [{"product": product.id, "variant": small.id, "quantity": 1}])

    variant_update(variant=small, options={"Size": "Small"}, price="999")
    small.delete()

    line = OrderItem.objects.get()
    assert (line.variant_id, line.variant_label, line.unit_price, line.display_name) == (
        None,
        "S",
        D("449.00"),
        "Cotton Kurta (S)",
    )


def test_the_public_catalogue_lists_active_variants_and_the_product_is_in_stock_while_one_is(store, kurta):
    product, small, medium, large = kurta
    variant_update(variant=small, is_active=False)

    item = next(p for p in build_catalogue(store)["products"] if p["id"] == product.id)

    assert [
        (v["id"], v["label"], v["options"], v["price"], v["mrp"], v["in_stock"]) for v in item["variants"]
    ] == [
        (medium.id, "M", {"Size": "M"}, "499.00", None, True),
        (large.id, "L", {"Size": "L"}, "549.00", None, False),
    ]
    assert (item["price"], item["in_stock"], item["price_varies"]) == ("499.00", True, True)
    variant_update(variant=medium, stock=0)
    item = next(p for p in build_catalogue(store)["products"] if p["id"] == product.id)
    assert item["in_stock"] is False


def test_the_catalogue_api_carries_the_variants(store, kurta):
    product, *_ = kurta

    body = APIClient().get(f"/api/v1/stores/{store.slug}/catalog/").json()

    item = next(p for p in body["products"] if p["id"] == product.id)
    assert [v["label"] for v in item["variants"]] == ["S", "M", "L"]
    assert set(item["variants"][0]) == {"id", "label", "options", "price", "mrp", "in_stock"}


def test_the_catalogue_costs_one_more_query_with_variants_whatever_their_number(
    store, make_product, django_assert_num_queries
):
    for i in range(3):
        make_product(store, f"Plain {i}", "10")
    with django_assert_num_queries(2):
        build_catalogue(store)
    for i in range(20):
        product = make_product(store, f"Kurta {i}", "100")
        for size in "SML":
            variant_create(product=product, options={"Size": size})
    with django_assert_num_queries(3):
        build_catalogue(store)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_orders_on_a_variant_with_stock_three_give_exactly_three(
    store, make_product, order_body
):
    product = make_product(store, "Lehenga", "2999")
    red = variant_create(product=product, options={"Colour": "Red"}, stock=3)
    green = variant_create(product=product, options={"Colour": "Green"}, stock=50)

    def checkout(index: int):
        # Half the shoppers also take a green one: two variant rows locked in one order.
        items = [{"product": product.id, "variant": red.id, "quantity": 1}]
        if index % 2:
            items.append({"product": product.id, "variant": green.id, "quantity": 1})
        return APIClient().post(f"/api/v1/stores/{store.slug}/orders/", order_body(items), format="json")

    responses = run_concurrently(20, checkout)

    statuses = Counter(getattr(r, "status_code", repr(r)) for r in responses)
    assert statuses == {201: 3, 400: 17}, statuses
    red.refresh_from_db(), green.refresh_from_db(), product.refresh_from_db()
    greens_sold = OrderItem.objects.filter(variant=green).count()
    assert (red.stock, green.stock, product.stock) == (0, 50 - greens_sold, 50 - greens_sold)
    assert Product.objects.get(pk=product.pk).stock == red.stock + green.stock
