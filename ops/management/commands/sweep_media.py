"""Delete stored media no product or store points at any more (orphans), after a grace period.

Replaced and deleted photos are removed right after the database commit (products/services.py);
this sweep catches what that missed: a delete that failed while the bucket was unreachable, a
worker that died between upload and commit. Run it daily (cron, a Kubernetes CronJob):

    python manage.py sweep_media --dry-run          # list what would go
    python manage.py sweep_media --older-than-hours 24

The grace period protects uploads whose product row is not committed yet.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from products.models import Product
from stores.models import Store

# Every prefix the app writes media under; anything else in the bucket is left alone.
SWEPT_PREFIXES = ("products", "logos")


def _walk(storage, prefix: str) -> Iterator[str]:
    try:
        directories, files = storage.listdir(prefix)
    except FileNotFoundError:
        return
    for name in files:
        yield posixpath.join(prefix, name)
    for directory in directories:
        yield from _walk(storage, posixpath.join(prefix, directory))


def referenced_media_names() -> set[str]:
    names: set[str] = set()
    variants = Product.objects.values_list("image_thumb", "image_large", "image_small")
    for names_of_one in variants.iterator(chunk_size=5000):
        names.update(names_of_one)
    names.update(Store.objects.exclude(logo="").values_list("logo", flat=True).iterator(chunk_size=5000))
    names.discard("")
    return names


class Command(BaseCommand):
    help = "Delete media files under products/ and logos/ that nothing references, older than a grace period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than-hours", type=float, default=24.0, help="grace period (default 24)")
        parser.add_argument("--dry-run", action="store_true", help="only list what would be deleted")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["older_than_hours"] >= 0:  # also refuses NaN
            # A negative grace would reach uploads whose product row is not committed yet.
            raise CommandError("--older-than-hours must be 0 or more.")
        storage = default_storage
        cutoff = timezone.now() - timedelta(hours=options["older_than_hours"])
        dry_run = options["dry_run"]
        referenced = referenced_media_names()
        self.stdout.write(f"{len(referenced)} media files referenced by products and stores")
        seen = kept_recent = deleted = failed = 0
        try:
            for prefix in SWEPT_PREFIXES:
                for name in _walk(storage, prefix):
                    seen += 1
                    if name in referenced:
                        continue
                    if storage.get_modified_time(name) > cutoff:
                        kept_recent += 1
                        continue
                    if dry_run:
                        self.stdout.write(f"  would delete {name}")
                        deleted += 1
                        continue
                    try:
                        storage.delete(name)
                    except OSError as error:
                        failed += 1
                        self.stderr.write(f"  could not delete {name}: {error}")
                        continue
                    deleted += 1
                    self.stdout.write(f"  deleted {name}")
                    if seen % 1000 == 0:
                        self.stdout.write(f"  … {seen} files checked")
        except OSError as error:
            raise CommandError(f"could not list media storage: {error}") from error
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(
            f"{seen} files checked, {verb} {deleted} orphans, kept {kept_recent} recent unreferenced"
            + (f", {failed} failed" if failed else "")
        )
        if failed:
            raise CommandError(f"{failed} orphans could not be deleted; run again later")
