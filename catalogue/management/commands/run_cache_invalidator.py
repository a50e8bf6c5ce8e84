"""`manage.py run_cache_invalidator`: delete cached catalogues as the database reports changes."""

from __future__ import annotations

import signal
from typing import Any

from django.core.management.base import BaseCommand

from catalogue.invalidator import Invalidator


class Command(BaseCommand):
    help = (
        "Long-running: LISTEN for catalogue changes (PostgreSQL; polls the change log on SQLite) and "
        "delete the stale store_catalog:<store id> keys from Redis. Catches up from its persisted "
        "position on start and after every reconnect; stop with SIGTERM."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--name",
            default="default",
            help="Cursor name; invalidators sharing a name share a position (running several is safe).",
        )
        parser.add_argument(
            "--prune", action="store_true", help="Prune the processed change log once and exit."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        invalidator = Invalidator(name=options["name"])
        if options["prune"]:
            removed = invalidator.prune()
            self.stdout.write(f"pruned {removed} change-log row(s)")
            return
        signal.signal(signal.SIGTERM, invalidator.stop)
        signal.signal(signal.SIGINT, invalidator.stop)
        invalidator.run()
