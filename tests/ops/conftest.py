"""Fixtures for the ops commands: an empty catalogue cache and a throwaway MEDIA_ROOT for every test."""

from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    # seed_demo's store is read back through the storefront: no earlier test's cached catalogue answers.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
