from __future__ import annotations

from typing import Any

import pytest

from orders.services import CustomerDetails

CUSTOMER = {
    "customer_name": "Ravi Kumar",
    "customer_phone": "98450 12345",
    "address": "12, 4th Cross, Indiranagar, Bengaluru",
    "pincode": "560038",
    "note": "Ring the bell twice",
}


@pytest.fixture
def customer() -> CustomerDetails:
    return CustomerDetails(
        name="Ravi Kumar", phone="+919845012345", address="12, 4th Cross, Bengaluru", pincode="560038"
    )


@pytest.fixture
def order_body():
    def body(items: list[dict[str, Any]], payment_method: str = "cod", **extra: Any) -> dict[str, Any]:
        return {**CUSTOMER, "payment_method": payment_method, "items": items, **extra}

    return body


@pytest.fixture
def place(api_client, order_body):
    """POST an order to the public API the way the storefront's mobile app would."""

    def do(store, items, payment_method: str = "cod", **extra):
        return api_client.post(
            f"/api/v1/stores/{store.slug}/orders/", order_body(items, payment_method, **extra), format="json"
        )

    return do
