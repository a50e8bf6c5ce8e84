"""Money in every API answer (products, catalogue, seller orders, the customer's order) is a "0.00" string."""

from __future__ import annotations

import re
from typing import Any

import pytest

from orders.services import order_place

MONEY_KEYS = {"price", "mrp", "subtotal", "total", "unit_price", "line_total", "amount"}
MONEY = re.compile(r"^-?\d+\.\d{2}$")


def money_values(data: Any, path: str = "") -> list[tuple[str, Any]]:
    """Every (path, value) under a money-named key anywhere in a JSON document."""
    found: list[tuple[str, Any]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key in MONEY_KEYS and not isinstance(value, dict | list):
                found.append((f"{path}.{key}", value))
            else:
                found += money_values(value, f"{path}.{key}")
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found += money_values(value, f"{path}[{i}]")
    return found


@pytest.mark.django_db
def test_money_in_every_api_answer_is_a_string_with_two_decimals(
    store, make_product, make_category, customer, seller_api, api_client
):
    category = make_category(store)
    product = make_product(store, price="99.5", mrp="120", category=category)
    created = seller_api.post(
        f"/api/v1/stores/{store.slug}/products/", {"name": "Ladoo", "price": "7", "mrp": "10.5"}
    )
    assert created.status_code == 201, created.content
    order = order_place(store=store, items={product.id: 3}, customer=customer, payment_method="cod")
    answers = [
        created.json(),
        seller_api.get(f"/api/v1/stores/{store.slug}/products/").json(),
        seller_api.get(f"/api/v1/stores/{store.slug}/products/{product.id}/").json(),
        api_client.get(f"/api/v1/stores/{store.slug}/catalog/").json(),
        seller_api.get(f"/api/v1/stores/{store.slug}/orders/").json(),
        seller_api.get(f"/api/v1/stores/{store.slug}/orders/{order.number}/").json(),
        api_client.get(f"/api/v1/orders/{order.token}/").json(),
    ]
    values = [v for answer in answers for v in money_values(answer)]
    assert len(values) > 15
    bad = [(path, v) for path, v in values if v is not None and not (isinstance(v, str) and MONEY.match(v))]
    assert not bad
