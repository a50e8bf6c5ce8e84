"""Search indexes (PostgreSQL only): pg_trgm, a GIN index on the weighted tsvector of name and
description, and a trigram GIN index on the name. On SQLite every operation here is a no-op."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

# Must stay identical to products.search._DOCUMENT_SQL (with the table name for "p").
DOCUMENT_SQL = (
    "(setweight(to_tsvector('english', coalesce(name, '')), 'A') || "
    "setweight(to_tsvector('english', coalesce(description, '')), 'B'))"
)

FORWARD = [
    f"CREATE INDEX IF NOT EXISTS product_search_document_idx ON products_product USING gin ({DOCUMENT_SQL})",
    "CREATE INDEX IF NOT EXISTS product_name_trgm_idx ON products_product USING gin (name gin_trgm_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS product_search_document_idx",
    "DROP INDEX IF EXISTS product_name_trgm_idx",
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
        ("products", "0002_initial"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False),
    ]
