"""Check the media storage end to end: write a probe, read it back, fetch its public URL, delete it.

    python manage.py check_storage               # the default (media) storage
    python manage.py check_storage --no-fetch    # skip the HTTP GET of the public URL
    python manage.py check_storage --storage staticfiles

Exits non-zero with a sentence naming the setting to fix when any step fails.
"""

from __future__ import annotations

import secrets
import urllib.error
import urllib.request
from typing import Any

from django.contrib.staticfiles.storage import HashedFilesMixin
from django.core.files.base import ContentFile
from django.core.files.storage import InvalidStorageError, storages
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dukaan.storage import describe_storage_error

# Under products/ so the probe is public exactly when product photos are (deploy/s3/bucket-policy.json).
PROBE_PREFIX = "products/_check_storage"


class Command(BaseCommand):
    help = "Write, read back, fetch through the public URL and delete a probe object in the media storage."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--storage", default="default", help="STORAGES alias to check (default: default)")
        parser.add_argument(
            "--no-fetch", action="store_true", help="do not GET the public URL (CDN not set up yet)"
        )
        parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for the public URL")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["timeout"] > 0:  # urlopen would raise ValueError on 0 or less; NaN too
            raise CommandError("--timeout must be more than 0 seconds.")
        try:
            storage = storages[options["storage"]]
        except InvalidStorageError:
            known = ", ".join(sorted(storages.backends))
            raise CommandError(
                f"No storage {options['storage']!r} in settings.STORAGES (have: {known})."
            ) from None
        bucket = getattr(storage, "bucket_name", None)
        endpoint = getattr(storage, "endpoint_url", None)
        if bucket:
            where = f"bucket {bucket!r} at {endpoint or 'AWS S3'}"
            region = getattr(storage, "region_name", None)
            if region:
                where += f", region {region}"
        else:
            where = f"local folder {getattr(storage, 'location', '?')}"
        self.stdout.write(
            f"Storage {options['storage']!r}: {type(storage).__module__}.{type(storage).__name__}"
        )
        self.stdout.write(f"  where   {where}")

        token = secrets.token_hex(8)
        body = f"dukaan storage probe {token}\n".encode()
        name = f"{PROBE_PREFIX}/{token}.txt"
        saved = None

        def fail(step: str, error: BaseException) -> CommandError:
            reason = describe_storage_error(error, bucket=bucket, endpoint=endpoint) if bucket else str(error)
            return CommandError(f"{step} failed: {reason}")

        try:
            try:
                saved = storage.save(name, ContentFile(body))
            except Exception as error:
                raise fail("write", error) from error
            self.stdout.write(f"  write   {saved} ({len(body)} bytes) ok")

            try:
                with storage.open(saved, "rb") as probe:
                    read_back = probe.read()
            except Exception as error:
                raise fail("read back", error) from error
            if read_back != body:
                raise CommandError(
                    f"read back failed: got {len(read_back)} bytes that differ from what was written"
                )
            self.stdout.write("  read    content matches ok")

            if isinstance(storage, HashedFilesMixin):
                # The probe is not in the static manifest: the plain URL of the storage beneath.
                url = super(HashedFilesMixin, storage).url(saved)
            else:
                url = storage.url(saved)
            self.stdout.write(f"  url     {url}")
            if options["no_fetch"]:
                self.stdout.write("  fetch   skipped (--no-fetch)")
            elif not url.startswith(("http://", "https://")):
                self.stdout.write("  fetch   skipped (relative URL: served by the app or nginx, not a CDN)")
            else:
                self.stdout.write(f"  fetch   {self._fetch(url, body, options['timeout'])} ok")
        finally:
            if saved:
                try:
                    storage.delete(saved)
                except Exception as error:
                    raise fail("delete", error) from error
                self.stdout.write("  delete  ok")
        self.stdout.write(self.style.SUCCESS("Storage works: writes, reads, public URL and deletes."))

    def _fetch(self, url: str, body: bytes, timeout: float) -> str:
        request = urllib.request.Request(url, headers={"User-Agent": "dukaan-check-storage"})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (operator's own URL)
                fetched = response.read()
                headers = response.headers
                status = response.status
        except urllib.error.HTTPError as error:
            hint = (
                "the bucket policy or the CDN does not allow public reads of products/ (see deploy/s3/)"
                if error.code in (401, 403)
                else "the CDN domain does not map keys to the bucket (DUKAAN_CDN_DOMAIN, CDN origin)"
            )
            raise CommandError(f"fetch failed: {url} answered HTTP {error.code}: {hint}") from error
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise CommandError(
                f"fetch failed: cannot reach {url} ({reason}): check DUKAAN_CDN_DOMAIN and the CDN"
            ) from error
        if fetched != body:
            raise CommandError(f"fetch failed: {url} answered HTTP {status} but not with the probe's content")
        return f"HTTP {status}, Cache-Control: {headers.get('Cache-Control', '(none)')}"
