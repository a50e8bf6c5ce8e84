"""sweep_media: orphaned photos are deleted after the grace period; referenced ones never."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from .conftest import jpeg_bytes

USED = "products/{store}/" + "a" * 64 + "-thumb.jpg"
ORPHAN = "products/{store}/" + "b" * 64 + "-thumb.jpg"


@pytest.mark.integration
def test_sweep_deletes_unreferenced_photos_and_keeps_the_ones_products_use(
    s3_media, store, make_product, capsys
):
    used = default_storage.save(USED.format(store=store.pk), ContentFile(jpeg_bytes()))
    small = default_storage.save(
        f"products/{store.pk}/{'b' * 64}-small.jpg", ContentFile(jpeg_bytes((4, 5, 6)))
    )
    orphan = default_storage.save(ORPHAN.format(store=store.pk), ContentFile(jpeg_bytes((1, 2, 3))))
    make_product(store, image_thumb=used, image_small=small)

    call_command("sweep_media", older_than_hours=0)

    assert s3_media.keys("products/") == sorted([used, small])
    assert f"deleted {orphan}" in capsys.readouterr().out


@pytest.mark.integration
def test_sweep_keeps_fresh_orphans_whose_product_may_not_be_committed_yet(s3_media, store, capsys):
    orphan = default_storage.save(ORPHAN.format(store=store.pk), ContentFile(jpeg_bytes()))

    call_command("sweep_media")

    assert s3_media.keys("products/") == [orphan]
    assert "kept 1 recent unreferenced" in capsys.readouterr().out


def test_sweep_dry_run_on_the_local_disk_deletes_nothing(settings, tmp_path, store, capsys):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    orphan = default_storage.save(ORPHAN.format(store=store.pk), ContentFile(b"x"))

    call_command("sweep_media", older_than_hours=0, dry_run=True)

    assert (tmp_path / orphan).exists()
    assert f"would delete {orphan}" in capsys.readouterr().out


@pytest.mark.django_db
def test_sweep_media_refuses_a_negative_grace_period_and_deletes_nothing(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    name = default_storage.save("products/1/" + "c" * 64 + "-thumb.jpg", ContentFile(b"x"))
    with pytest.raises(CommandError, match="--older-than-hours must be 0 or more"):
        call_command("sweep_media", "--older-than-hours", "-1")
    assert default_storage.exists(name)
