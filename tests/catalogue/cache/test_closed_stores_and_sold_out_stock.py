"""The storefront through the Redis cache follows a store closing and stock sold out by an order."""

from __future__ import annotations

import pytest
import redis
from django.conf import settings

from catalogue.cache import catalogue_cache_key
from catalogue.invalidator import Invalidator
from orders.models import OrderStatus, PaymentMethod
from orders.services import CustomerDetails, order_place, order_status_change
from stores.models import Store

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

CUSTOMER = CustomerDetails(name="Ravi Kumar", phone="+919845012345", address="12 MG Road", pincode="560001")


@pytest.fixture
def invalidator() -> Invalidator:
    """The invalidator in-process, caught up with whatever earlier tests left in the change log."""
    worker = Invalidator(redis_client=redis.Redis.from_url(settings.REDIS_URL), settle_seconds=0)
    worker.position = worker.load_position()
    worker.process_changes()
    return worker


def test_a_store_closed_by_the_admin_stops_being_served_from_the_cache(
    trust_invalidator, invalidator, make_store, make_product, client, raw_redis
):
    store = make_store()
    make_product(store, name="Kaju Katli")
    invalidator.process_changes()
    assert "Kaju Katli" in client.get(f"/{store.slug}/").content.decode()
    assert raw_redis.exists(catalogue_cache_key(store.id))

    # What the admin's "close stores" action does: a queryset update, no save() signals.
    Store.objects.filter(pk=store.pk).update(is_active=False)
    assert invalidator.process_changes() == 1

    assert client.get(f"/{store.slug}/").status_code == 404
    assert client.get(f"/api/v1/stores/{store.slug}/catalog/").status_code == 404


def test_the_last_unit_sold_by_an_order_shows_out_of_stock_and_a_cancel_brings_it_back(
    trust_invalidator, invalidator, make_store, make_product, client, settings
):
    # A stock-only change refreshes a cached copy once it is this old (a second in production).
    settings.DUKAAN_STOCK_REFRESH_SECONDS = 0
    store = make_store()
    product = make_product(store, name="Kaju Katli", stock=1)
    invalidator.process_changes()
    assert "Out of stock" not in client.get(f"/{store.slug}/").content.decode()

    # order_place takes the unit with a conditional UPDATE ... SET stock = stock - 1.
    order = order_place(
        store=store, items={product.id: 1}, customer=CUSTOMER, payment_method=PaymentMethod.COD
    )
    assert invalidator.process_changes() == 1
    page = client.get(f"/{store.slug}/").content.decode()
    assert "Out of stock" in page
    assert client.get(f"/api/v1/stores/{store.slug}/catalog/").json()["products"][0]["in_stock"] is False

    order_status_change(order=order, status=OrderStatus.CANCELLED, actor=store.owner, reason="Customer asked")
    assert invalidator.process_changes() == 1
    assert "Out of stock" not in client.get(f"/{store.slug}/").content.decode()
