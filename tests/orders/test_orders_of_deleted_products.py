"""Orders of a deleted product keep their snapshot: every page renders them, a cancel restores the rest."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orders.models import OrderStatus
from orders.services import order_place
from products.models import Product


@pytest.fixture
def order_of_deleted_product(store, make_product, customer, seller_web):
    product = make_product(store, name="Kaju Katli", price="450.00", stock=5)
    keeper = make_product(store, name="Masala Chai", price="120.00", stock=5)
    order = order_place(
        store=store, items={product.id: 2, keeper.id: 1}, customer=customer, payment_method="cod"
    )
    response = seller_web.post(f"/dashboard/{store.slug}/products/{product.id}/delete/")
    assert response.status_code == 302
    assert not Product.objects.filter(pk=product.pk).exists()
    return order


@pytest.mark.django_db
def test_an_order_keeps_its_snapshot_when_its_product_is_deleted_and_every_page_renders_it(
    order_of_deleted_product, store, seller_web, seller_api, client, make_seller
):
    order = order_of_deleted_product
    item = order.items.get(name="Kaju Katli")
    assert item.product_id is None and item.unit_price == Decimal("450.00") and item.quantity == 2

    dashboard = seller_web.get(f"/dashboard/{store.slug}/orders/{order.number}/")
    assert dashboard.status_code == 200 and "Kaju Katli" in dashboard.content.decode()
    listing = seller_web.get(f"/dashboard/{store.slug}/orders/")
    assert listing.status_code == 200
    customer_page = client.get(f"/o/{order.token}/")
    assert customer_page.status_code == 200 and "Kaju Katli" in customer_page.content.decode()
    api = seller_api.get(f"/api/v1/stores/{store.slug}/orders/{order.number}/")
    assert api.status_code == 200
    assert {i["name"] for i in api.json()["items"]} == {"Kaju Katli", "Masala Chai"}
    assert client.get(f"/api/v1/orders/{order.token}/").status_code == 200

    client.force_login(make_seller(is_staff=True, is_superuser=True))
    admin_page = client.get(f"/admin/orders/order/{order.pk}/change/")
    assert admin_page.status_code == 200 and "Kaju Katli" in admin_page.content.decode()
    assert client.get("/admin/orders/order/").status_code == 200


@pytest.mark.django_db
def test_cancelling_an_order_whose_product_was_deleted_restores_only_the_remaining_product(
    order_of_deleted_product, store, seller_web
):
    order = order_of_deleted_product
    response = seller_web.post(
        f"/dashboard/{store.slug}/orders/{order.number}/", {"status": "cancelled", "reason": "Sold out"}
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and order.stock_restored
    assert Product.objects.get(store=store, name="Masala Chai").stock == 5
    assert Product.objects.filter(store=store).count() == 1
