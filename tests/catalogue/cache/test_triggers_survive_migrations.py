"""The change-log triggers are on every catalogue table after `migrate`, on SQLite too, where a
migration that rebuilds a table (stores 0002 adding the delivery fee columns does) drops them."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from catalogue.models import CatalogueChange

pytestmark = pytest.mark.django_db

TABLES = ["products_category", "products_product", "products_productvariant", "stores_store"]
EXPECTED = sorted(f"dukaan_catalogue_{table}_{op}" for table in TABLES for op in ("ins", "upd", "del"))


def _trigger_names() -> list[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'dukaan_catalogue_%'"
            )
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'dukaan_catalogue_%' AND NOT tgisinternal"
            )
        return sorted(row[0] for row in cursor.fetchall())


def test_every_catalogue_table_has_its_triggers_after_migrate():
    assert _trigger_names() == EXPECTED


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite rebuilds tables; PostgreSQL alters them")
@pytest.mark.django_db(transaction=True)
def test_migrate_puts_back_a_trigger_a_table_rebuild_dropped(store):
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER dukaan_catalogue_stores_store_upd")  # as a table rebuild does
    call_command("migrate", verbosity=0)
    assert _trigger_names() == EXPECTED
    before = CatalogueChange.objects.count()
    store.name = "Renamed Store"
    store.save()
    assert CatalogueChange.objects.filter(store_id=store.pk).count() > 0
    assert CatalogueChange.objects.count() > before
