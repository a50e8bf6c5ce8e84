"""fuzzystrmatch (levenshtein) for ranking typo matches in search; a no-op on SQLite."""

from django.contrib.postgres.operations import CreateExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("products", "0003_search_indexes"),
    ]

    operations = [
        CreateExtension("fuzzystrmatch"),
    ]
