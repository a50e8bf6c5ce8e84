from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ops.refresh import RefreshFailed, RefreshRefused, refresh_staging


class Command(BaseCommand):
    help = (
        "Refresh staging from production: check the target (refuses production and the source itself), "
        "dump the source, sanitize it in a scratch database, load only the sanitized copy into staging, "
        "then run the leak check. Run it with the staging app's environment."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--source", default=os.environ.get("PROD_DATABASE_URL", ""),
            help="production database URL, read-only, ideally a replica (default: $PROD_DATABASE_URL)",
        )  # fmt: skip
        parser.add_argument(
            "--target", default=os.environ.get("STAGING_DATABASE_URL", ""),
            help="staging database URL, replaced entirely (default: $STAGING_DATABASE_URL)",
        )  # fmt: skip
        parser.add_argument(
            "--scratch-server", default=os.environ.get("SCRATCH_SERVER_URL") or None,
            help="a PostgreSQL server URL for the scratch database (default: a throwaway local cluster)",
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["source"] or not options["target"]:
            raise CommandError("Give --source and --target (or PROD_DATABASE_URL and STAGING_DATABASE_URL).")
        try:
            report = refresh_staging(
                source_dsn=options["source"],
                target_dsn=options["target"],
                scratch_server=options["scratch_server"],
                say=lambda message: self.stdout.write(f"==> {message}"),
            )
        except RefreshRefused as exc:
            raise CommandError(f"Refusing to refresh, nothing was changed: {exc}") from exc
        except RefreshFailed as exc:
            raise CommandError(f"Staging refresh failed: {exc}") from exc
        leak = report.leak
        self.stdout.write(
            f"  leak check: {leak.needles} source values, {leak.columns_scanned} text/JSON columns, "
            f"{leak.rows_scanned} values scanned: none found"
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Staging {report.target.name!r} refreshed from {report.source.name!r}: "
                f"{sum(report.row_counts.values())} rows in {len(report.row_counts)} tables, sanitized. "
                "Sign in with `manage.py staging_login`."
            )
        )
