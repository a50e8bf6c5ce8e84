from __future__ import annotations

from typing import Any

import psycopg2
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from psycopg2.extensions import make_dsn

from ops.leak_check import leak_check


def default_database_dsn() -> str:
    """This app's own database (DATABASE_URL) as a libpq connection string."""
    if connection.vendor != "postgresql":
        raise CommandError("The leak check reads PostgreSQL: set DATABASE_URL to staging, or give --target.")
    params = connection.get_connection_params()
    keep = {k: v for k, v in params.items() if k in ("dbname", "user", "password", "host", "port") and v}
    return make_dsn(**{k: str(v) for k, v in keep.items()})


class Command(BaseCommand):
    help = (
        "Scan every text and JSON column of staging for any value of the source's personal columns "
        "(phones, names, addresses, notes, reasons, tokens, payment references); fail on the first hit."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--source", required=True, help="production (or a replica) database URL")
        parser.add_argument("--target", default="", help="database to scan (default: DATABASE_URL)")

    def handle(self, *args: Any, **options: Any) -> None:
        target = options["target"] or default_database_dsn()
        try:
            report = leak_check(source_dsn=options["source"], target=target)
        except psycopg2.Error as exc:
            raise CommandError(f"Leak check could not run: {str(exc).strip().splitlines()[0]}") from exc
        if report.leak:
            raise CommandError(f"LEAK: {report.leak}. Staging is not sanitized: refresh it again.")
        self.stdout.write(
            self.style.SUCCESS(
                f"No leak: {report.needles} source values looked for in {report.columns_scanned} "
                f"text/JSON columns ({report.rows_scanned} values)."
            )
        )
