"""dukaan.storage.MediaS3Storage against a real S3 API server (moto in server mode) on loopback."""

from __future__ import annotations

import hashlib
import io
import json
import re
import urllib.request

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.templatetags.static import static
from django.test import override_settings

from dukaan.storage import (
    CACHE_IMMUTABLE,
    CACHE_SHORT,
    STORE_FAILED_MESSAGE,
    MediaS3Storage,
    StorageUnavailable,
    cdn_domain_and_protocol,
)
from products.images import process_product_image

from .conftest import ROOT, create_bucket, jpeg_bytes, start_moto_server, use_s3

SHA = "ab" * 32


# --- URLs: no server needed ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("cdn.mydukaan.io", ("cdn.mydukaan.io", "https:")),
        ("cdn.mydukaan.io/", ("cdn.mydukaan.io", "https:")),
        ("127.0.0.1:9000/dukaan-media", ("127.0.0.1:9000/dukaan-media", "http:")),
        ("localhost:9000/dukaan-media", ("localhost:9000/dukaan-media", "http:")),
        ("[::1]:9000/media", ("[::1]:9000/media", "http:")),
        ("http://media.staging.internal", ("media.staging.internal", "http:")),
        ("", (None, "https:")),
    ],
)
def test_cdn_domain_gets_https_except_on_loopback_or_when_told(value, expected):
    assert cdn_domain_and_protocol(value) == expected


@override_settings(
    AWS_STORAGE_BUCKET_NAME="dukaan-media",
    AWS_S3_ENDPOINT_URL="http://127.0.0.1:9",
    DUKAAN_CDN_DOMAIN="cdn.mydukaan.io",
)
def test_public_url_is_the_cdn_domain_and_key_without_a_signature():
    storage = MediaS3Storage()

    url = storage.url(f"products/7/{SHA}-thumb.jpg")

    assert url == f"https://cdn.mydukaan.io/products/7/{SHA}-thumb.jpg"


@override_settings(AWS_STORAGE_BUCKET_NAME="dukaan-media", AWS_S3_ENDPOINT_URL=None, DUKAAN_CDN_DOMAIN="")
def test_without_a_cdn_domain_the_url_is_the_plain_bucket_url_without_a_signature():
    url = MediaS3Storage().url(f"products/7/{SHA}-thumb.jpg")

    assert url.endswith(f"dukaan-media/products/7/{SHA}-thumb.jpg") or "dukaan-media.s3" in url
    assert "Signature" not in url and "X-Amz" not in url


@override_settings(AWS_STORAGE_BUCKET_NAME="dukaan-media", DUKAAN_CDN_DOMAIN="cdn.mydukaan.io")
def test_content_addressed_names_are_immutable_for_a_year_and_others_briefly():
    storage = MediaS3Storage()

    photo = storage.get_object_parameters(f"products/7/{SHA}-large.jpg")
    other = storage.get_object_parameters("exports/orders.csv")

    assert photo == {"CacheControl": CACHE_IMMUTABLE, "ContentType": "image/jpeg"}
    assert CACHE_IMMUTABLE == "public, max-age=31536000, immutable"
    assert other["CacheControl"] == CACHE_SHORT
    assert "ACL" not in photo


# --- against moto_server --------------------------------------------------------------------


@pytest.mark.integration
def test_product_photo_variants_land_in_the_bucket_as_jpeg_with_a_year_long_immutable_cache(s3_media):
    processed = process_product_image(ContentFile(jpeg_bytes(), name="IMG_1234.HEIC"), store_id=42)

    keys = s3_media.keys("products/42/")
    assert keys == sorted([processed.thumb_name, processed.large_name, processed.small_name])
    for key in keys:
        head = s3_media.head(key)
        assert head["ContentType"] == "image/jpeg"
        assert head["CacheControl"] == "public, max-age=31536000, immutable"
        body = s3_media.client().get_object(Bucket=s3_media.bucket, Key=key)["Body"].read()
        # The key is the SHA-256 of the object's own bytes.
        assert hashlib.sha256(body).hexdigest() in key
    assert default_storage.url(processed.thumb_name) == f"https://cdn.dukaan.test/{processed.thumb_name}"


