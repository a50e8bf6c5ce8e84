"""A production database migrates from the layout before the catalogue app to today's, every row intact.

The fixture is a pg_dump of a database migrated to the last head of the old layout (the change log
and the invalidator's cursor in the `dukaan` app) with rows in every table: sellers, groups and
permissions, tokens, sessions, admin log, sign-in codes, stores, categories, products, orders in
every state, items, events, payments and a gateway webhook, the change log and the cursor.
"""

from __future__ import annotations

import os
import secrets
import subprocess
from pathlib import Path

import dj_database_url
import pytest

from tests.servers import manage

FIXTURE = Path(__file__).parent / "fixtures" / "dukaan_app_head_2026-12-01.sql"
# Tables a migration legitimately adds rows to (a new app's content types and permissions, the
# migration records): there the old rows must be unchanged, and new ones may follow.
GROWS = {"django_migrations", "django_content_type", "auth_permission"}

pytestmark = [pytest.mark.postgres, pytest.mark.integration]


def _psql(dsn: str, sql: str) -> str:
    result = subprocess.run(
        ["psql", dsn, "-v", "ON_ERROR_STOP=1", "-X", "-q", "-At", "-c", sql],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _tables(dsn: str) -> list[str]:
    out = _psql(dsn, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
    return out.splitlines()


def _columns(dsn: str, table: str) -> list[str]:
    out = _psql(
        dsn,
        "SELECT column_name FROM information_schema.columns "  # noqa: S608 - names from the catalog
        f"WHERE table_schema = 'public' AND table_name = '{table}' ORDER BY ordinal_position",
    )
    return out.splitlines()


def _fingerprint(dsn: str, table: str, columns: list[str], *, first_rows: int | None = None) -> tuple[int, str]:
    """Row count and an md5 of `columns` of every row, in primary-key order (the first N rows if asked).

    Only the columns the table had before: a later migration may add a column, never change a value.
    """
    limit = f" LIMIT {first_rows}" if first_rows is not None else ""
    selected = ", ".join(f'"{column}"' for column in columns)
    out = _psql(
        dsn,
        f"SELECT count(*), md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) "  # noqa: S608
        f'FROM (SELECT {selected} FROM "{table}" ORDER BY 1{limit}) r',
    )
    count, digest = out.split("|")
    return int(count), digest


@pytest.fixture
def old_layout_database():
    base = dj_database_url.parse(os.environ["DATABASE_URL"])
    name = f"dukaan_upgrade_{secrets.token_hex(4)}"
    server = f"postgres://{base['USER'] or 'postgres'}@{base['HOST'] or '127.0.0.1'}:{base['PORT'] or 5432}"
    admin_dsn = f"{server}/postgres"
    _psql(admin_dsn, f'CREATE DATABASE "{name}"')
    dsn = f"{server}/{name}"
    loaded = subprocess.run(
        ["psql", dsn, "-v", "ON_ERROR_STOP=1", "-X", "-q", "-f", str(FIXTURE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert loaded.returncode == 0, loaded.stderr
    try:
        yield dsn
    finally:
        _psql(admin_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _env(dsn: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "DJANGO_SETTINGS"))}
    return {**env, "DATABASE_URL": dsn, "DJANGO_DEBUG": "1", "DJANGO_SETTINGS_MODULE": "dukaan.settings"}


def test_every_table_of_the_old_layout_has_rows(old_layout_database):
    dsn = old_layout_database
    empty = [t for t in _tables(dsn) if _fingerprint(dsn, t, _columns(dsn, t))[0] == 0]
    assert empty == []


def test_migrating_to_the_new_layout_keeps_every_row_and_the_triggers(old_layout_database):
    dsn = old_layout_database
    columns = {table: _columns(dsn, table) for table in _tables(dsn)}
    before = {table: _fingerprint(dsn, table, columns[table]) for table in columns}
    assert "dukaan_cataloguechange" in before and "dukaan_invalidatorcursor" in before

    out = manage(_env(dsn), "migrate", "--noinput")
    assert "catalogue.0001_initial... OK" in out.replace("Applying ", "")

    after_tables = set(_tables(dsn))
    assert set(before) <= after_tables, "a table disappeared"
    for table, (count, digest) in before.items():
        assert set(columns[table]) <= set(_columns(dsn, table)), f"a column of {table} disappeared"
        if table in GROWS:
            assert _fingerprint(dsn, table, columns[table], first_rows=count) == (count, digest), table
        else:
            assert _fingerprint(dsn, table, columns[table]) == (count, digest), table

    # The moved models read the old tables, and the triggers still log every catalogue write.
    changes_before = before["dukaan_cataloguechange"][0]
    _psql(dsn, "UPDATE products_product SET price = price + 1 WHERE id = (SELECT min(id) FROM products_product)")
    assert int(_psql(dsn, "SELECT count(*) FROM dukaan_cataloguechange")) == changes_before + 1
    listed = manage(_env(dsn), "shell", "--no-imports", "-c", (
        "from catalogue.models import CatalogueChange, InvalidatorCursor;"
        "print(CatalogueChange.objects.count(), InvalidatorCursor.objects.get().last_change_id)"
    ))  # fmt: skip
    assert listed.split() == [str(changes_before + 1), "3"]
    # Nothing left for makemigrations to write: the state matches the models.
    manage(_env(dsn), "makemigrations", "--check", "--dry-run")
