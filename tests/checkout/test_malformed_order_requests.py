"""Order tokens no order can have and order bodies nested too deeply get a 4xx, never a 500.

The API fuzz tests (tests/api_fuzz/) found each of these answered with a 500.
"""

from __future__ import annotations

import pytest

from orders.models import Order


@pytest.mark.parametrize("token", ["%00", "a%00b", "not a token", "%F0%9F%98%80"])
def test_an_order_token_that_cannot_be_a_token_is_a_404_without_a_query(
    db, api_client, token, django_assert_num_queries
):
    # A NUL byte in a query parameter is an error on PostgreSQL: it must never reach the database.
    with django_assert_num_queries(0):
        response = api_client.get(f"/api/v1/orders/{token}/")

    assert response.status_code == 404


def test_the_order_page_of_a_token_with_a_nul_byte_is_a_404(client, db):
    assert client.get("/o/a%00b/").status_code == 404


def test_an_order_body_nested_too_deeply_is_a_400(api_client, store):
    body = b'{"items": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"

    response = api_client.post(
        f"/api/v1/stores/{store.slug}/orders/", data=body, content_type="application/json"
    )

    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]
    assert not Order.objects.exists()