@pytest.mark.integration
def test_the_same_bytes_saved_twice_reuse_one_object(s3_media):
    name = f"products/3/{SHA}-thumb.jpg"

    first = default_storage.save(name, ContentFile(jpeg_bytes()))
    second = default_storage.save(name, ContentFile(jpeg_bytes()))

    assert first == second == name
    assert s3_media.keys("products/3/") == [name]


@pytest.mark.integration
def test_a_name_that_is_not_content_addressed_is_never_overwritten(s3_media):
    first = default_storage.save("exports/report.txt", ContentFile(b"one"))
    second = default_storage.save("exports/report.txt", ContentFile(b"two"))

    assert first == "exports/report.txt"
    assert second != first
    assert s3_media.keys("exports/") == sorted([first, second])
    assert s3_media.head(first)["CacheControl"] == CACHE_SHORT


@pytest.mark.integration
def test_the_public_url_serves_the_photo_through_the_documented_bucket_policy(s3_media_loopback_cdn):
    processed = process_product_image(io.BytesIO(jpeg_bytes()), store_id=5)

    url = default_storage.url(processed.large_name)
    with urllib.request.urlopen(url, timeout=5) as response:
        body = response.read()
        headers = response.headers

    assert url.startswith(
        f"http://127.0.0.1:{s3_media_loopback_cdn.server.port}/{s3_media_loopback_cdn.bucket}/"
    )
    assert headers["Content-Type"] == "image/jpeg"
    assert headers["Cache-Control"] == CACHE_IMMUTABLE
    assert body[:3] == b"\xff\xd8\xff"


@pytest.mark.integration
def test_a_missing_bucket_is_a_clear_storage_error(settings, moto_server):
    use_s3(settings, moto_server, "no-such-bucket-here", "cdn.dukaan.test")

    with pytest.raises(StorageUnavailable) as raised:
        process_product_image(io.BytesIO(jpeg_bytes()), store_id=5)

    assert str(raised.value) == STORE_FAILED_MESSAGE
    assert isinstance(raised.value, OSError)


@pytest.mark.integration
def test_a_stopped_s3_server_is_a_clear_storage_error_and_leaves_nothing_behind(settings):
    server = start_moto_server()
    try:
        create_bucket(server, "media")
        use_s3(settings, server, "media", "cdn.dukaan.test")
    finally:
        server.stop()

    with pytest.raises(StorageUnavailable) as raised:
        process_product_image(io.BytesIO(jpeg_bytes()), store_id=5)

    assert str(raised.value) == "Could not store the photo right now; please try again."


# --- check_storage --------------------------------------------------------------------------


@pytest.mark.integration
def test_check_storage_writes_reads_fetches_the_public_url_and_deletes_its_probe(
    s3_media_loopback_cdn, capsys
):
    call_command("check_storage")

    out = capsys.readouterr().out
    assert "write   products/_check_storage/" in out
    assert "read    content matches ok" in out
    assert f"url     http://127.0.0.1:{s3_media_loopback_cdn.server.port}/" in out
    assert f"Cache-Control: {CACHE_SHORT}" in out
    assert "delete  ok" in out
    assert "Storage works" in out
    assert s3_media_loopback_cdn.keys() == []


@pytest.mark.integration
def test_check_storage_fails_naming_the_bucket_setting_when_the_bucket_is_missing(settings, moto_server):
    use_s3(settings, moto_server, "missing-bucket", "cdn.dukaan.test")

    with pytest.raises(
        CommandError, match=r"write failed: bucket 'missing-bucket' does not exist.*AWS_STORAGE"
    ):
        call_command("check_storage")


