"""Book ch. 6: ORDER BY price on a 2,000-product store must walk the index, not sort the table."""

from __future__ import annotations

import random
import re
from decimal import Decimal

import pytest
from django.db import connection

from products.models import Product
from products.selectors import list_store_products

STORES = 5
PRODUCTS_PER_STORE = 2000


@pytest.fixture
def five_big_stores(make_store, make_category):
    rng = random.Random(6)
    stores = []
    for number in range(STORES):
        store = make_store(name=f"Big Store {number}")
        category = make_category(store, "Everything")
        Product.objects.bulk_create(
            [
                Product(
                    store=store,
                    category=category if index % 3 else None,
                    name=f"Product {index}",
                    price=Decimal(rng.randint(100, 500_000)) / 100,
                    is_active=index % 10 != 0,
                    position=index,
                )
                for index in range(PRODUCTS_PER_STORE)
            ],
            batch_size=1000,
        )
        stores.append(store)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE products_product")
    return stores


def full_sorts(plan: str) -> list[str]:
    """Plan nodes that sort their whole input (an Incremental Sort on a presorted key is fine)."""
    nodes = [
        match.group(1).strip() for match in re.finditer(r"^\s*(?:->\s*)?([A-Za-z ]+?)\s+\(cost", plan, re.M)
    ]
    return [node for node in nodes if node == "Sort"]


@pytest.mark.postgres
@pytest.mark.parametrize("sort", ["price_asc", "price_desc"])
def test_sorting_a_big_store_by_price_walks_the_price_index(five_big_stores, sort):
    store = five_big_stores[2]
    page = list_store_products(store.pk, sort=sort)[:24]

    plan = page.explain()

    assert "product_store_price_idx" in plan, plan
    assert "Seq Scan" not in plan, plan
    assert full_sorts(plan) == [], plan
    assert "Presorted Key: price" in plan or "Sort" not in plan, plan
    prices = [product.price for product in page]
    assert len(prices) == 24
    assert prices == sorted(prices, reverse=sort == "price_desc")


@pytest.mark.postgres
def test_the_second_page_by_price_uses_the_index_too(five_big_stores):
    store = five_big_stores[0]

    plan = list_store_products(store.pk, sort="price_asc")[24:48].explain()

    assert "product_store_price_idx" in plan, plan
    assert full_sorts(plan) == [], plan


@pytest.mark.postgres
def test_the_plan_check_would_catch_a_full_sort(five_big_stores):
    # Sorting by a column no index covers must show up as a full Sort node.
    plan = Product.objects.filter(store=five_big_stores[1], is_active=True).order_by("name")[:24].explain()

    assert full_sorts(plan) == ["Sort"], plan


def test_price_sort_is_correct_on_any_database(make_store, make_product):
    store = make_store()
    for price in ["30", "10", "20"]:
        make_product(store, price=price)
    make_product(store, price="1", is_active=False)

    prices = [p.price for p in list_store_products(store.pk, sort="price_asc")]

    assert prices == [Decimal("10"), Decimal("20"), Decimal("30")]


def test_an_unknown_sort_falls_back_to_the_sellers_order(make_store, make_product):
    store = make_store()
    first = make_product(store, name="First", price="30", position=0)
    second = make_product(store, name="Second", price="10", position=1)

    assert list(list_store_products(store.pk, sort="bogus")) == [first, second]
