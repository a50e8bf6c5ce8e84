"""Storefront answers shared caches may keep: public with an ETag, a 304 without rendering, a stored
copy per catalogue version, private for a visitor who wrote; flash-sale stock refreshed, not thrown away."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalogue import cache as catalogue_cache
from catalogue.cache import stock_version_key
from catalogue.models import CatalogueChange
from catalogue.selectors import get_catalogue
from catalogue.views import PRODUCTS_PER_PAGE
from orders.models import PaymentMethod
from orders.services import CustomerDetails, order_place
from products.models import Product

CUSTOMER = CustomerDetails(name="Meera", phone="+919845012345", address="MG Road", pincode="560001")


@pytest.fixture(autouse=True)
def clean_cache():
    caches["default"].clear()
    catalogue_cache.stats.reset()
    yield


@pytest.fixture
def trust_invalidator(settings):
    """As in production with Redis and the invalidator: cached copies are not checked against the log."""
    settings.CATALOGUE_CACHE_VALIDATE_HITS = False


def _urls(store, product):
    return [f"/{store.slug}/", f"/{store.slug}/p/{product.id}/", f"/api/v1/stores/{store.slug}/catalog/"]


def test_store_product_and_catalogue_answers_are_public_with_a_strong_etag(client, store, make_product):
    product = make_product(store)
    for url in _urls(store, product):
        response = client.get(url)
        assert response.status_code == 200, url
        cache_control = response["Cache-Control"]
        assert cache_control.startswith("public, max-age=0, s-maxage=1"), url
        assert "stale-while-revalidate=" in cache_control and "stale-if-error=" in cache_control
        assert response["ETag"].startswith('"') and not response["ETag"].startswith("W/")
        # Nothing that belongs to one visitor, and nothing that would split a shared copy.
        assert not response.cookies, url
        assert "Cookie" not in response.get("Vary", ""), url
        assert b"csrfmiddlewaretoken" not in response.content


def test_a_matching_if_none_match_is_a_304_without_rendering(client, store, make_product, trust_invalidator):
    product = make_product(store)
    for url in _urls(store, product):
        etag = client.get(url)["ETag"]
        with CaptureQueriesContext(connection) as queries:
            again = client.get(url, HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304, url
        assert again.content == b""
        assert again["ETag"] == etag
        assert len(queries) == 0, url
        assert client.get(url, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


def test_the_etag_changes_when_the_catalogue_changes(client, store, make_product):
    product = make_product(store, price="100.00")
    before = client.get(f"/{store.slug}/")["ETag"]
    Product.objects.filter(pk=product.pk).update(price=Decimal("90.00"))
    after = client.get(f"/{store.slug}/", HTTP_IF_NONE_MATCH=before)
    assert after.status_code == 200
    assert after["ETag"] != before
    assert "₹90" in after.content.decode()


def test_a_stored_answer_is_served_without_sql_or_rendering_whatever_the_store_size(
    client, make_store, make_product, trust_invalidator
):
    costs = {}
    for size in (20, 200):
        store = make_store()
        Product.objects.bulk_create(
            [
                Product(store=store, name=f"Item {i:04d}", price=Decimal(i + 1), position=i)
                for i in range(size)
            ],
        )
        first = client.get(f"/{store.slug}/?sort=price_desc&page=2")
        assert first.status_code == 200
        with CaptureQueriesContext(connection) as queries:
            again = client.get(f"/{store.slug}/?sort=price_desc&page=2&utm_source=whatsapp")
        assert again.content == first.content
        assert again.templates == []  # served as stored bytes: no template rendered
        costs[size] = len(queries)
    assert costs == {20: 0, 200: 0}


def test_each_page_variant_is_its_own_stored_answer(client, store, make_product, trust_invalidator):
    for i in range(PRODUCTS_PER_PAGE + 2):
        make_product(store, name=f"Item {i:02d}", price=str(i + 1))
    first = client.get(f"/{store.slug}/").content.decode()
    second = client.get(f"/{store.slug}/?page=2").content.decode()
    cheap_first = client.get(f"/{store.slug}/?sort=price_asc").content.decode()
    assert len({first, second, cheap_first}) == 3


def test_a_visitor_with_a_session_or_a_pin_gets_a_private_answer(client, store, make_product):
    product = make_product(store)
    client.post(f"/{store.slug}/cart/add/", {"product": product.id})
    assert "sessionid" in client.cookies
    response = client.get(f"/{store.slug}/")
    assert response["Cache-Control"] == "private, no-cache"

    from django.test import Client

    pinned = Client()
    pinned.cookies["dukaan_rw"] = "anything"
    assert pinned.get(f"/{store.slug}/")["Cache-Control"] == "private, no-cache"
    tokened = Client().get(f"/api/v1/stores/{store.slug}/catalog/", HTTP_AUTHORIZATION="Token abc")
    assert tokened.status_code == 200 and tokened["Cache-Control"] == "private, no-cache"


def test_an_unknown_store_is_a_briefly_shareable_404(db, client):
    page = client.get("/no-such-store/")
    assert page.status_code == 404 and page["Cache-Control"].startswith("public")
    api = client.get("/api/v1/stores/no-such-store/catalog/")
    assert api.status_code == 404 and api.json() == {"detail": "No such store."}
    assert "ETag" not in api


@pytest.mark.postgres
def test_an_order_logs_a_stock_only_change(store, make_product):
    product = make_product(store, stock=5)
    order_place(store=store, items={product.id: 2}, customer=CUSTOMER, payment_method=PaymentMethod.COD)
    product_rows = CatalogueChange.objects.filter(store_id=store.id, table="products_product").order_by("id")
    assert list(product_rows.values_list("op", flat=True)) == ["INSERT", "STOCK"]
    Product.objects.filter(pk=product.pk).update(stock=4, price=Decimal("5.00"))
    assert product_rows.last().op == "UPDATE"


@pytest.mark.postgres
def test_a_flash_sale_refreshes_the_catalogue_at_most_once_per_window_and_shows_the_sell_out(
    store, make_product, settings
):
    settings.DUKAAN_STOCK_REFRESH_SECONDS = 0.5
    product = make_product(store, name="Kaju Katli", stock=6)
    get_catalogue(store.slug)
    rebuilds = catalogue_cache.stats.rebuilds
    for _ in range(5):
        order_place(store=store, items={product.id: 1}, customer=CUSTOMER, payment_method=PaymentMethod.COD)
        shown = get_catalogue(store.slug)["products"][0]
    # Five orders inside one window: the copy is kept (its stock a little behind), not rebuilt.
    assert catalogue_cache.stats.rebuilds == rebuilds
    assert shown["stock"] == 6
    time.sleep(0.55)
    order_place(store=store, items={product.id: 1}, customer=CUSTOMER, payment_method=PaymentMethod.COD)
    shown = get_catalogue(store.slug)["products"][0]
    assert catalogue_cache.stats.rebuilds == rebuilds + 1
    assert shown["stock"] == 0 and shown["in_stock"] is False


@pytest.mark.postgres
def test_a_price_change_is_not_held_back_by_the_stock_window(store, make_product, settings):
    settings.DUKAAN_STOCK_REFRESH_SECONDS = 60
    product = make_product(store, price="100.00", stock=9)
    get_catalogue(store.slug)
    order_place(store=store, items={product.id: 1}, customer=CUSTOMER, payment_method=PaymentMethod.COD)
    Product.objects.filter(pk=product.pk).update(price=Decimal("80.00"))
    shown = get_catalogue(store.slug)["products"][0]
    assert (shown["price"], shown["stock"]) == ("80.00", 8)


def test_with_the_invalidator_a_stock_bump_refreshes_once_and_serves_the_copy_meanwhile(
    store, make_product, settings, trust_invalidator
):
    settings.DUKAAN_STOCK_REFRESH_SECONDS = 0
    product = make_product(store, stock=3)
    get_catalogue(store.slug)
    Product.objects.filter(pk=product.pk).update(stock=0)
    rebuilds = catalogue_cache.stats.rebuilds
    assert get_catalogue(store.slug)["products"][0]["stock"] == 3  # nothing bumped: still a hit

    from catalogue.key_deleter import CatalogueKeyDeleter

    CatalogueKeyDeleter(None).bump_stock({store.id})
    assert caches["default"].get(stock_version_key(store.id)) == 1
    assert get_catalogue(store.slug)["products"][0]["stock"] == 0
    assert catalogue_cache.stats.rebuilds == rebuilds + 1
    assert get_catalogue(store.slug)["products"][0]["stock"] == 0
    assert catalogue_cache.stats.rebuilds == rebuilds + 1


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_the_invalidator_keeps_the_copy_for_an_order_and_deletes_it_for_a_price_change(
    make_store, make_product, trust_invalidator
):
    import redis
    from django.conf import settings

    from catalogue.cache import catalogue_cache_keys, stock_version_cache_key
    from catalogue.invalidator import Invalidator

    raw = redis.Redis.from_url(settings.REDIS_URL)
    invalidator = Invalidator(redis_client=raw, settle_seconds=0)
    invalidator.position = invalidator.load_position()
    store = make_store()
    product = make_product(store, stock=10)
    invalidator.process_changes()
    invalidator.settle_pending()
    get_catalogue(store.slug)
    keys = catalogue_cache_keys(store.id)
    assert raw.exists(*keys) == 2

    for _ in range(3):
        order_place(store=store, items={product.id: 1}, customer=CUSTOMER, payment_method=PaymentMethod.COD)
    assert invalidator.process_changes() == 1
    invalidator.settle_pending()  # the second pass after the replicas: bumped again, still kept
    assert raw.exists(*keys) == 2
    assert int(raw.get(stock_version_cache_key(store.id))) == 2

    Product.objects.filter(pk=product.pk).update(price=Decimal("42.00"))
    assert invalidator.process_changes() == 1
    assert raw.exists(*keys) == 0
