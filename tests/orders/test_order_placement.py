"""Placing orders: database prices, snapshots, stock, numbering and every refusal."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orders.models import Order, OrderEvent, OrderItem
from orders.services import OrderError, order_place


@pytest.mark.django_db
def test_cash_order_is_placed_with_totals_from_the_database(store, make_product, place):
    chai = make_product(store, "Masala Chai", "120.00", stock=10)
    rusk = make_product(store, "Rusk", "45.50")
    response = place(store, [{"product": chai.id, "quantity": 2}, {"product": rusk.id, "quantity": 1}])
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"] == 1001
    assert body["total"] == "285.50"
    assert body["status"] == "placed"
    assert len(body["token"]) >= 32
    order = Order.objects.get(token=body["token"])
    assert order.customer_phone == "+919845012345"
    assert OrderEvent.objects.filter(order=order, kind=OrderEvent.PLACED).count() == 1


@pytest.mark.django_db
def test_totals_are_quantity_times_price_to_the_paisa(store, make_product, customer, seller_api):
    a = make_product(store, name="A", price="0.10")
    b = make_product(store, name="B", price="19.99")
    c = make_product(store, name="C", price="333.33")
    order = order_place(
        store=store, items={a.id: 3, b.id: 7, c.id: 3}, customer=customer, payment_method="cod"
    )
    order.refresh_from_db()
    assert order.subtotal == order.total == Decimal("0.30") + Decimal("139.93") + Decimal("999.99")
    assert {i.name: i.line_total for i in order.items.all()} == {
        "A": Decimal("0.30"),
        "B": Decimal("139.93"),
        "C": Decimal("999.99"),
    }
    body = seller_api.get(f"/api/v1/stores/{store.slug}/orders/{order.number}/").json()
    assert body["total"] == "1140.22"


@pytest.mark.django_db
def test_a_tampered_price_in_the_request_changes_nothing(store, make_product, place):
    chai = make_product(store, "Masala Chai", "120.00")
    response = place(
        store,
        [{"product": chai.id, "quantity": 2, "price": "1.00", "unit_price": "1.00"}],
        total="2.00",
        subtotal="2.00",
        status="delivered",
    )
    assert response.status_code == 201
    order = Order.objects.get(token=response.json()["token"])
    assert order.total == Decimal("240.00")
    assert order.status == "placed"
    assert order.items.get().unit_price == Decimal("120.00")


@pytest.mark.django_db
def test_line_items_keep_the_name_and_price_paid_after_the_product_changes(store, make_product, place):
    chai = make_product(store, "Masala Chai", "120.00")
    token = place(store, [{"product": chai.id, "quantity": 1}]).json()["token"]
    chai.name, chai.price = "Premium Chai", Decimal("300.00")
    chai.save()
    chai.delete()
    item = OrderItem.objects.get(order__token=token)
    assert (item.name, item.unit_price, item.product_id) == ("Masala Chai", Decimal("120.00"), None)


@pytest.mark.django_db
def test_stock_is_taken_out_with_the_order(store, make_product, place):
    chai = make_product(store, stock=3)
    unlimited = make_product(store, "Rusk", stock=None)
    assert (
        place(
            store, [{"product": chai.id, "quantity": 2}, {"product": unlimited.id, "quantity": 5}]
        ).status_code
        == 201
    )
    chai.refresh_from_db()
    unlimited.refresh_from_db()
    assert (chai.stock, unlimited.stock) == (1, None)


@pytest.mark.django_db
def test_order_numbers_count_per_store_from_1001(store, make_store, make_product, place):
    other = make_store()
    mine, theirs = make_product(store), make_product(other)
    numbers = [place(store, [{"product": mine.id, "quantity": 1}]).json()["number"] for _ in range(3)]
    assert numbers == [1001, 1002, 1003]
    assert place(other, [{"product": theirs.id, "quantity": 1}]).json()["number"] == 1001


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("items", "message"),
    [
        ([], "cart is empty"),
        ([{"product": "PRODUCT", "quantity": 0}], "Quantity"),
        ([{"product": "PRODUCT", "quantity": -2}], "Quantity"),
        ([{"product": "PRODUCT", "quantity": 10**9}], "Quantity"),
        ([{"product": "PRODUCT", "quantity": 60}, {"product": "PRODUCT", "quantity": 60}], "At most 99"),
        ([{"product": 987654321, "quantity": 1}], "not sold by this store"),
        ([{"product": "OTHER_STORE", "quantity": 1}], "not sold by this store"),
        ([{"product": "INACTIVE", "quantity": 1}], "no longer available"),
        ([{"product": "SOLD_OUT", "quantity": 1}], "out of stock"),
        (
            [{"product": "PRODUCT", "quantity": 1}, {"product": "LOW", "quantity": 3}],
            "Only 2 of Low Stock left",
        ),
    ],
)
def test_bad_orders_are_refused_with_a_message_and_change_nothing(
    store, make_store, make_product, place, items, message
):
    ids = {
        "PRODUCT": make_product(store, "Chai", stock=10).id,
        "OTHER_STORE": make_product(make_store(), "Theirs").id,
        "INACTIVE": make_product(store, "Hidden", is_active=False).id,
        "SOLD_OUT": make_product(store, "Gone", stock=0).id,
        "LOW": make_product(store, "Low Stock", stock=2).id,
    }
    items = [{**item, "product": ids.get(item["product"], item["product"])} for item in items]
    response = place(store, items)
    assert response.status_code == 400
    assert message in str(response.json())
    assert Order.objects.count() == 0
    assert sorted(store.products.values_list("stock", flat=True), key=str) == sorted(
        [10, 0, 2, None], key=str
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("pincode", "012345"),
        ("pincode", "5600"),
        ("customer_phone", "12345"),
        ("customer_name", "  "),
        ("payment_method", "bitcoin"),
        ("address", ""),
    ],
)
def test_bad_customer_details_are_refused(store, make_product, place, field, value):
    product = make_product(store)
    response = place(store, [{"product": product.id, "quantity": 1}], **{field: value})
    assert response.status_code == 400
    assert field in response.json() or "detail" in response.json()
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_upi_is_refused_for_a_store_without_a_upi_id(store, make_product, place):
    product = make_product(store)
    response = place(store, [{"product": product.id, "quantity": 1}], payment_method="upi")
    assert response.status_code == 400
    assert "payment_method" in response.json()


@pytest.mark.django_db
def test_an_inactive_store_takes_no_orders(store, make_product, place):
    product = make_product(store)
    store.is_active = False
    store.save()
    assert place(store, [{"product": product.id, "quantity": 1}]).status_code == 404


@pytest.mark.django_db
def test_repeating_a_checkout_with_the_same_key_returns_the_first_order(store, make_product, customer):
    product = make_product(store, stock=5)
    first = order_place(
        store=store, items={product.id: 1}, customer=customer, payment_method="cod", checkout_key="k1"
    )
    again = order_place(
        store=store, items={product.id: 1}, customer=customer, payment_method="cod", checkout_key="k1"
    )
    assert first.pk == again.pk
    product.refresh_from_db()
    assert product.stock == 4


@pytest.mark.django_db
def test_service_refuses_a_product_of_another_store(store, make_store, make_product, customer):
    theirs = make_product(make_store())
    with pytest.raises(OrderError, match="not sold by this store"):
        order_place(store=store, items={theirs.id: 1}, customer=customer, payment_method="cod")


@pytest.mark.django_db
def test_customer_follows_the_order_by_its_token(store, make_product, place, api_client):
    product = make_product(store)
    token = place(store, [{"product": product.id, "quantity": 1}]).json()["token"]
    response = api_client.get(f"/api/v1/orders/{token}/")
    assert response.status_code == 200
    assert response.json()["number"] == 1001
    wrong = token[:-1] + ("y" if token.endswith("x") else "x")  # one character off, never the token
    assert api_client.get(f"/api/v1/orders/{wrong}/").status_code == 404


@pytest.mark.django_db
def test_gateway_order_waits_for_payment_and_gets_a_payment_url(store, make_product, place):
    product = make_product(store)
    body = place(store, [{"product": product.id, "quantity": 1}], payment_method="gateway").json()
    assert body["status"] == "pending_payment"
    assert "/pay/fake/" in body["payment_url"]
