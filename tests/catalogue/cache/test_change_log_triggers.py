"""The database, not the application, records catalogue changes: every write path lands in the log."""

from __future__ import annotations

import select
import time
from decimal import Decimal

import pytest
from django.db import connection, transaction

from catalogue.models import CatalogueChange
from products.models import Category, Product


def changed_stores(after_id: int = 0) -> set[int]:
    return set(CatalogueChange.objects.filter(id__gt=after_id).values_list("store_id", flat=True))


def last_change_id() -> int:
    return CatalogueChange.objects.order_by("-id").values_list("id", flat=True).first() or 0


def test_orm_save_of_a_product_logs_a_change_for_its_store(make_store, make_product):
    store, other = make_store(), make_store()
    product = make_product(store)
    mark = last_change_id()

    product.price = Decimal("99.00")
    product.save()

    change = CatalogueChange.objects.get(id__gt=mark)
    assert (change.store_id, change.table, change.op) == (store.id, "products_product", "UPDATE")
    assert other.id not in changed_stores(mark)


def test_queryset_update_bulk_create_raw_sql_and_delete_are_all_logged(make_store, make_product):
    stores = [make_store() for _ in range(4)]
    make_product(stores[0])

    mark = last_change_id()
    Product.objects.filter(store=stores[0]).update(price=Decimal("5.00"))
    assert changed_stores(mark) == {stores[0].id}

    mark = last_change_id()
    Product.objects.bulk_create([Product(store=stores[1], name=f"Item {i}", price=1) for i in range(3)])
    assert changed_stores(mark) == {stores[1].id}

    mark = last_change_id()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE products_product SET price = price + 1 WHERE store_id = %s", [stores[0].id])
    assert changed_stores(mark) == {stores[0].id}

    mark = last_change_id()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM products_product WHERE store_id = %s", [stores[1].id])
    assert changed_stores(mark) == {stores[1].id}
    assert set(CatalogueChange.objects.filter(id__gt=mark).values_list("op", flat=True)) == {"DELETE"}

    untouched = {stores[2].id, stores[3].id}
    assert not untouched & changed_stores(mark)


def test_category_and_store_edits_are_logged(make_store, make_category):
    store = make_store()
    mark = last_change_id()
    category = make_category(store, name="Sweets")
    assert changed_stores(mark) == {store.id}

    mark = last_change_id()
    Category.objects.filter(pk=category.pk).update(name="Mithai")
    store.name = "Renamed"
    store.save()
    rows = CatalogueChange.objects.filter(id__gt=mark)
    assert {(r.store_id, r.table) for r in rows} == {
        (store.id, "products_category"),
        (store.id, "stores_store"),
    }


def test_moving_a_product_to_another_store_logs_both_stores(make_store, make_product):
    old, new = make_store(), make_store()
    product = make_product(old)
    mark = last_change_id()

    Product.objects.filter(pk=product.pk).update(store=new)

    assert changed_stores(mark) == {old.id, new.id}


@pytest.mark.postgres
def test_a_bulk_update_of_many_products_logs_one_row_per_store(make_store):
    store = make_store()
    Product.objects.bulk_create([Product(store=store, name=f"Item {i}", price=10) for i in range(300)])
    mark = last_change_id()

    Product.objects.filter(store=store).update(price=Decimal("11.00"))

    assert CatalogueChange.objects.filter(id__gt=mark).count() == 1


def test_a_rolled_back_write_logs_nothing(make_store, make_product):
    store = make_store()
    product = make_product(store)
    mark = last_change_id()

    with pytest.raises(RuntimeError), transaction.atomic():
        Product.objects.filter(pk=product.pk).update(price=Decimal("1.00"))
        raise RuntimeError("seller's request failed")

    assert not CatalogueChange.objects.filter(id__gt=mark).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_notify_carries_only_the_store_id_and_only_for_committed_writes(make_store, make_product):
    rolled_back, committed = make_store(), make_store()
    product = make_product(rolled_back)
    listener = connection.get_new_connection(connection.get_connection_params())
    listener.autocommit = True
    try:
        with listener.cursor() as cursor:
            cursor.execute("LISTEN product_changes")

        with pytest.raises(RuntimeError), transaction.atomic():
            Product.objects.filter(pk=product.pk).update(price=Decimal("1.00"))
            raise RuntimeError("rolled back")
        make_product(committed, price="42.00")

        payloads: list[str] = []
        deadline = time.monotonic() + 5
        while not payloads and time.monotonic() < deadline:
            if select.select([listener], [], [], 0.1)[0]:
                listener.poll()
                payloads += [n.payload for n in listener.notifies]
                listener.notifies.clear()
        assert payloads == [str(committed.id)]
        assert listener.notifies == []
    finally:
        listener.close()
