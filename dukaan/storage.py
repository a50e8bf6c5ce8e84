"""Media (and optionally static files) on S3 or any S3-compatible server, served from a CDN domain.

Settings point the default storage here when AWS_STORAGE_BUCKET_NAME is set: the app servers
stop serving photos; the bucket holds them and a CDN in front answers shoppers.

- Public URLs are https://<DUKAAN_CDN_DOMAIN>/<key> with no signature: catalogue images are public
  and a signed URL would change on every render, defeating every cache between us and the shopper.
  A loopback CDN domain (127.0.0.1:9000/bucket, localhost:9000/bucket) gets http, for development.
- Product photos are content-addressed (products/<store>/<sha256>-<variant>.jpg): the same bytes
  always get the same key, so writing it again is harmless and saves a duplicate, and the object can
  be cached for a year as immutable. Names made unique by a random hex id (logos/<slug>/<uuid>.png)
  are never rewritten either, so they are immutable too. Any other name keeps Django's
  never-overwrite behaviour and a short cache lifetime.
- No ACL is sent: the bucket policy (deploy/s3/) decides what is public; buckets with "object
  ownership: bucket owner enforced" reject ACLs anyway.
- Every failure of the object store (unreachable, access denied, missing bucket) is raised as
  StorageUnavailable, an OSError whose message a seller can read. FileSystemStorage failures are
  OSErrors too, so callers need one `except OSError` for both backends.
"""

from __future__ import annotations

import ipaddress
import logging
import mimetypes
import posixpath
import re
from typing import Any
from urllib.parse import urlsplit

from boto3.exceptions import Boto3Error
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.files.storage import Storage
from storages.backends.s3 import S3Storage
from storages.utils import get_available_overwrite_name

logger = logging.getLogger(__name__)

CACHE_IMMUTABLE = "public, max-age=31536000, immutable"
# Names that are not content-addressed may be replaced in place: let caches revalidate soon.
CACHE_SHORT = "public, max-age=300"
CACHE_NONE = "no-cache"

STORE_FAILED_MESSAGE = "Could not store the photo right now; please try again."

# A sha256 (64 hex digits) or a uuid4 hex (32) in the file name: the name is derived from the
# content or unique, so the bytes behind it never change.
_IMMUTABLE_NAME = re.compile(r"[0-9a-f]{32,}")
# Django's ManifestFilesMixin names: css/dukaan.0123456789ab.css
_STATIC_HASHED = re.compile(r"\.[0-9a-f]{12}\.[^./]+$")

_BOTO_ERRORS = (BotoCoreError, ClientError, Boto3Error)


class StorageUnavailable(OSError):
    """The object store could not take or give a file; str(error) is safe to show a seller."""


def is_immutable_name(name: str) -> bool:
    return bool(_IMMUTABLE_NAME.search(posixpath.basename(name)))


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def cdn_domain_and_protocol(value: str | None) -> tuple[str | None, str]:
    """Split DUKAAN_CDN_DOMAIN into (domain[/path], "https:" or "http:") for django-storages.

    "cdn.mydukaan.io" -> https; "127.0.0.1:9000/dukaan-media" -> http (a local S3 server);
    an explicit "http://..." or "https://..." prefix wins.
    """
    value = (value or "").strip().rstrip("/")
    if not value:
        return None, "https:"
    if "://" in value:
        scheme, _, rest = value.partition("://")
        return rest, f"{scheme.lower()}:"
    host = urlsplit(f"//{value}").hostname or ""
    return value, "http:" if _is_loopback(host) else "https:"


