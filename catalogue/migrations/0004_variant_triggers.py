"""Product variants are part of the catalogue: their changes are logged like the products'.

products_productvariant gets the same insert/update/delete triggers as the tables of migration
0002, and its stock-only updates are logged as 'STOCK' like the products' (migration 0003), so a
flash sale on a kurta's sizes refreshes the cached catalogue at most once a second too.
"""

import importlib

from django.db import migrations

base = importlib.import_module("catalogue.migrations.0002_catalogue_triggers")
stock_only = importlib.import_module("catalogue.migrations.0003_stock_only_changes")

VARIANT_TABLE = ("products_productvariant", "store_id")
# Every table whose rows the catalogue is built from (catalogue/triggers.py restores them on SQLite).
CATALOGUE_TABLES = [*base.CATALOGUE_TABLES, VARIANT_TABLE]
sqlite_triggers = base.sqlite_triggers

STOCK_TABLES_FUNCTION = stock_only.STOCK_ONLY_FUNCTION.replace(
    "IF TG_TABLE_NAME = 'products_product' AND NOT EXISTS (",
    "IF TG_TABLE_NAME IN ('products_product', 'products_productvariant') AND NOT EXISTS (",
)
assert STOCK_TABLES_FUNCTION != stock_only.STOCK_ONLY_FUNCTION


def _names(table: str) -> list[str]:
    return [f"dukaan_catalogue_{table}_{suffix}" for suffix in ("ins", "upd", "del")]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    table, column = VARIANT_TABLE
    uninstall(apps, schema_editor)
    if vendor == "postgresql":
        statements = [STOCK_TABLES_FUNCTION, *base.pg_triggers(table, column)]
    elif vendor == "sqlite":
        statements = base.sqlite_triggers(table, column)
    else:
        raise RuntimeError(f"catalogue change triggers are not written for {vendor}")
    for statement in statements:
        schema_editor.execute(statement, params=None)


def uninstall(apps, schema_editor):
    table, _column = VARIANT_TABLE
    postgres = schema_editor.connection.vendor == "postgresql"
    for name in _names(table):
        schema_editor.execute(
            f"DROP TRIGGER IF EXISTS {name}{f' ON {table}' if postgres else ''};", params=None
        )
    if postgres:
        schema_editor.execute(stock_only.STOCK_ONLY_FUNCTION, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0003_stock_only_changes"),
        ("products", "0007_variants"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
