from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ops.models import EnvironmentMarker


class Command(BaseCommand):
    help = (
        "Record in this database which environment it is (ops_environmentmarker). A database marked "
        "production is refused by seed_staging, sanitize_staging, staging_login and refresh_staging."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("environment", choices=["production", "staging", "development"])
        parser.add_argument("--note", default="", help="who marked it and why")

    def handle(self, *args: Any, **options: Any) -> None:
        EnvironmentMarker.objects.all().delete()
        marker = EnvironmentMarker.objects.create(
            environment=options["environment"], note=options["note"][:200]
        )
        self.stdout.write(self.style.SUCCESS(f"This database is now marked {marker.environment}."))
