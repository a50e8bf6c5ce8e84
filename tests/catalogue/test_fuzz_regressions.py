"""Requests the API fuzz tests (tests/api_fuzz/) found answered with a 500; each now gets a 400."""

from __future__ import annotations

from products.models import Product


def products_url(slug: str) -> str:
    return f"/api/v1/stores/{slug}/products/"


def test_json_nested_too_deeply_is_a_400_not_a_recursion_error(seller_api, store):
    body = b"[" * 100_000 + b"]" * 100_000

    response = seller_api.post(products_url(store.slug), data=body, content_type="application/json")

    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]
    assert not Product.objects.filter(store=store).exists()


def test_a_category_filter_larger_than_any_id_is_a_400_before_any_product_query(
    seller_api, store, django_assert_max_num_queries
):
    # SQLite raised OverflowError for an integer no column can hold.
    with django_assert_max_num_queries(3):  # token, store; no product query
        response = seller_api.get(products_url(store.slug), {"category": "99999999999999999999999"})

    assert response.status_code == 400
    assert response.json() == {"category": ["Category must be a category id."]}


def test_a_fractional_category_id_is_refused_not_truncated(seller_api, store, make_category):
    tea = make_category(store, "Tea")

    response = seller_api.post(
        products_url(store.slug), {"name": "Chai", "price": "10", "category": tea.pk + 0.5}, format="json"
    )

    assert response.status_code == 400
    assert "category" in response.json()
    assert not Product.objects.filter(store=store).exists()
