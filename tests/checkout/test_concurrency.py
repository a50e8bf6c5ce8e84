"""Concurrent buyers on real PostgreSQL: threads, each with its own connection."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection
from rest_framework.test import APIClient

from orders.models import Order
from orders.services import OrderError, order_place, order_status_change

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_concurrently(count: int, work) -> list:
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except Exception as exc:  # the test inspects every outcome
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_thirty_concurrent_checkouts_for_five_units_make_exactly_five_orders(store, make_product, order_body):
    product = make_product(store, "Last Mangoes", "250.00", stock=5)
    body = order_body([{"product": product.id, "quantity": 1}])

    def checkout(_: int):
        return APIClient().post(f"/api/v1/stores/{store.slug}/orders/", body, format="json")

    responses = run_concurrently(30, checkout)
    statuses = Counter(getattr(r, "status_code", repr(r)) for r in responses)
    assert statuses == {201: 5, 400: 25}, statuses
    refused = [r.json() for r in responses if r.status_code == 400]
    assert all("out of stock" in str(body) or "left" in str(body) for body in refused)
    product.refresh_from_db()
    assert product.stock == 0
    numbers = list(Order.objects.filter(store=store).values_list("number", flat=True))
    assert sorted(numbers) == [1001, 1002, 1003, 1004, 1005]


def test_concurrent_checkouts_of_different_products_never_share_a_number(store, make_product, customer):
    products = [make_product(store, f"P{i}", stock=None) for i in range(4)]

    def checkout(index: int) -> Order:
        # Two products each, in opposite orders, to provoke lock-order deadlocks if there were any.
        first, second = products[index % 4], products[(index + 1) % 4]
        items = {first.id: 1, second.id: 1} if index % 2 else {second.id: 1, first.id: 1}
        return order_place(store=store, items=items, customer=customer, payment_method="cod")

    results = run_concurrently(20, checkout)
    assert all(isinstance(r, Order) for r in results), results
    numbers = sorted(r.number for r in results)
    assert numbers == list(range(1001, 1021))


def test_two_concurrent_cancellations_restore_the_stock_once(store, make_product, customer):
    product = make_product(store, stock=5)
    order = order_place(store=store, items={product.id: 3}, customer=customer, payment_method="cod")

    def cancel(_: int):
        return order_status_change(order=order, status="cancelled", reason="Customer asked")

    results = run_concurrently(2, cancel)
    assert sum(isinstance(r, Order) for r in results) == 1
    assert sum(isinstance(r, OrderError) for r in results) == 1
    product.refresh_from_db()
    assert product.stock == 5