def _root_boto_error(error: BaseException) -> BaseException:
    """The botocore/boto3 error behind a wrapper (StorageUnavailable, S3UploadFailedError)."""
    seen = error
    while seen is not None:
        if isinstance(seen, ClientError | BotoCoreError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return error


def _error_code(error: BaseException) -> str:
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", "ClientError"))
    return type(error).__name__


def describe_storage_error(error: BaseException, *, bucket: str | None, endpoint: str | None) -> str:
    """An operator-facing sentence for a failed S3 call: what is wrong and which setting to check."""
    error = _root_boto_error(error)
    code = _error_code(error)
    where = endpoint or "AWS S3"
    if code in {"NoSuchBucket", "404"}:
        return f"bucket {bucket!r} does not exist at {where} (create it, or fix AWS_STORAGE_BUCKET_NAME)"
    if code in {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "403", "AllAccessDisabled"}:
        return (
            f"access denied to bucket {bucket!r} ({code}): check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY and "
            "that the key may s3:PutObject, s3:GetObject and s3:DeleteObject on it"
        )
    if code in {
        "EndpointConnectionError",
        "ConnectTimeoutError",
        "ConnectionClosedError",
        "ReadTimeoutError",
    }:
        return f"cannot reach the S3 endpoint {where} ({code}): is it running, is AWS_S3_ENDPOINT_URL right?"
    if code in {"NoCredentialsError", "PartialCredentialsError"}:
        return "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or give the host a role)"
    return f"{code}: {error}"


class MediaS3Storage(S3Storage):
    """Uploaded media (product photos, logos) in the bucket, public through the CDN domain."""

    def get_default_settings(self) -> dict[str, Any]:
        defaults = super().get_default_settings()
        domain, protocol = cdn_domain_and_protocol(getattr(settings, "DUKAAN_CDN_DOMAIN", ""))
        endpoint_url = getattr(settings, "AWS_S3_ENDPOINT_URL", None) or None
        defaults.update(
            bucket_name=settings.AWS_STORAGE_BUCKET_NAME,
            endpoint_url=endpoint_url,
            region_name=getattr(settings, "AWS_S3_REGION_NAME", None) or None,
            custom_domain=domain,
            url_protocol=protocol,
            querystring_auth=False,
            default_acl=None,
            # Decided per name in get_available_name: content-addressed names overwrite.
            file_overwrite=False,
            client_config=Config(
                # MinIO and most S3-compatible servers only answer path-style requests
                # (http://minio:9000/bucket/key); AWS itself prefers virtual-hosted style.
                s3={"addressing_style": "path" if endpoint_url else "auto"},
                signature_version="s3v4",
                # A seller waiting on an upload should get an answer in seconds, not minutes.
                connect_timeout=3,
                read_timeout=20,
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        )
        # Explicit keys when configured; otherwise boto3's chain (instance role, env, profile).
        if getattr(settings, "AWS_ACCESS_KEY_ID", None):
            defaults["access_key"] = settings.AWS_ACCESS_KEY_ID
        if getattr(settings, "AWS_SECRET_ACCESS_KEY", None):
            defaults["secret_key"] = settings.AWS_SECRET_ACCESS_KEY
        return defaults

    def cache_control(self, name: str) -> str:
        return CACHE_IMMUTABLE if is_immutable_name(name) else CACHE_SHORT

    def get_object_parameters(self, name: str) -> dict[str, Any]:
        params = super().get_object_parameters(name)
        params.setdefault("CacheControl", self.cache_control(name))
        # The key decides the type (products/…-thumb.jpg is image/jpeg), not whatever
        # content_type the uploaded object happened to carry from the phone.
        guessed, encoding = mimetypes.guess_type(name)
        if guessed and "ContentType" not in params:
            params["ContentType"] = guessed
            if encoding:
                params["ContentEncoding"] = encoding
        return params

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        if self.file_overwrite or is_immutable_name(name):
            return get_available_overwrite_name(name, max_length)
        return Storage.get_available_name(self, name, max_length=max_length)

    def save(self, name: str | None, content: Any, max_length: int | None = None) -> str:
        try:
            return super().save(name, content, max_length=max_length)
        except _BOTO_ERRORS as error:
            self._log_failure("save", name, error)
            raise StorageUnavailable(STORE_FAILED_MESSAGE) from error

    def exists(self, name: str) -> bool:
        try:
            return super().exists(name)
        except _BOTO_ERRORS as error:
            self._log_failure("exists", name, error)
            raise StorageUnavailable(STORE_FAILED_MESSAGE) from error

    def _open(self, name: str, mode: str = "rb") -> Any:
        try:
            return super()._open(name, mode)
        except _BOTO_ERRORS as error:
            self._log_failure("open", name, error)
            raise StorageUnavailable(f"Could not read {name} from the media bucket.") from error

    def listdir(self, name: str) -> tuple[list[str], list[str]]:
        try:
            return super().listdir(name)
        except _BOTO_ERRORS as error:
            self._log_failure("listdir", name, error)
            raise StorageUnavailable(f"Could not list {name} in the media bucket.") from error

    def delete(self, name: str) -> None:
        try:
            super().delete(name)
        except _BOTO_ERRORS as error:
            self._log_failure("delete", name, error)
            raise StorageUnavailable(f"Could not delete {name} from the media bucket.") from error

    def _log_failure(self, action: str, name: str | None, error: Exception) -> None:
        logger.warning(
            "media storage %s of %s failed: %s",
            action,
            name,
            describe_storage_error(error, bucket=self.bucket_name, endpoint=self.endpoint_url),
        )


class StaticS3Storage(ManifestFilesMixin, MediaS3Storage):
    """Static files with hashed names in the bucket under static/, for DUKAAN_STATIC_ON_S3=1.

    `collectstatic` uploads them and the manifest (static/staticfiles.json); every app server
    reads the same manifest from the bucket, so all of them render the same hashed URLs.
    """

    location = "static"
    # collectstatic replaces files in place (unhashed copies and the manifest).
    file_overwrite = True

    def cache_control(self, name: str) -> str:
        if posixpath.basename(name) == self.manifest_name:
            return CACHE_NONE
        return CACHE_IMMUTABLE if _STATIC_HASHED.search(name) else CACHE_SHORT
