"""A real S3 API server (moto in server mode) on loopback, and fixtures that put media on it.

Storage settings are read when dukaan.settings is imported, but the server's port is only known
now: the `s3_media` fixture sets AWS_* and STORAGES through pytest-django's `settings` fixture
(Django's setting_changed handler then drops the cached storages) and restores both afterwards.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import pytest
from botocore.config import Config
from django.core.cache import cache
from django.core.files.storage import default_storage, storages
from django.utils.functional import empty
from PIL import Image

from tests.conftest import require
from tests.servers import ROOT, free_port, stop_process, wait_for

POLICY_FILE = ROOT / "deploy" / "s3" / "bucket-policy.json"
POLICY_BUCKET = "dukaan-media"  # the name used in deploy/s3/bucket-policy.json
KEY_ID = "testing-key"
SECRET = "testing-secret"  # moto accepts any credentials
REGION = "us-east-1"


def _moto_server_path() -> str | None:
    local = ROOT / ".venv" / "bin" / "moto_server"
    return str(local) if local.exists() else shutil.which("moto_server")


@dataclass
class MotoServer:
    process: subprocess.Popen
    port: int

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=KEY_ID,
            aws_secret_access_key=SECRET,
            region_name=REGION,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        )

    def stop(self) -> None:
        stop_process(self.process)


def start_moto_server() -> MotoServer:
    executable = _moto_server_path()
    require(executable is not None, "moto_server not installed (pip install 'moto[server]')")
    port = free_port()
    process = subprocess.Popen(
        [executable, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = MotoServer(process=process, port=port)

    def up() -> bool:
        if process.poll() is not None:
            pytest.fail(f"moto_server exited with code {process.returncode} on port {port}")
        try:
            with urllib.request.urlopen(f"{server.endpoint}/moto-api/", timeout=1):
                return True
        except OSError:  # URLError is an OSError
            return False

    try:
        wait_for(up, 20, f"moto_server did not answer on port {port}")
    except BaseException:
        server.stop()
        raise
    return server


def public_read_policy(bucket: str) -> str:
    """deploy/s3/bucket-policy.json for `bucket`: the tests prove the documented policy works."""
    return POLICY_FILE.read_text().replace(POLICY_BUCKET, bucket)


def create_bucket(server: MotoServer, bucket: str) -> None:
    client = server.client()
    client.create_bucket(Bucket=bucket)
    client.put_bucket_policy(Bucket=bucket, Policy=public_read_policy(bucket))


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    server = start_moto_server()
    yield server
    server.stop()


def reset_storages() -> None:
    storages._storages = {}
    default_storage._wrapped = empty


@dataclass
class S3Media:
    server: MotoServer
    bucket: str
    cdn_domain: str

    def client(self):
        return self.server.client()

    def keys(self, prefix: str = "") -> list[str]:
        answer = self.client().list_objects_v2(Bucket=self.bucket, Prefix=prefix)
        return sorted(entry["Key"] for entry in answer.get("Contents", []))

    def head(self, key: str) -> dict:
        return self.client().head_object(Bucket=self.bucket, Key=key)


def use_s3(settings, server: MotoServer, bucket: str, cdn_domain: str) -> S3Media:
    settings.AWS_STORAGE_BUCKET_NAME = bucket
    settings.AWS_S3_ENDPOINT_URL = server.endpoint
    settings.AWS_S3_REGION_NAME = REGION
    settings.AWS_ACCESS_KEY_ID = KEY_ID
    settings.AWS_SECRET_ACCESS_KEY = SECRET
    settings.DUKAAN_CDN_DOMAIN = cdn_domain
    # Set last: its setting_changed signal drops the cached storages (Django's test signals).
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "dukaan.storage.MediaS3Storage"}}
    reset_storages()
    return S3Media(server=server, bucket=bucket, cdn_domain=cdn_domain)


@pytest.fixture
def s3_bucket(moto_server) -> str:
    bucket = f"media-{uuid.uuid4().hex[:12]}"
    create_bucket(moto_server, bucket)
    return bucket


@pytest.fixture
def s3_media(settings, moto_server, s3_bucket) -> Iterator[S3Media]:
    """Default storage on the moto bucket, public URLs on a CDN domain (https://cdn.dukaan.test/)."""
    media = use_s3(settings, moto_server, s3_bucket, "cdn.dukaan.test")
    yield media
    reset_storages()


@pytest.fixture
def s3_media_loopback_cdn(settings, moto_server, s3_bucket) -> Iterator[S3Media]:
    """As s3_media, but the "CDN" is the S3 server itself, so public URLs really load."""
    media = use_s3(settings, moto_server, s3_bucket, f"127.0.0.1:{moto_server.port}/{s3_bucket}")
    yield media
    reset_storages()


@pytest.fixture
def clear_catalogue_cache():
    cache.clear()
    yield
    cache.clear()


def jpeg_bytes(color: tuple[int, int, int] = (200, 120, 40), size: tuple[int, int] = (900, 700)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", quality=90)
    return out.getvalue()
