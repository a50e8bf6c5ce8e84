"""Triggers that record every change to a store's catalogue in dukaan_cataloguechange.

Idempotent: a database that the `dukaan` app migrated already has them, and they are replaced.

PostgreSQL: statement-level AFTER triggers with transition tables, so a QuerySet.update() of
2,000 products writes one change-log row per store, not 2,000; each affected store id is also sent
with pg_notify('product_changes', '<store id>') - a tiny payload, delivered only on commit (a
rollback notifies nothing and its log rows vanish with it).
SQLite: row-level triggers write the same log; the invalidator polls it.
"""

from django.db import migrations

# (table, column that holds the store id)
CATALOGUE_TABLES = [
    ("stores_store", "id"),
    ("products_category", "store_id"),
    ("products_product", "store_id"),
]

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION dukaan_log_catalogue_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    store_column text := TG_ARGV[0];
    source_sql text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        source_sql := format('SELECT %I AS sid FROM new_rows', store_column);
    ELSIF TG_OP = 'DELETE' THEN
        source_sql := format('SELECT %I AS sid FROM old_rows', store_column);
    ELSE
        source_sql := format('SELECT %1$I AS sid FROM new_rows UNION SELECT %1$I FROM old_rows', store_column);
    END IF;
    EXECUTE format(
        'WITH logged AS ('
        '  INSERT INTO dukaan_cataloguechange (store_id, "table", op, txid, created_at)'
        '  SELECT d.sid, %L, %L, pg_current_xact_id()::text::bigint, clock_timestamp()'
        '  FROM (SELECT DISTINCT s.sid FROM (%s) s WHERE s.sid IS NOT NULL) d'
        '  RETURNING store_id'
        ') SELECT count(pg_notify(''product_changes'', store_id::text)) FROM logged',
        TG_TABLE_NAME, TG_OP, source_sql
    );
    RETURN NULL;
END;
$$;
"""


def pg_triggers(table: str, column: str) -> list[str]:
    return [
        f"CREATE TRIGGER dukaan_catalogue_{table}_ins AFTER INSERT ON {table} "
        f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dukaan_log_catalogue_change('{column}');",
        f"CREATE TRIGGER dukaan_catalogue_{table}_upd AFTER UPDATE ON {table} "
        f"REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT "
        f"EXECUTE FUNCTION dukaan_log_catalogue_change('{column}');",
        f"CREATE TRIGGER dukaan_catalogue_{table}_del AFTER DELETE ON {table} "
        f"REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION dukaan_log_catalogue_change('{column}');",
    ]


def sqlite_triggers(table: str, column: str) -> list[str]:
    # Built from the fixed table list above, never from input.
    now = "strftime('%Y-%m-%d %H:%M:%f', 'now')"
    insert = 'INSERT INTO dukaan_cataloguechange (store_id, "table", op, created_at)'
    return [
        f"CREATE TRIGGER dukaan_catalogue_{table}_ins AFTER INSERT ON {table} BEGIN "  # noqa: S608
        f"{insert} VALUES (NEW.{column}, '{table}', 'INSERT', {now}); END;",
        f"CREATE TRIGGER dukaan_catalogue_{table}_upd AFTER UPDATE ON {table} BEGIN "  # noqa: S608
        f"{insert} SELECT sid, '{table}', 'UPDATE', {now} FROM "
        f"(SELECT NEW.{column} AS sid UNION SELECT OLD.{column}); END;",
        f"CREATE TRIGGER dukaan_catalogue_{table}_del AFTER DELETE ON {table} BEGIN "  # noqa: S608
        f"{insert} VALUES (OLD.{column}, '{table}', 'DELETE', {now}); END;",
    ]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    uninstall(apps, schema_editor)
    if vendor == "postgresql":
        statements = [PG_FUNCTION]
        for table, column in CATALOGUE_TABLES:
            statements += pg_triggers(table, column)
    elif vendor == "sqlite":
        statements = []
        for table, column in CATALOGUE_TABLES:
            statements += sqlite_triggers(table, column)
    else:
        raise RuntimeError(f"catalogue change triggers are not written for {vendor}")
    for statement in statements:
        schema_editor.execute(statement, params=None)


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table, _column in CATALOGUE_TABLES:
        for suffix in ("ins", "upd", "del"):
            name = f"dukaan_catalogue_{table}_{suffix}"
            if vendor == "postgresql":
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table};", params=None)
            else:
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name};", params=None)
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS dukaan_log_catalogue_change();", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0001_initial"),
        ("stores", "0001_initial"),
        ("products", "0002_initial"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
