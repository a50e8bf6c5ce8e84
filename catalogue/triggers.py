"""Keeping the change-log triggers in place on SQLite after any migration.

SQLite cannot alter most columns in place, so Django's schema editor rebuilds a table (create a
copy, move the rows, drop the old one) for many migrations, e.g. adding a NOT NULL column with a
default to stores_store. Dropping the table drops its triggers with it: the catalogue would then
never hear of that table's changes, and a cached storefront would go stale for good. After every
`migrate`, the triggers that are missing are created again, exactly as migration 0002 wrote them.
PostgreSQL alters tables in place and keeps its triggers; nothing is done there.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.db import connections

TRIGGER_MIGRATION = "catalogue.migrations.0004_variant_triggers"  # the latest table list


def restore_sqlite_triggers(*, using: str = "default", **kwargs: Any) -> list[str]:
    """Create the catalogue triggers missing from an SQLite database; returns their names."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return []
    triggers = import_module(TRIGGER_MIGRATION)
    created: list[str] = []
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        if "dukaan_cataloguechange" not in tables:
            return []  # the change log is not migrated yet: migration 0002 will install them
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        existing = {row[0] for row in cursor.fetchall()}
        for table, column in triggers.CATALOGUE_TABLES:
            if table not in tables:
                continue
            for statement in triggers.sqlite_triggers(table, column):
                name = statement.split()[2]  # CREATE TRIGGER <name> ...
                if name not in existing:
                    cursor.execute(statement)
                    created.append(name)
    return created
