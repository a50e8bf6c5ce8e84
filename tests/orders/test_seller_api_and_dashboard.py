"""The seller's side: API list/filter/PATCH, dashboard pages, WhatsApp link, admin."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from orders.models import Order, OrderStatus, PaymentMethod
from orders.services import order_place, order_status_change


@pytest.fixture
def orders(store, make_product, customer):
    product = make_product(store, "Chai", "120.00", stock=50)
    made = [
        order_place(store=store, items={product.id: 1}, customer=customer, payment_method="cod")
        for _ in range(3)
    ]
    order_status_change(order=made[0], status="accepted")
    return made


@pytest.fixture
def other_seller_api(make_seller):
    client = APIClient()
    token = Token.objects.create(user=make_seller())
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.mark.django_db
def test_owner_lists_and_filters_orders(store, orders, seller_api):
    body = seller_api.get(f"/api/v1/stores/{store.slug}/orders/").json()
    assert [o["number"] for o in body["results"]] == [1003, 1002, 1001]
    accepted = seller_api.get(f"/api/v1/stores/{store.slug}/orders/?status=accepted").json()
    assert [o["number"] for o in accepted["results"]] == [1001]
    assert seller_api.get(f"/api/v1/stores/{store.slug}/orders/?status=bogus").status_code == 400


@pytest.mark.django_db
def test_another_seller_and_strangers_cannot_see_or_move_the_orders(
    store, orders, other_seller_api, api_client
):
    assert other_seller_api.get(f"/api/v1/stores/{store.slug}/orders/").status_code == 404
    response = other_seller_api.patch(
        f"/api/v1/stores/{store.slug}/orders/1002/", {"status": "accepted"}, format="json"
    )
    assert response.status_code == 404
    assert api_client.get(f"/api/v1/stores/{store.slug}/orders/").status_code in (401, 403)
    assert Order.objects.get(number=1002).status == "placed"


@pytest.mark.django_db
def test_owner_moves_an_order_through_the_api(store, orders, seller_api):
    url = f"/api/v1/stores/{store.slug}/orders/1001/"
    shipped = seller_api.patch(
        url, {"status": "shipped", "tracking_id": "DL9", "shipping_provider": "Delhivery"}, format="json"
    )
    assert shipped.status_code == 200, shipped.json()
    assert (shipped.json()["status"], shipped.json()["tracking_id"]) == ("shipped", "DL9")
    refused = seller_api.patch(url, {"status": "accepted"}, format="json")
    assert refused.status_code == 400 and "cannot be marked" in str(refused.json())
    no_reason = seller_api.patch(
        f"/api/v1/stores/{store.slug}/orders/1002/", {"status": "rejected"}, format="json"
    )
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    assert (
        seller_api.patch(
            f"/api/v1/stores/{store.slug}/orders/9999/", {"status": "accepted"}, format="json"
        ).status_code
        == 404
    )


@pytest.mark.django_db
def test_order_list_costs_the_same_queries_for_three_or_thirty_orders(
    store, orders, seller_api, make_product, customer
):
    url = f"/api/v1/stores/{store.slug}/orders/"
    with CaptureQueriesContext(connection) as few:
        seller_api.get(url)
    product = make_product(store, "More")
    for _ in range(27):
        order_place(store=store, items={product.id: 1}, customer=customer, payment_method="cod")
    with CaptureQueriesContext(connection) as many:
        assert len(seller_api.get(url).json()["results"]) == 30
    assert len(many) == len(few)


@pytest.mark.django_db
def test_dashboard_lists_filters_and_moves_orders(store, orders, seller_web):
    page = seller_web.get(f"/dashboard/{store.slug}/orders/").content.decode()
    assert "#1001" in page and "#1003" in page
    filtered = seller_web.get(f"/dashboard/{store.slug}/orders/?status=accepted").content.decode()
    assert "#1001" in filtered and "#1003" not in filtered
    response = seller_web.post(
        f"/dashboard/{store.slug}/orders/1003/", {"action": "status", "status": "accepted"}
    )
    assert response.status_code == 302
    assert Order.objects.get(number=1003).status == "accepted"
    refused = seller_web.post(
        f"/dashboard/{store.slug}/orders/1003/", {"action": "status", "status": "delivered"}, follow=True
    )
    assert "cannot be marked" in refused.content.decode()


@pytest.mark.django_db
def test_dashboard_detail_has_a_whatsapp_link_with_the_order_summary(store, orders, seller_web):
    page = seller_web.get(f"/dashboard/{store.slug}/orders/1002/").content.decode()
    start = page.index("https://wa.me/919845012345?text=")
    link = unquote(page[start : page.index('"', start)].replace("&amp;", "&"))
    assert "order #1002" in link and "1 x Chai" in link and "/o/" in link


@pytest.mark.django_db
def test_dashboard_times_are_shown_in_india_time(store, seller_web, customer, make_product):
    from datetime import UTC, datetime

    product = make_product(store)
    order = order_place(store=store, items={product.id: 1}, customer=customer, payment_method="cod")
    Order.objects.filter(pk=order.pk).update(created_at=datetime(2026, 1, 1, 18, 45, tzinfo=UTC))
    order.refresh_from_db()
    assert order.created_at.tzinfo is not None
    detail = seller_web.get(f"/dashboard/{store.slug}/orders/{order.number}/").content.decode()
    assert "2 Jan 2026, 00:15" in detail  # 18:45 UTC is 00:15 the next day in Asia/Kolkata
    listing = seller_web.get(f"/dashboard/{store.slug}/orders/").content.decode()
    assert "2 Jan, 00:15" in listing


@pytest.mark.django_db
@pytest.mark.parametrize("status", OrderStatus.values)
@pytest.mark.parametrize("method", PaymentMethod.values)
def test_the_seller_order_page_renders_for_every_status_and_payment_method(
    status, method, store, seller_web, seller_api, make_order
):
    order = make_order(store, number=7, status=status, method=method, with_details=False)
    page = seller_web.get(f"/dashboard/{store.slug}/orders/{order.number}/")
    assert page.status_code == 200
    assert OrderStatus(status).label in page.content.decode()
    assert seller_web.get(f"/dashboard/{store.slug}/orders/?status={status}").status_code == 200
    assert seller_api.get(f"/api/v1/stores/{store.slug}/orders/{order.number}/").json()["status"] == status


@pytest.mark.django_db
def test_seller_marks_cash_received_and_it_records_who_and_when(store, orders, seller_web, seller):
    page = seller_web.get(f"/dashboard/{store.slug}/orders/1002/").content.decode()
    received_url = f"/dashboard/{store.slug}/orders/1002/payment-received/"
    assert f'action="{received_url}"' in page
    seller_web.post(received_url)
    order = Order.objects.get(number=1002)
    payment = order.payments.get()
    assert order.is_paid and payment.confirmed_by == seller and payment.confirmed_at
    again = seller_web.post(received_url, follow=True)
    assert "already marked paid" in again.content.decode()
    assert order.payments.count() == 1


@pytest.mark.django_db
def test_dashboard_of_another_sellers_store_is_a_404(store, orders, client, make_seller):
    client.force_login(make_seller())
    assert client.get(f"/dashboard/{store.slug}/orders/").status_code == 404
    assert client.get(f"/dashboard/{store.slug}/orders/1001/").status_code == 404


@pytest.mark.django_db
def test_admin_pages_for_orders_render_with_inlines_and_search(store, orders, client, make_seller):
    admin_user = make_seller(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    assert client.get("/admin/orders/order/?q=1002").status_code == 200
    detail = client.get(f"/admin/orders/order/{orders[0].pk}/change/")
    assert detail.status_code == 200 and "order.placed" in detail.content.decode()
    assert client.get("/admin/orders/order/?status__exact=accepted").status_code == 200
    assert client.get("/admin/orders/orderevent/").status_code == 200
