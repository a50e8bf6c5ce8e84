from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from dukaan.progress import ProgressBar
from ops.staging import database_marked_production, seed_staging


class Command(BaseCommand):
    help = "Fill a staging database with production-shaped data: many stores and one 2,000-product store."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--stores", type=int, default=200, help="stores to create (default 200)")
        parser.add_argument("--products-per-store", type=int, default=20)
        parser.add_argument("--big-store-products", type=int, default=2000, help="0 to skip the big store")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        reason = database_marked_production()
        if reason:
            raise CommandError(f"Refusing to seed a production database: {reason}.")
        for name in ("stores", "products_per_store", "big_store_products"):
            if options[name] < 0 or options[name] > 1_000_000:
                raise CommandError(f"--{name.replace('_', '-')} must be between 0 and 1,000,000.")
        bar = ProgressBar(self.stdout)
        created = seed_staging(
            stores=options["stores"],
            products_per_store=options["products_per_store"],
            big_store_products=options["big_store_products"],
            seed=options["seed"],
            progress=bar.update,
        )
        bar.finish()
        self.stdout.write(
            self.style.SUCCESS(f"Seeded {created['stores']} stores with {created['products']} products.")
        )
