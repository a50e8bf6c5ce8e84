"""Order fixtures: placing an order through the public API (the shared ones are in tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def place(api_client, order_body):
    """POST an order to the public API the way the storefront's mobile app would."""

    def do(store, items, payment_method: str = "cod", **extra):
        return api_client.post(
            f"/api/v1/stores/{store.slug}/orders/", order_body(items, payment_method, **extra), format="json"
        )

    return do
