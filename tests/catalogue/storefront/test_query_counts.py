"""The storefront costs the same few queries on a 10- and a 2,000-product store (book ch. 7).

The page draws only from get_catalogue(slug) and shapes it in Python, so its SQL is exactly
the catalogue's: measured on 2026-11-29, a cache miss costs 3 queries (store, categories,
products) in production mode and 5 under the test settings (which also check the change log so
no invalidator is needed); a hit costs 0 (1 when validating); a search adds the one lookup of
products.search (1 SELECT on SQLite). Whatever the catalogue layer's
numbers become, these tests pin that the storefront adds nothing to them and that nothing
grows with the number of products, for every sort, category and page.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalogue.selectors import get_catalogue

# A miss may never cost more than this, whatever the store size (the book's disease was 114).
MAX_MISS_QUERIES = 6
MAX_HIT_QUERIES = 1


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def _catalogue_queries(slug: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert get_catalogue(slug) is not None
    return len(captured)


def _variants(category_id: int, product_id: int) -> list[str]:
    return [
        "",
        "?sort=price_asc",
        "?sort=price_desc",
        f"?category={category_id}",
        f"?category={category_id}&sort=price_desc&page=2",
        "?page=2",
        "?page=abc",
        "?page=99999",
        "?sort=bogus&category=abc",
        f"p/{product_id}/",
    ]


@pytest.fixture
def small_and_big(make_store, fill_store):
    small, big = make_store(name="Ten"), make_store(name="Two Thousand")
    return {10: (small, fill_store(small, 10)), 2000: (big, fill_store(big, 2000))}


def test_storefront_costs_the_same_few_queries_whatever_the_store_size(client, small_and_big):
    misses: dict[tuple[int, str], int] = {}
    hits: dict[tuple[int, str], int] = {}
    catalogue_miss: dict[int, int] = {}
    for size, (store, products) in small_and_big.items():
        cache.clear()
        catalogue_miss[size] = _catalogue_queries(store.slug)
        category_id = store.categories.order_by("position").first().id
        for variant in _variants(category_id, products[-1].id):
            url = f"/{store.slug}/{variant}"
            cache.clear()
            misses[size, variant.split("=")[0]] = _queries(client, url)
            hits[size, variant.split("=")[0]] = _queries(client, url)
    print(f"\nstorefront queries: miss={sorted(set(misses.values()))} hit={sorted(set(hits.values()))}")

    assert catalogue_miss[10] == catalogue_miss[2000]
    # The page adds no query of its own to the catalogue's, on any variant or store size.
    assert set(misses.values()) == {catalogue_miss[10]}
    assert len(set(hits.values())) == 1
    assert catalogue_miss[10] <= MAX_MISS_QUERIES
    assert next(iter(hits.values())) <= MAX_HIT_QUERIES


def _search_queries(store_id: int, query: str) -> int:
    from products.search import search_product_ids

    with CaptureQueriesContext(connection) as captured:
        search_product_ids(store_id, query)
    return len(captured)


def test_search_adds_only_the_search_itself(client, small_and_big):
    """Search costs the one ranked-ids lookup of products.search, nothing per result.

    (Its own statement count belongs to products.search: one SELECT, plus the savepoint and
    set_config statements it may wrap it in.)
    """
    search_cost = {}
    for size, (store, _) in small_and_big.items():
        search_cost[size] = _search_queries(store.id, "Item 0007")
        cache.clear()
        plain = _queries(client, f"/{store.slug}/?sort=price_asc")
        cache.clear()
        searched = _queries(client, f"/{store.slug}/?q=Item+0007&sort=price_asc")
        assert searched == plain + search_cost[size], size
        assert "Item 0007" in client.get(f"/{store.slug}/?q=Item+0007").content.decode()
    assert search_cost[10] == search_cost[2000]
    print(f"\nsearch adds {search_cost[10]} statement(s)")


def test_a_shopper_with_a_cart_costs_the_same_queries_as_anyone(client, store, fill_store):
    products = fill_store(store, 10)
    cache.clear()
    anonymous = _queries(client, f"/{store.slug}/")
    session = client.session
    session["carts"] = {str(store.id): {str(products[1].id): 2}}
    session.save()
    cache.clear()
    # The page reads nothing per visitor (the badge comes from a cookie): not even the session.
    with_cart = _queries(client, f"/{store.slug}/")
    assert with_cart == anonymous