@pytest.mark.integration
def test_check_storage_fails_when_the_public_url_is_not_public(settings, moto_server):
    client = moto_server.client()
    client.create_bucket(Bucket="private-media")  # no bucket policy: nothing is public
    use_s3(settings, moto_server, "private-media", f"127.0.0.1:{moto_server.port}/private-media")

    with pytest.raises(CommandError, match=r"fetch failed: .* HTTP 403: the bucket policy"):
        call_command("check_storage")

    assert client.list_objects_v2(Bucket="private-media").get("KeyCount") == 0


@pytest.mark.integration
def test_check_storage_fails_naming_the_endpoint_when_s3_is_unreachable(settings):
    server = start_moto_server()
    server.stop()
    use_s3(settings, server, "media", "cdn.dukaan.test")

    with pytest.raises(CommandError, match=r"cannot reach the S3 endpoint http://127\.0\.0\.1:\d+"):
        call_command("check_storage")


def test_check_storage_runs_on_the_local_filesystem_too(settings, tmp_path, capsys):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }

    call_command("check_storage")

    out = capsys.readouterr().out
    assert "fetch   skipped (relative URL" in out
    assert "Storage works" in out
    assert list((tmp_path / "products" / "_check_storage").iterdir()) == []


def test_check_storage_names_the_aliases_when_asked_for_an_unknown_one(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(CommandError, match=r"No storage 'nope'.*default"):
        call_command("check_storage", "--storage", "nope", "--no-fetch")


def test_check_storage_refuses_a_timeout_of_zero_or_less(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(CommandError, match="--timeout must be more than 0"):
        call_command("check_storage", "--timeout", "-1")


# --- static files on the bucket (DUKAAN_STATIC_ON_S3=1) ----------------------------------------


@pytest.mark.integration
def test_collectstatic_uploads_hashed_static_files_that_resolve_to_the_cdn(settings, s3_media, tmp_path):
    source = tmp_path / "static"
    (source / "css").mkdir(parents=True)
    (source / "img").mkdir()
    (source / "img" / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    (source / "css" / "shop.css").write_text("body { background: url('../img/logo.svg'); }\n")
    settings.STATICFILES_DIRS = [source]
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "dukaan.storage.StaticS3Storage"}}

    call_command("collectstatic", interactive=False, verbosity=0)

    keys = s3_media.keys("static/")
    hashed_css = next(key for key in keys if re.fullmatch(r"static/css/shop\.[0-9a-f]{12}\.css", key))
    assert "static/staticfiles.json" in keys
    assert s3_media.head(hashed_css)["CacheControl"] == CACHE_IMMUTABLE
    assert s3_media.head(hashed_css)["ContentType"] == "text/css"
    assert s3_media.head("static/staticfiles.json")["CacheControl"] == "no-cache"
    assert static("css/shop.css") == f"https://cdn.dukaan.test/{hashed_css}"


@pytest.mark.integration
def test_the_documented_lifecycle_rules_are_accepted_by_the_s3_api(moto_server, s3_bucket):
    rules = json.loads((ROOT / "deploy" / "s3" / "lifecycle.json").read_text())
    client = moto_server.client()

    client.put_bucket_lifecycle_configuration(Bucket=s3_bucket, LifecycleConfiguration=rules)

    stored = client.get_bucket_lifecycle_configuration(Bucket=s3_bucket)["Rules"]
    assert {rule["ID"] for rule in stored} == {rule["ID"] for rule in rules["Rules"]}


@pytest.mark.integration
def test_check_storage_checks_static_files_on_the_bucket_too(settings, s3_media_loopback_cdn, capsys):
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "dukaan.storage.StaticS3Storage"}}

    call_command("check_storage", storage="staticfiles")

    out = capsys.readouterr().out
    assert f"/{s3_media_loopback_cdn.bucket}/static/products/_check_storage/" in out
    assert "Storage works" in out
    assert s3_media_loopback_cdn.keys() == []
