"""Pages whose data another request just changed (a gateway's webhook) must read the primary."""

from __future__ import annotations

from decimal import Decimal

from django.db import connections
from django.test.utils import CaptureQueriesContext

from orders.models import Order


def _order(store) -> Order:
    return Order.objects.create(
        store=store, number=1001, customer_name="Ravi", customer_phone="+919811111111",
        address="1 MG Road", pincode="560001", payment_method="gateway", status="pending_payment",
        subtotal=Decimal("100.00"), total=Decimal("100.00"),
    )  # fmt: skip


def _replica_sql(capture: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in capture.captured_queries if "orders_order" in q["sql"]]


def test_the_customers_order_page_reads_the_primary(mirror_replica, client, make_store):
    order = _order(make_store())
    with CaptureQueriesContext(connections[mirror_replica]) as on_replica:
        response = client.get(f"/o/{order.token}/")
    assert response.status_code == 200
    assert _replica_sql(on_replica) == []


def test_the_order_status_api_reads_the_primary(mirror_replica, client, make_store):
    order = _order(make_store())
    with CaptureQueriesContext(connections[mirror_replica]) as on_replica:
        response = client.get(f"/api/v1/orders/{order.token}/")
    assert response.status_code == 200
    assert _replica_sql(on_replica) == []


def test_the_storefront_of_the_same_store_still_reads_the_replica(
    mirror_replica, client, make_store, settings
):
    # The control: without use_primary() an anonymous GET does read the replica (on a cache miss:
    # the slug is unique to this test, so no earlier test's cached catalogue can answer).
    settings.CATALOGUE_CACHE_SECONDS = 0
    store = make_store(slug="replica-control-shop")
    with CaptureQueriesContext(connections[mirror_replica]) as on_replica:
        response = client.get(f"/{store.slug}/")
    assert response.status_code == 200
    assert any("stores_store" in q["sql"] for q in on_replica.captured_queries)
