"""Requests the API fuzz tests (tests/api_fuzz/) found answered with a 500; each now gets a 4xx."""

from __future__ import annotations

import pytest

from stores.models import Store

DEEP_JSON = b"[" * 100_000 + b"]" * 100_000


def test_a_store_change_nested_too_deeply_is_a_400_and_changes_nothing(seller_api, store):
    response = seller_api.patch(
        f"/api/v1/stores/{store.slug}/", data=DEEP_JSON, content_type="application/json"
    )

    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]
    assert Store.objects.get(pk=store.pk).name == store.name


@pytest.mark.parametrize("path", ["/api/v1/stores/", "/api/v1/auth/otp/request/", "/api/v1/auth/otp/verify/"])
def test_sign_in_and_new_stores_refuse_json_nested_too_deeply_with_a_400(seller_api, path):
    response = seller_api.post(path, data=DEEP_JSON, content_type="application/json")

    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]
