"""Delivery fees, extra charges and GST (SPEC section 7): the money rules as a table of cases,
each total worked out here by hand, through the quote API and placed orders on the real database."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from orders.models import Order
from stores.models import StoreCharge

pytestmark = pytest.mark.django_db

D = Decimal


def paise(x: Decimal) -> Decimal:
    return x.quantize(D("0.01"), rounding=ROUND_HALF_UP)


# (store settings, charges as (name, kind, amount), basket subtotal, method, expected parts)
CASES = [
    pytest.param(
        {}, [], "150.00", "cod", ("0.00", [], "0.00", "150.00"), id="nothing configured: the goods only"
    ),
    pytest.param(
        {"delivery_fee": "30"}, [], "120.00", "cod", ("30.00", [], "0.00", "150.00"), id="flat delivery"
    ),
    pytest.param(
        {"delivery_fee": "30", "free_delivery_above": "150"},
        [],
        "150.00",
        "cod",
        ("0.00", [], "0.00", "150.00"),
        id="free exactly at the threshold",
    ),
    pytest.param(
        {"delivery_fee": "30", "free_delivery_above": "150"},
        [],
        "149.99",
        "cod",
        ("30.00", [], "0.00", "179.99"),
        id="a paisa below the threshold pays delivery",
    ),
    pytest.param(
        {"delivery_fee": "30", "delivery_fee_online": "10"},
        [],
        "100.00",
        "upi",
        ("10.00", [], "0.00", "110.00"),
        id="online fee for UPI",
    ),
    pytest.param(
        {"delivery_fee": "30", "delivery_fee_online": "10"},
        [],
        "100.00",
        "cod",
        ("30.00", [], "0.00", "130.00"),
        id="cash pays the normal fee",
    ),
    pytest.param(
        {"delivery_fee": "30"},
        [],
        "100.00",
        "gateway",
        ("30.00", [], "0.00", "130.00"),
        id="no online fee set: the same fee",
    ),
    pytest.param(
        {},
        [("Packing", "flat", "15")],
        "100.00",
        "cod",
        ("0.00", [("Packing", "15.00")], "0.00", "115.00"),
        id="a flat charge",
    ),
    pytest.param(
        {},
        [("Service", "percent", "2.5")],
        "99.99",
        "cod",
        ("0.00", [("Service", "2.50")], "0.00", "102.49"),
        id="a percent charge rounds half-up (2.49975 -> 2.50)",
    ),
    pytest.param(
        {"gst_percent": "5"},
        [],
        "99.90",
        "cod",
        ("0.00", [], "5.00", "104.90"),
        id="GST 5% (4.995 -> 5.00)",
    ),
    pytest.param(
        {"gst_percent": "18", "delivery_fee": "40", "free_delivery_above": "500"},
        [("Packing", "flat", "10"), ("Service", "percent", "1"), ("Old", "flat", "99")],
        "333.33",
        "cod",
        ("40.00", [("Packing", "10.00"), ("Service", "3.33")], "60.00", "446.66"),
        id="everything at once; an inactive charge is not charged; GST on the goods only",
    ),
]


@pytest.fixture
def shop(make_store, make_product):
    def make(settings: dict, charges: list, subtotal: str):
        store = make_store(upi_id="shop@okaxis", **{k: D(v) for k, v in settings.items()})
        for name, kind, amount in charges:
            StoreCharge.objects.create(
                store=store, name=name, kind=kind, amount=D(amount), is_active=name != "Old"
            )
        product = make_product(store, price=subtotal, stock=10)
        return store, product

    return make


def _expected(subtotal: str, parts) -> dict:
    delivery, charges, tax, total = parts
    return {
        "subtotal": subtotal,
        "discount": "0.00",
        "delivery_fee": delivery,
        "charges": [{"name": n, "amount": a} for n, a in charges],
        "tax": tax,
        "total": total,
    }


@pytest.mark.parametrize(("settings", "charges", "subtotal", "method", "parts"), CASES)
def test_the_quote_follows_the_money_rules(
    api_client, shop, order_body, settings, charges, subtotal, method, parts
):
    store, product = shop(settings, charges, subtotal)
    response = api_client.post(
        f"/api/v1/stores/{store.slug}/quote/",
        order_body([{"product": product.id, "quantity": 1}], method),
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body == {**_expected(subtotal, parts), "coupon": None}
    # The parts add up to the total, worked out independently.
    goods = D(body["subtotal"]) - D(body["discount"])
    assert goods + D(body["delivery_fee"]) + sum(D(c["amount"]) for c in body["charges"]) + D(
        body["tax"]
    ) == D(body["total"])


@pytest.mark.parametrize(("settings", "charges", "subtotal", "method", "parts"), CASES)
def test_a_placed_order_charges_and_stores_the_same_breakdown(
    api_client, shop, order_body, settings, charges, subtotal, method, parts
):
    store, product = shop(settings, charges, subtotal)
    placed = api_client.post(
        f"/api/v1/stores/{store.slug}/orders/",
        order_body([{"product": product.id, "quantity": 1}], method),
        format="json",
    )
    assert placed.status_code == 201, placed.content
    answer = placed.json()
    expected = _expected(subtotal, parts)
    assert {key: answer[key] for key in expected} == expected
    order = Order.objects.get(number=answer["number"], store=store)
    assert order.total == D(expected["total"])
    event = order.events.get(kind="order.placed")
    assert event.payload["total"] == expected["total"] and event.payload["tax"] == expected["tax"]


def test_a_quantity_is_priced_per_line_then_summed(api_client, shop, order_body):
    store, product = shop({"gst_percent": "12"}, [], "33.33")
    response = api_client.post(
        f"/api/v1/stores/{store.slug}/quote/",
        order_body([{"product": product.id, "quantity": 3}]),
        format="json",
    )
    assert response.json()["subtotal"] == "99.99"
    assert response.json()["tax"] == str(paise(D("99.99") * 12 / 100))


def test_fees_edited_after_placement_never_change_the_order(
    api_client, seller_api, make_store, seller, make_product, order_body
):
    store = make_store(owner=seller, delivery_fee=D("25"))
    product = make_product(store, price="100.00", stock=5)
    placed = api_client.post(
        f"/api/v1/stores/{store.slug}/orders/",
        order_body([{"product": product.id, "quantity": 1}]),
        format="json",
    ).json()
    assert placed["total"] == "125.00"
    edited = seller_api.patch(
        f"/api/v1/stores/{store.slug}/", {"delivery_fee": "60", "gst_percent": "18"}, format="json"
    )
    assert edited.status_code == 200, edited.content
    again = api_client.get(f"/api/v1/orders/{placed['token']}/").json()
    assert (again["delivery_fee"], again["tax"], again["total"]) == ("25.00", "0.00", "125.00")


def test_the_quote_places_nothing_and_reserves_nothing(api_client, shop, order_body):
    store, product = shop({"delivery_fee": "30"}, [], "50.00")
    for _ in range(3):
        api_client.post(
            f"/api/v1/stores/{store.slug}/quote/",
            order_body([{"product": product.id, "quantity": 10}]),
            format="json",
        )
    product.refresh_from_db()
    assert (Order.objects.count(), product.stock) == (0, 10)


@pytest.mark.parametrize(
    ("body_change", "field"),
    [
        (lambda product: {"items": []}, "items"),
        (lambda product: {"items": [{"product": 999999, "quantity": 1}]}, "items"),
        (lambda product: {"items": [{"product": product.id, "quantity": 11}]}, "items"),  # over the stock
        (lambda product: {"payment_method": "bitcoin"}, "payment_method"),
        (lambda product: {"payment_method": "upi"}, "payment_method"),  # this store has no UPI id
    ],
)
def test_a_quote_that_cannot_be_an_order_is_a_400_naming_the_field(
    api_client, make_store, make_product, order_body, body_change, field
):
    store = make_store()
    product = make_product(store, stock=10)
    body = {**order_body([{"product": product.id, "quantity": 1}]), **body_change(product)}
    response = api_client.post(f"/api/v1/stores/{store.slug}/quote/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
