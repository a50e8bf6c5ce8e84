"""Stock-only product updates are logged as op 'STOCK' (PostgreSQL).

A flash sale decrements stock with every order. Logged as 'STOCK', those updates refresh a store's
cached catalogue at most once per DUKAAN_STOCK_REFRESH_SECONDS instead of throwing it away once per
order (catalogue/cache.py). Any other change to a row in the same statement is a plain 'UPDATE'.
SQLite (development) keeps logging every update as 'UPDATE'.
"""

import importlib

from django.db import migrations

# Columns whose change alone is a stock change: the stock itself and the row's own timestamp.
STOCK_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION dukaan_log_catalogue_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    store_column text := TG_ARGV[0];
    source_sql text;
    op text := TG_OP;
BEGIN
    IF TG_OP = 'INSERT' THEN
        source_sql := format('SELECT %I AS sid FROM new_rows', store_column);
    ELSIF TG_OP = 'DELETE' THEN
        source_sql := format('SELECT %I AS sid FROM old_rows', store_column);
    ELSE
        source_sql := format('SELECT %1$I AS sid FROM new_rows UNION SELECT %1$I FROM old_rows', store_column);
        IF TG_TABLE_NAME = 'products_product' AND NOT EXISTS (
            SELECT 1 FROM new_rows n FULL JOIN old_rows o ON o.id = n.id
            WHERE o.id IS NULL OR n.id IS NULL
               OR (to_jsonb(n) - 'stock' - 'updated_at') IS DISTINCT FROM (to_jsonb(o) - 'stock' - 'updated_at')
        ) THEN
            op := 'STOCK';
        END IF;
    END IF;
    EXECUTE format(
        'WITH logged AS ('
        '  INSERT INTO dukaan_cataloguechange (store_id, "table", op, txid, created_at)'
        '  SELECT d.sid, %L, %L, pg_current_xact_id()::text::bigint, clock_timestamp()'
        '  FROM (SELECT DISTINCT s.sid FROM (%s) s WHERE s.sid IS NOT NULL) d'
        '  RETURNING store_id'
        ') SELECT count(pg_notify(''product_changes'', store_id::text)) FROM logged',
        TG_TABLE_NAME, op, source_sql
    );
    RETURN NULL;
END;
$$;
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(STOCK_ONLY_FUNCTION, params=None)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        previous = importlib.import_module("catalogue.migrations.0002_catalogue_triggers")
        schema_editor.execute(previous.PG_FUNCTION, params=None)


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0002_catalogue_triggers")]

    operations = [migrations.RunPython(install, uninstall)]
