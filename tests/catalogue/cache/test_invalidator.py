"""The cache invalidator against real PostgreSQL and Redis: fast, lossless across restarts, safe to double."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from catalogue.cache import catalogue_cache_key
from catalogue.invalidator import Invalidator, Stopped
from catalogue.models import CatalogueChange, InvalidatorCursor
from catalogue.selectors import get_catalogue
from products.models import Product

from .conftest import wait_until

pytestmark = [pytest.mark.redis]

# The bar: a change leaves the cache within one second.
INVALIDATION_DEADLINE = 1.0


def wait_until_settled(timeout: float = 10) -> None:
    """Wait until the invalidator has confirmed (deleted twice) and persisted every change so far."""
    latest = CatalogueChange.objects.order_by("-id").values_list("id", flat=True).first()
    wait_until(
        lambda: InvalidatorCursor.objects.filter(name="default", last_change_id=latest).exists(),
        timeout,
        f"the invalidator never got through change #{latest}",
        interval=0.05,
    )


def page_price(client: Client, slug: str, product_id: int) -> Decimal:
    response = client.get(f"/api/v1/stores/{slug}/catalog/")
    assert response.status_code == 200
    return {p["id"]: Decimal(p["price"]) for p in response.json()["products"]}[product_id]


@pytest.mark.integration
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_orm_update_and_raw_sql_price_changes_leave_the_cache_within_a_second(
    trust_invalidator, invalidator_factory, make_store, make_product, raw_redis, client
):
    invalidator_factory().start()
    store = make_store()
    product = make_product(store, price="100.00")
    key = catalogue_cache_key(store.id)

    def change_via_save(price: str) -> None:
        product.price = Decimal(price)
        product.save()

    def change_via_update(price: str) -> None:
        Product.objects.filter(pk=product.pk).update(price=Decimal(price))

    def change_via_raw_sql(price: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE products_product SET price = %s WHERE id = %s", [price, product.id])

    for change, price in [
        (change_via_save, "90.00"),
        (change_via_update, "80.00"),
        (change_via_raw_sql, "70.00"),
    ]:
        wait_until_settled()  # its confirming delete must not be mistaken for this change's
        get_catalogue(store.slug)
        assert raw_redis.exists(key)

        change(price)
        wait_until(
            lambda: not raw_redis.exists(key),
            INVALIDATION_DEADLINE,
            f"{change.__name__} did not invalidate the cached catalogue",
        )
        assert page_price(client, store.slug, product.id) == Decimal(price)


@pytest.mark.integration
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_changes_made_while_the_invalidator_was_down_are_all_invalidated_on_restart(
    trust_invalidator, invalidator_factory, make_store, make_product, raw_redis, client
):
    invalidator = invalidator_factory().start()
    stores = [make_store() for _ in range(20)]
    products = [make_product(store, price="100.00") for store in stores]
    keys = [catalogue_cache_key(store.id) for store in stores]
    wait_until_settled()

    invalidator.kill()  # SIGKILL: no chance to tidy up
    for store in stores:
        get_catalogue(store.slug)
    assert raw_redis.exists(*keys) == 20
    for i, product in enumerate(products):
        Product.objects.filter(pk=product.pk).update(price=Decimal(200 + i))
    assert raw_redis.exists(*keys) == 20  # nobody is invalidating

    invalidator.start(wait=False)
    wait_until(
        lambda: raw_redis.exists(*keys) == 0,
        INVALIDATION_DEADLINE
        + 5,  # the restart itself (Python + Django start-up) is not the invalidator's delay
        "changes made while the invalidator was down were lost",
    )
    invalidator.wait_for_line("invalidator listening")
    for i, (store, product) in enumerate(zip(stores, products, strict=True)):
        assert page_price(client, store.slug, product.id) == Decimal(200 + i)


@pytest.mark.integration
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_invalidators_at_once_are_harmless_and_the_position_reaches_readyz(
    trust_invalidator, invalidator_factory, make_store, make_product, raw_redis, client
):
    invalidator_factory().start()
    invalidator_factory().start()
    store = make_store()
    product = make_product(store, price="10.00")
    key = catalogue_cache_key(store.id)
    for price in ("11.00", "12.00", "13.00"):
        wait_until_settled()
        get_catalogue(store.slug)
        Product.objects.filter(pk=product.pk).update(price=Decimal(price))
        wait_until(lambda: not raw_redis.exists(key), INVALIDATION_DEADLINE, "change not invalidated")
        assert page_price(client, store.slug, product.id) == Decimal(price)

    latest = CatalogueChange.objects.order_by("-id").first().id
    # The position advances once the confirming delete is done (1 s window in these tests).
    wait_until_settled()
    checks = client.get("/readyz").json()["checks"]["invalidator"]
    assert checks["latest_change_id"] == latest
    assert checks["cursors"][0]["last_change_id"] == latest
    assert checks["cursors"][0]["last_processed_at"]


@pytest.mark.integration
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_after_losing_its_database_connections_the_invalidator_reconnects_and_catches_up(
    trust_invalidator, invalidator_factory, make_store, make_product, raw_redis
):
    invalidator = invalidator_factory().start()
    store = make_store()
    product = make_product(store, price="10.00")
    key = catalogue_cache_key(store.id)
    wait_until_settled()
    get_catalogue(store.slug)

    with connection.cursor() as cursor:
        # A network blip: every session of the invalidator is cut (LISTEN and work connections).
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        assert cursor.fetchone()[0] >= 2
        # Written while it is disconnected: no NOTIFY reaches it; the change log must.
        cursor.execute("UPDATE products_product SET price = 11 WHERE id = %s", [product.id])

    wait_until(lambda: not raw_redis.exists(key), 10, "the change made during the outage was lost")
    invalidator.wait_for_line("reconnecting")
    assert invalidator.proc.poll() is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_failed_redis_delete_never_advances_the_position(trust_invalidator, make_store, raw_redis):
    store = make_store()
    key = catalogue_cache_key(store.id)
    raw_redis.set(key, b"stale")
    dead = redis.Redis(port=1, socket_connect_timeout=0.2)  # nothing listens on port 1

    failing = Invalidator(redis_client=dead, settle_seconds=0)
    failing.position = failing.load_position()
    failing.stopping = True  # give up at the first failure instead of retrying forever
    with pytest.raises(Stopped):
        failing.process_changes()
    assert InvalidatorCursor.objects.get(name="default").last_change_id == 0
    assert raw_redis.exists(key)

    working = Invalidator(redis_client=redis.Redis.from_url(settings.REDIS_URL), settle_seconds=0)
    working.position = working.load_position()
    assert working.process_changes() == 1
    assert not raw_redis.exists(key)
    working.settle_pending()
    assert InvalidatorCursor.objects.get(name="default").last_change_id == CatalogueChange.objects.get().id


@pytest.mark.django_db(transaction=True)
def test_each_change_is_processed_once_on_sqlite_and_postgres(
    trust_invalidator, make_store, make_product, raw_redis
):
    invalidator = Invalidator(redis_client=redis.Redis.from_url(settings.REDIS_URL), settle_seconds=0)
    invalidator.position = invalidator.load_position()
    invalidator.process_changes()  # whatever earlier tests left in the log
    first, second = make_store(), make_store()
    product = make_product(first)

    assert invalidator.process_changes() == 2  # both stores were created
    invalidator.settle_pending()
    assert invalidator.process_changes() == 0

    get_catalogue(first.slug)
    get_catalogue(second.slug)
    Product.objects.filter(pk=product.pk).update(price=Decimal("1.00"))
    assert invalidator.process_changes() == 1
    assert not raw_redis.exists(catalogue_cache_key(first.id))
    assert raw_redis.exists(catalogue_cache_key(second.id))


@pytest.mark.django_db(transaction=True)
def test_only_processed_change_log_rows_past_the_retention_are_pruned(
    trust_invalidator, make_store, make_product, raw_redis
):
    invalidator = Invalidator(redis_client=redis.Redis.from_url(settings.REDIS_URL), settle_seconds=0)
    invalidator.position = invalidator.load_position()
    store = make_store()
    make_product(store)
    invalidator.process_changes()
    invalidator.settle_pending()
    CatalogueChange.objects.update(created_at=timezone.now() - timedelta(days=30))
    processed = set(CatalogueChange.objects.values_list("id", flat=True))
    make_product(store, name="Not yet processed")
    CatalogueChange.objects.exclude(id__in=processed).update(created_at=timezone.now() - timedelta(days=30))

    assert invalidator.prune() == len(processed)
    assert CatalogueChange.objects.count() == 1
    assert invalidator.process_changes() == 1  # the unprocessed change is still delivered
