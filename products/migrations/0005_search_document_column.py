"""Store the weighted search document instead of recomputing to_tsvector per row per search.

On a 2,000-product store with real descriptions, computing the tsvector inside every search
cost 60-500 ms; a STORED generated column (kept current by PostgreSQL on every write path,
ORM or raw SQL) with a GIN index brings that to a few milliseconds. The column is not on the
Django model: only products/search.py reads it, with raw SQL. PostgreSQL only; a no-op on SQLite.
"""

from django.db import migrations

DOCUMENT_SQL = (
    "setweight(to_tsvector('english'::regconfig, coalesce(name, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'B')"
)

FORWARD = [
    "DROP INDEX IF EXISTS product_search_document_idx",
    f"ALTER TABLE products_product ADD COLUMN IF NOT EXISTS search_document tsvector "
    f"GENERATED ALWAYS AS ({DOCUMENT_SQL}) STORED",
    "CREATE INDEX IF NOT EXISTS product_search_document_idx ON products_product USING gin (search_document)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS product_search_document_idx",
    "ALTER TABLE products_product DROP COLUMN IF EXISTS search_document",
    f"CREATE INDEX IF NOT EXISTS product_search_document_idx ON products_product USING gin (({DOCUMENT_SQL}))",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("products", "0004_fuzzystrmatch"),
    ]

    operations = [
        migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False),
    ]
