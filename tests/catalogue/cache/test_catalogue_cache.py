"""The read-through catalogue cache: zero-SQL hits, one build per crowd, the right store for a slug."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from catalogue import cache as catalogue_cache
from catalogue.cache import catalogue_cache_key, catalogue_key
from catalogue.selectors import get_catalogue
from dukaan.db.router import RoutingState, routing_scope
from products.models import Product


def prices(catalogue: dict) -> dict[int, Decimal]:
    return {p["id"]: Decimal(p["price"]) for p in catalogue["products"]}


@pytest.mark.redis
def test_a_cache_hit_runs_no_sql(trust_invalidator, store, make_product, django_assert_num_queries):
    make_product(store, price="120.00")
    first = get_catalogue(store.slug)

    with django_assert_num_queries(0):
        again = get_catalogue(store.slug)

    assert again == first
    assert catalogue_cache.stats.hits == 1


@pytest.mark.redis
def test_storefront_page_and_catalogue_api_hit_the_cache_without_sql(
    trust_invalidator, store, make_product, client, api_client, django_assert_num_queries
):
    make_product(store, name="Kaju Katli", price="450.00")
    assert api_client.get(f"/api/v1/stores/{store.slug}/catalog/").status_code == 200

    with django_assert_num_queries(0):
        response = api_client.get(f"/api/v1/stores/{store.slug}/catalog/")
    assert response.status_code == 200
    assert "Kaju Katli" in response.content.decode()

    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/{store.slug}/")
    assert page.status_code == 200
    assert "Kaju Katli" in page.content.decode()
    catalogue_tables = ("products_product", "products_category", '"stores_store"')
    assert not [q["sql"] for q in queries if any(t in q["sql"] for t in catalogue_tables)]


@pytest.mark.redis
def test_a_miss_costs_a_constant_number_of_queries_whatever_the_catalogue_size(
    trust_invalidator, make_store, django_assert_max_num_queries
):
    small, large = make_store(), make_store()
    Product.objects.bulk_create([Product(store=small, name="One", price=1)])
    Product.objects.bulk_create([Product(store=large, name=f"Item {i}", price=i + 1) for i in range(500)])

    with CaptureQueriesContext(connection) as small_queries:
        get_catalogue(small.slug)
    with CaptureQueriesContext(connection) as large_queries:
        catalogue = get_catalogue(large.slug)

    assert len(catalogue["products"]) == 500
    assert len(large_queries) == len(small_queries) <= 4


@pytest.mark.redis
def test_the_catalogue_lives_under_store_catalog_key_for_an_hour(
    trust_invalidator, store, make_product, raw_redis, settings
):
    make_product(store)
    get_catalogue(store.slug)

    key = catalogue_cache_key(store.id)
    assert key.endswith(f"store_catalog:{store.id}")
    assert settings.CATALOGUE_CACHE_SECONDS - 5 < raw_redis.ttl(key) <= settings.CATALOGUE_CACHE_SECONDS


@pytest.mark.redis
def test_a_slug_taken_over_by_another_store_never_serves_the_old_stores_catalogue(
    trust_invalidator, make_store, make_product, raw_redis
):
    first = make_store(slug="chai-point")
    make_product(first, name="First's Chai")
    assert get_catalogue("chai-point")["store"]["id"] == first.id

    first.slug = "chai-point-old"
    first.save()
    raw_redis.delete(catalogue_cache_key(first.id))  # what the invalidator does for that change
    second = make_store(slug="chai-point")
    make_product(second, name="Second's Chai")
    # The old store is rebuilt under its new slug first; "chai-point" still maps to it in the cache.
    assert get_catalogue("chai-point-old")["store"]["id"] == first.id

    catalogue = get_catalogue("chai-point")
    assert catalogue["store"]["id"] == second.id
    assert [p["name"] for p in catalogue["products"]] == ["Second's Chai"]


def test_an_unknown_or_inactive_store_has_no_catalogue(make_store):
    hidden = make_store(is_active=False)
    assert get_catalogue("no-such-store") is None
    assert get_catalogue(hidden.slug) is None


def test_without_an_invalidator_each_hit_is_checked_against_the_change_log(
    validate_hits, store, make_product
):
    product = make_product(store, price="100.00")
    assert prices(get_catalogue(store.slug))[product.id] == Decimal("100.00")

    Product.objects.filter(pk=product.pk).update(price=Decimal("80.00"))
    assert prices(get_catalogue(store.slug))[product.id] == Decimal("80.00")

    with connection.cursor() as cursor:
        cursor.execute("UPDATE products_product SET price = 70 WHERE id = %s", [product.id])
    assert prices(get_catalogue(store.slug))[product.id] == Decimal("70.00")
    assert catalogue_cache.stats.rebuilds == 3


def test_a_validated_hit_costs_one_query(validate_hits, store, make_product, django_assert_num_queries):
    make_product(store)
    get_catalogue(store.slug)
    with django_assert_num_queries(1):
        get_catalogue(store.slug)
    assert catalogue_cache.stats.hits == 1


@pytest.mark.redis
def test_a_seller_inside_the_read_your_writes_window_never_gets_the_cached_copy(
    trust_invalidator, store, make_product
):
    product = make_product(store, price="100.00")
    get_catalogue(store.slug)
    # The invalidator has not run yet: the cached copy is stale for a moment.
    Product.objects.filter(pk=product.pk).update(price=Decimal("90.00"))
    assert prices(get_catalogue(store.slug))[product.id] == Decimal("100.00")

    with routing_scope(RoutingState(pinned=True)):
        assert prices(get_catalogue(store.slug))[product.id] == Decimal("90.00")


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_crowd_of_simultaneous_misses_builds_the_catalogue_once(
    trust_invalidator, make_store, make_product, monkeypatch
):
    # Losers give up waiting after LOCK_WAIT_SECONDS and build themselves; on a loaded test machine
    # that fallback must not be what this test measures.
    monkeypatch.setattr(catalogue_cache, "LOCK_WAIT_SECONDS", 30.0)
    store = make_store()
    for i in range(50):
        make_product(store, name=f"Item {i}", price=i + 1)
    crowd = 12
    barrier = threading.Barrier(crowd)
    results: list[dict] = []
    errors: list[BaseException] = []

    def shopper() -> None:
        try:
            barrier.wait()
            results.append(get_catalogue(store.slug))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=shopper) for _ in range(crowd)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert not errors
    assert len(results) == crowd
    assert all(len(r["products"]) == 50 for r in results)
    assert catalogue_cache.stats.rebuilds == 1, catalogue_cache.stats.as_dict()
    assert catalogue_cache.stats.hits + catalogue_cache.stats.misses == crowd


@pytest.mark.redis
def test_cache_keys_are_the_ones_the_invalidator_deletes(trust_invalidator, store, raw_redis):
    get_catalogue(store.slug)
    assert caches["default"].get(catalogue_key(store.id)) is not None
    raw_redis.delete(catalogue_cache_key(store.id))
    assert caches["default"].get(catalogue_key(store.id)) is None


def test_readyz_shows_cache_counters_and_the_invalidator_position(store, client):
    get_catalogue(store.slug)
    get_catalogue(store.slug)
    checks = client.get("/readyz").json()["checks"]["invalidator"]
    assert checks["latest_change_id"] is not None
    assert checks["cursors"] == []  # no invalidator has run against this database yet
    assert checks["catalogue_cache"]["misses"] == 1
    assert checks["catalogue_cache"]["hits"] == 1
