from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from dukaan.progress import ProgressBar
from ops.staging import ProductionDatabaseError, sanitize_database


class Command(BaseCommand):
    help = (
        "Replace personal data (names, phones, addresses, tokens, OTPs, payment references) in a "
        "restored copy of production and scramble prices consistently. Refuses a production database."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--yes", action="store_true", help="confirm: this rewrites the whole database")
        parser.add_argument("--seed", type=int, default=None, help="random seed (for repeatable runs)")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["yes"]:
            raise CommandError("This rewrites every customer and seller record. Run again with --yes.")
        bar = ProgressBar(self.stdout)
        try:
            report = sanitize_database(seed=options["seed"], progress=bar.update)
        except ProductionDatabaseError as exc:
            raise CommandError(str(exc)) from exc
        bar.finish()
        for what, count in report.counts.items():
            self.stdout.write(f"  {what}: {count}")
        self.stdout.write(self.style.SUCCESS("Sanitized: no real person's data is left in this database."))
