"""Redis is optional at run time: stopped or unreachable, pages render from the database."""

from __future__ import annotations

from decimal import Decimal

import pytest
import redis
from django.core.cache import caches

from catalogue import cache as catalogue_cache
from catalogue.cache import catalogue_key
from products.models import Product
from tests.servers import free_port


def redis_cache_settings(url: str) -> dict:
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "outage",
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        }
    }


@pytest.mark.integration
def test_with_redis_stopped_the_storefront_and_api_answer_from_the_database_and_recover(
    throwaway_redis, settings, store, make_product, client, api_client, monkeypatch
):
    settings.CACHES = redis_cache_settings(throwaway_redis.url)
    settings.CATALOGUE_CACHE_VALIDATE_HITS = False
    monkeypatch.setattr(catalogue_cache, "CACHE_RETRY_SECONDS", 0.0)
    product = make_product(store, name="Kaju Katli", price="450.00")
    assert client.get(f"/{store.slug}/").status_code == 200
    assert caches["default"].get(catalogue_key(store.id)) is not None

    throwaway_redis.stop()
    Product.objects.filter(pk=product.pk).update(price=Decimal("400.00"))

    page = client.get(f"/{store.slug}/")
    api = api_client.get(f"/api/v1/stores/{store.slug}/catalog/")
    assert page.status_code == 200
    assert api.status_code == 200
    assert "Kaju Katli" in page.content.decode()
    assert [p["price"] for p in api.json()["products"]] == ["400.00"]
    assert catalogue_cache.stats.cache_errors >= 1

    # Redis comes back (empty, as after a restart): caching resumes without a restart of the app.
    throwaway_redis.start()
    assert client.get(f"/{store.slug}/").status_code == 200
    raw = redis.Redis.from_url(throwaway_redis.url)
    assert raw.exists(caches["default"].make_key(catalogue_key(store.id)))
    raw.close()


def test_a_redis_port_with_nothing_listening_is_not_an_error(settings, store, make_product, api_client):
    dead_port = free_port()  # released again: nothing listens there
    settings.CACHES = redis_cache_settings(f"redis://127.0.0.1:{dead_port}/0")
    make_product(store, name="Masala Chai", price="20.00")

    for _ in range(3):
        response = api_client.get(f"/api/v1/stores/{store.slug}/catalog/")
        assert response.status_code == 200
        assert [p["name"] for p in response.json()["products"]] == ["Masala Chai"]
    # After the first failure the cache is skipped for a while instead of failing on every request.
    assert catalogue_cache.stats.cache_errors == 1
