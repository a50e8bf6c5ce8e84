"""Review regressions: storage commands answer bad arguments with a message, not a traceback."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command


def test_check_storage_names_the_aliases_when_asked_for_an_unknown_one(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(CommandError, match=r"No storage 'nope'.*default"):
        call_command("check_storage", "--storage", "nope", "--no-fetch")


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


def test_check_storage_refuses_a_timeout_of_zero_or_less(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(CommandError, match="--timeout must be more than 0"):
        call_command("check_storage", "--timeout", "-1")
