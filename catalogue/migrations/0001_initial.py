"""The change log and the invalidator's cursor, moved here from the `dukaan` app.

The tables keep their names. A database that the `dukaan` app already migrated has them, and
this migration only records the models in the catalogue app's state; a new database gets them
created here.
"""

from django.db import migrations, models

TABLES = ("CatalogueChange", "InvalidatorCursor")


def create_missing_tables(apps, schema_editor):
    existing = set(schema_editor.connection.introspection.table_names())
    for name in TABLES:
        model = apps.get_model("catalogue", name)
        if model._meta.db_table not in existing:
            schema_editor.create_model(model)


def drop_tables(apps, schema_editor):
    for name in TABLES:
        schema_editor.delete_model(apps.get_model("catalogue", name))


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="InvalidatorCursor",
                    fields=[
                        ("name", models.CharField(max_length=50, primary_key=True, serialize=False)),
                        ("snapshot", models.TextField(blank=True)),
                        ("last_change_id", models.BigIntegerField(default=0)),
                        ("last_processed_at", models.DateTimeField(blank=True, null=True)),
                        ("heartbeat_at", models.DateTimeField(blank=True, null=True)),
                    ],
                    options={"db_table": "dukaan_invalidatorcursor"},
                ),
                migrations.CreateModel(
                    name="CatalogueChange",
                    fields=[
                        ("id", models.BigAutoField(primary_key=True, serialize=False)),
                        ("store_id", models.BigIntegerField()),
                        ("table", models.CharField(max_length=63)),
                        ("op", models.CharField(max_length=8)),
                        ("txid", models.BigIntegerField(blank=True, null=True)),
                        ("created_at", models.DateTimeField()),
                    ],
                    options={
                        "db_table": "dukaan_cataloguechange",
                        "indexes": [
                            models.Index(fields=["txid"], name="cataloguechange_txid_idx"),
                            models.Index(fields=["store_id", "-id"], name="cataloguechange_store_idx"),
                            models.Index(fields=["created_at"], name="cataloguechange_created_idx"),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(create_missing_tables, drop_tables),
    ]
